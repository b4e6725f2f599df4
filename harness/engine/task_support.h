// SPDX-License-Identifier: Apache-2.0
// Small helpers the exchange tasks share: finding payloads in a decrypted
// inner chain, and drawing SPIs and DH private values from the injected
// random source (so a seeded run repeats).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "harness/codec/notify_payload.h"
#include "harness/codec/payload.h"
#include "harness/core/bytes.h"
#include "harness/core/result.h"
#include "harness/crypto/dh.h"
#include "harness/engine/ike_sa_init.h"

namespace ikeh::engine {

// RFC 7296 2.10: a nonce is 16 to 256 octets.
inline constexpr std::size_t kMinNonce = 16;
inline constexpr std::size_t kMaxNonce = 256;

// The first payload of type t, or null.
const codec::Payload* find_payload(std::span<const codec::Payload> chain, codec::PayloadType t);

// The body of the first payload of type t, or null.
template <class T>
const T* find_body(std::span<const codec::Payload> chain, codec::PayloadType t) {
  const codec::Payload* p = find_payload(chain, t);
  return p ? p->as<T>() : nullptr;
}

// The first Notify of type t, or null.
// Appends one V payload (RFC 7296 3.12) per entry.
void add_vendor_ids(std::vector<codec::Payload>& payloads, const std::vector<core::Bytes>& vendor_ids);

const codec::NotifyPayload* find_notify(std::span<const codec::Payload> chain, codec::NotifyType t);

// The first error Notify (type below 16384, RFC 7296 3.10.1), or null.
const codec::NotifyPayload* first_error_notify(std::span<const codec::Payload> chain);

// A source that calls `random`, which must outlive it. Cheaper to hand to a
// task than a copy of `random`: the one pointer it holds fits in
// std::function's inline storage, where a copied source capturing state
// (seeded_random's shared_ptr) costs an allocation per copy.
RandomSource borrow(const RandomSource& random);

// A new SPI: 8 bytes and non-zero for an IKE SA (RFC 7296 3.1), 4 bytes and
// at least 256 for ESP/AH (RFC 4303 2.1 reserves 0..255).
core::Bytes draw_spi(const RandomSource& random, bool ike);

// A key pair for `group` whose private value comes from `random`
// (KeyExchange::from_private), drawn again while the group refuses it (a
// value outside its range; negligible odds per draw), at most 64 times.
// Errors: an unsupported group, or 64 refusals.
core::Result<crypto::KeyExchange> draw_key_exchange(const RandomSource& random, codec::DhGroup group);

}  // namespace ikeh::engine
