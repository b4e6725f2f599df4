// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ikeh::core {

using Bytes = std::vector<uint8_t>;
using BytesView = std::span<const uint8_t>;

// Lower-case hex without separators ("0a1b").
std::string to_hex(BytesView data);
// Parses hex; accepts upper and lower case and ignores spaces, ':' and '-'.
// Returns nullopt on an odd digit count or a non-hex character.
std::optional<Bytes> from_hex(std::string_view text);

inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace ikeh::core
