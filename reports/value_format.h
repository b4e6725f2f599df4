// SPDX-License-Identifier: Apache-2.0
// Renders field values for people, following the codec's Show hints and
// registry namers. Shared by the text and JSON printers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "harness/codec/fields.h"

namespace ikeh::reports {

// The value rendered as the hint asks ("10.0.0.1", "192.168.1.1/255.255.255.255",
// "SHA2_256, SHA2_384", "example.com" unquoted, "86400"). Returns nullopt for
// Show::Hex, for empty data, and whenever the data does not fit the hint (an
// Ipv4 field of 5 bytes, a non-printable Text field). u16_namer names the
// values of a U16List (null: numbers only).
std::optional<std::string> render_bytes(core::BytesView data, codec::Show show, codec::Namer u16_namer = nullptr);

// Hex for people: the whole value up to max_bytes, else the first 16 bytes,
// "..." and the byte count ("0a0b...ff (64 bytes)"). "(empty)" for no bytes.
std::string short_hex(core::BytesView data, std::size_t max_bytes = 32);

// 16 lower-case hex digits, as SPIs are written.
std::string hex64(uint64_t v);

// A number as the field's format asks: decimal, or 0x-prefixed hex padded to
// the field width when fmt.hex.
std::string format_number(uint64_t v, unsigned width, codec::NumFmt fmt);

// Which registry names the 16-bit values of a U16List field: the Show hint
// carries no namer, so the payload it sits in decides (hash algorithms in a
// Notify, attribute types in a CP); null when none applies.
codec::Namer u16_namer_for(codec::PayloadType t);

// The namer's name for v, empty when there is no namer or no name.
std::string_view name_for(codec::NumFmt fmt, uint64_t v);

}  // namespace ikeh::reports
