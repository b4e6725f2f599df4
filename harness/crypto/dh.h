// SPDX-License-Identifier: Apache-2.0
// Key exchange methods of IKEv2 transform type 4 (RFC 7296 3.3.2, 3.4):
//   MODP   1, 2 (RFC 2409 6.1/6.2), 5 (RFC 3526 2), 14-18 (RFC 3526 3-7),
//          22-24 (RFC 5114 2.1-2.3, prime-order subgroups)
//   ECP    19-21 (RFC 5903), 25-26 (RFC 5114 2.6-2.7), brainpool 27-30
//          (RFC 6954) where OpenSSL provides the curves
//   Montgomery 31 Curve25519, 32 Curve448 (RFC 8031)
// The KE payload's data and the shared secret g^ir use the encodings those
// RFCs fix: MODP values big-endian, left-padded to the prime length; ECP
// public value x | y (no 0x04 prefix, each coordinate padded to the field
// length) and the shared secret is x only (RFC 5903 7); X25519/X448 raw
// 32/56-byte strings (RFC 8031 2). Private values never leave this class
// except through the constructor that takes them.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "harness/codec/registry.h"
#include "harness/core/result.h"
#include "harness/crypto/secret.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header

namespace ikeh::crypto {

using codec::DhGroup;

enum class DhKind : uint8_t { Modp, Ecp, Montgomery };

// Sizes of one key exchange method.
struct DhGroupInfo {
  DhGroup id = DhGroup::NONE;
  DhKind kind = DhKind::Modp;
  std::size_t public_size = 0;   // KE payload data length
  std::size_t shared_size = 0;   // g^ir length
  // Length of the private value from_private() expects: MODP any length up to
  // the prime length (this is the size generate() uses), ECP the order length,
  // X25519/X448 exactly 32/56.
  std::size_t private_size = 0;
  std::string name;  // "MODP_2048", "ECP_256", ...
};

// The sizes of a group. Errors: NONE, an unknown number, or a method this
// build does not implement ("key exchange method GOST3410_2012_256 (33) is not
// supported"), or a curve OpenSSL lacks ("... is not available in this
// OpenSSL build").
core::Result<DhGroupInfo> dh_group_info(DhGroup group);

// Every group that dh_group_info() accepts on this build, in numeric order.
std::span<const DhGroup> supported_dh_groups();

// One side of a Diffie-Hellman exchange: own private value and public value,
// and the computation of g^ir from the peer's KE data. Move-only.
class KeyExchange {
 public:
  // A fresh private value from OpenSSL's DRBG. Errors: as dh_group_info(),
  // or an OpenSSL failure naming the step.
  static core::Result<KeyExchange> generate(DhGroup group);

  // A given private value, so a seeded engine is reproducible. Encoding:
  // MODP a big-endian exponent x with 1 < x < p-1 (at most the prime length);
  // ECP a big-endian scalar d with 1 <= d < n (at most the order length);
  // X25519/X448 the raw 32/56-byte scalar of RFC 7748 5 (clamped by the
  // curve function). Errors name the group and the rule broken.
  static core::Result<KeyExchange> from_private(DhGroup group, BytesView private_value);

  KeyExchange(KeyExchange&&) noexcept;
  KeyExchange& operator=(KeyExchange&&) noexcept;
  ~KeyExchange();

  const DhGroupInfo& info() const { return info_; }
  DhGroup group() const { return info_.id; }

  // Own public value in KE payload encoding (info().public_size bytes).
  const Bytes& public_value() const { return public_; }

  // Checks a peer's KE data as the RFCs require, without computing anything
  // secret. MODP: length exactly the prime length and 1 < y < p-1 (RFC 7296
  // 3.4 sizes, RFC 6989 2.1); for the RFC 5114 groups also y^q = 1 mod p
  // (RFC 6989 2.2). ECP: length 2 * field length, the point lies on the curve
  // (RFC 6989 2.3; the x | y encoding cannot express infinity). X25519/X448:
  // length 32/56 (RFC 8031 2). The error says which rule failed.
  core::Status check_peer(BytesView peer_public) const;

  // g^ir: check_peer() and then the derivation. MODP output is padded to the
  // prime length, ECP output is the x coordinate padded to the field length.
  // X25519/X448 fail when the result is all zero (RFC 7748 6.1, RFC 8031:
  // the peer sent a low-order point).
  core::Result<Secret> shared_secret(BytesView peer_public) const;

 private:
  KeyExchange() = default;
  // The length rule of check_peer() alone.
  core::Status check_peer_length(BytesView peer) const;
  struct PkeyFree {
    void operator()(evp_pkey_st* p) const;
  };
  // The derivation context set up once for own key (derive_init and, for
  // MODP, padding); shared_secret() works on a copy of it.
  struct DeriveCtx;
  struct DeriveCtxFree {
    void operator()(DeriveCtx* c) const;
  };
  DhGroupInfo info_;
  std::unique_ptr<evp_pkey_st, PkeyFree> key_;
  std::unique_ptr<DeriveCtx, DeriveCtxFree> derive_;
  Bytes public_;
};

}  // namespace ikeh::crypto
