// SPDX-License-Identifier: Apache-2.0
// Message rules (RFC 7296 section 1 and 3): which payloads each exchange and
// direction may carry, how many, and whether inside SK. This is the verify
// step, separate from decoding: decode_message() checks syntax, verify_*()
// checks what a well-formed message may contain.
#pragma once

#include <span>
#include <vector>

#include "harness/codec/message.h"

namespace ikeh::codec {

// Where a payload of an exchange lives.
enum class Placement : uint8_t { Plain, Inner };

// One rule row: in `exchange`, a `response` (or request) carries between
// `min` and `max` payloads of `type`, in plaintext or inside SK. `min` does
// not apply to responses carrying an error Notify, N(COOKIE) or N(REDIRECT),
// which RFC 7296 1.2-1.4 and 2.6 and RFC 5685 allow to consist of the Notify
// alone.
struct PayloadRule {
  ExchangeType exchange;
  bool response;
  PayloadType type;
  uint8_t min;
  uint8_t max;  // kMany: no upper bound
  Placement placement;
};
inline constexpr uint8_t kMany = 255;

// The table, for reports and tests.
std::span<const PayloadRule> payload_rules();

// Verifies a decoded message against the rules that need no keys:
// - major version handled by the decoder; flags: the R bit decides direction;
// - an unknown payload with the critical bit set -> UNSUPPORTED_CRITICAL_PAYLOAD
//   (RFC 7296 2.5; the notify data is the one-octet type);
// - computed fields whose decoded value disagrees with the structure
//   (proposal numbering, last-substructure markers, counts) -> INVALID_SYNTAX;
//   a response's single proposal may keep the number it was offered under
//   (RFC 7296 3.3.1); a Delete's SPI size must be 0 for IKE, 4 for AH/ESP;
// - the critical bit of understood payloads and RESERVED fields are ignored
//   (RFC 7296 2.5, 3.2);
// - for IKE_SA_INIT, the plaintext payload counts of the table; for the other
//   known exchanges, that the message is protected (SK or SKF last) with no
//   other plaintext payloads than the table allows.
// Returns the first violation.
core::Status verify_message(const Message& m);

// Verifies the payloads found inside SK (after decryption) of a message of
// the given exchange and direction against the table.
core::Status verify_inner(ExchangeType exchange, bool response, std::span<const Payload> inner);

}  // namespace ikeh::codec
