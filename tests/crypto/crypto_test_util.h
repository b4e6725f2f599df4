// SPDX-License-Identifier: Apache-2.0
// Small helpers shared by the crypto tests: hex in and out, and the path of
// the shared test data.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "harness/core/bytes.h"

namespace ikeh::crypto::test {

using core::Bytes;
using core::BytesView;

// Hex literal of a published vector; a typo fails the test that uses it.
inline Bytes H(std::string_view hex) {
  auto b = core::from_hex(hex);
  EXPECT_TRUE(b.has_value()) << "bad hex literal: " << hex;
  return b ? *b : Bytes{};
}

inline Bytes A(std::string_view text) { return core::to_bytes(text); }

inline std::string X(BytesView b) { return core::to_hex(b); }

inline std::filesystem::path shared_testdata() { return std::filesystem::path(IKEH_SHARED_DIR) / "testdata"; }

}  // namespace ikeh::crypto::test
