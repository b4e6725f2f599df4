// SPDX-License-Identifier: Apache-2.0
#include "harness/crypto/transforms.h"

#include <array>

namespace ikeh::crypto {
namespace {

core::Error transform_error(std::string reason) {
  core::Error e;
  e.where = "crypto";
  e.reason = std::move(reason);
  return e;
}

// AES takes its size from the KEY_LENGTH attribute, which is mandatory for it
// (RFC 7296 3.3.5; RFC 3602 5, RFC 5930 2, RFC 5282 8).
core::Result<uint16_t> aes_bits(EncrId id, std::optional<uint16_t> key_bits) {
  if (!key_bits)
    return transform_error(codec::label(id) + " needs a KEY_LENGTH attribute of 128, 192 or 256 bits");
  if (*key_bits != 128 && *key_bits != 192 && *key_bits != 256)
    return transform_error(codec::label(id) + " needs a key length of 128, 192 or 256 bits, got " +
                           std::to_string(*key_bits));
  return *key_bits;
}

// Fixed-size ciphers carry no KEY_LENGTH attribute; one equal to the fixed
// size is tolerated, anything else is refused (RFC 7296 3.3.5).
core::Status fixed_bits(EncrId id, std::optional<uint16_t> key_bits, uint16_t bits) {
  if (key_bits && *key_bits != bits)
    return transform_error(codec::label(id) + " has a fixed key of " + std::to_string(bits) +
                           " bits, got a key length of " + std::to_string(*key_bits));
  return {};
}

}  // namespace

core::Result<EncrInfo> encr_info(EncrId id, std::optional<uint16_t> key_bits) {
  EncrInfo e;
  e.id = id;
  switch (id) {
    case EncrId::ENCR_AES_CBC: {  // RFC 3602: 16-byte IV, 16-byte blocks
      auto bits = aes_bits(id, key_bits);
      if (!bits) return bits.error();
      e.mode = CipherMode::Cbc;
      e.key_bits = *bits;
      e.key_size = *bits / 8;
      e.iv_size = 16;
      e.block_size = 16;
      break;
    }
    case EncrId::ENCR_AES_CTR: {  // RFC 5930 2: SK_e = key | 4-byte nonce, 8-byte IV
      auto bits = aes_bits(id, key_bits);
      if (!bits) return bits.error();
      e.mode = CipherMode::Ctr;
      e.key_bits = *bits;
      e.key_size = *bits / 8;
      e.salt_size = 4;
      e.iv_size = 8;
      break;
    }
    case EncrId::ENCR_AES_GCM_8:
    case EncrId::ENCR_AES_GCM_12:
    case EncrId::ENCR_AES_GCM_16:
    case EncrId::ENCR_AES_CCM_8:
    case EncrId::ENCR_AES_CCM_12:
    case EncrId::ENCR_AES_CCM_16: {  // RFC 5282 7.1/8.1: GCM salt 4, CCM salt 3, IV 8
      auto bits = aes_bits(id, key_bits);
      if (!bits) return bits.error();
      bool gcm = id == EncrId::ENCR_AES_GCM_8 || id == EncrId::ENCR_AES_GCM_12 || id == EncrId::ENCR_AES_GCM_16;
      e.mode = gcm ? CipherMode::Gcm : CipherMode::Ccm;
      e.key_bits = *bits;
      e.key_size = *bits / 8;
      e.salt_size = gcm ? 4 : 3;
      e.iv_size = 8;
      e.aead = true;
      switch (id) {
        case EncrId::ENCR_AES_GCM_8:
        case EncrId::ENCR_AES_CCM_8: e.icv_size = 8; break;
        case EncrId::ENCR_AES_GCM_12:
        case EncrId::ENCR_AES_CCM_12: e.icv_size = 12; break;
        default: e.icv_size = 16; break;
      }
      break;
    }
    case EncrId::ENCR_CHACHA20_POLY1305: {  // RFC 7634 2, 3: 256-bit key, salt 4, IV 8, tag 16
      if (auto s = fixed_bits(id, key_bits, 256); !s) return s.error();
      e.mode = CipherMode::ChaCha20Poly1305;
      e.key_bits = 256;
      e.key_size = 32;
      e.salt_size = 4;
      e.iv_size = 8;
      e.icv_size = 16;
      e.aead = true;
      break;
    }
    case EncrId::ENCR_3DES: {  // RFC 2451: 192-bit key (3 x 64 with parity), 8-byte IV and block
      if (auto s = fixed_bits(id, key_bits, 192); !s) return s.error();
      e.mode = CipherMode::Cbc;
      e.key_bits = 192;
      e.key_size = 24;
      e.iv_size = 8;
      e.block_size = 8;
      break;
    }
    case EncrId::ENCR_NULL: {  // RFC 2410: no key, no IV; meant for Child SAs and tests
      if (auto s = fixed_bits(id, key_bits, 0); !s) return s.error();
      e.mode = CipherMode::Null;
      break;
    }
    default:
      return transform_error(codec::label(id) + " is not a supported encryption algorithm");
  }
  e.name = codec::label(id);
  if (id != EncrId::ENCR_3DES && id != EncrId::ENCR_NULL) e.name += " " + std::to_string(e.key_bits);
  return e;
}

core::Result<PrfInfo> prf_info(PrfId id) {
  PrfInfo p;
  p.id = id;
  switch (id) {
    // RFC 2104 / RFC 4868 2.1.2: the preferred HMAC key is as long as the output.
    case PrfId::PRF_HMAC_MD5: p.output_size = p.key_size = 16; break;
    case PrfId::PRF_HMAC_SHA1: p.output_size = p.key_size = 20; break;
    case PrfId::PRF_HMAC_SHA2_256: p.output_size = p.key_size = 32; break;
    case PrfId::PRF_HMAC_SHA2_384: p.output_size = p.key_size = 48; break;
    case PrfId::PRF_HMAC_SHA2_512: p.output_size = p.key_size = 64; break;
    // RFC 4434 2, RFC 4615 3: a 128-bit key and a 128-bit output.
    case PrfId::PRF_AES128_XCBC:
    case PrfId::PRF_AES128_CMAC:
      p.output_size = p.key_size = 16;
      p.fixed_key = true;
      break;
    default:
      return transform_error(codec::label(id) + " is not a supported pseudorandom function");
  }
  p.name = codec::label(id);
  return p;
}

core::Result<const PrfInfo*> find_prf_info(PrfId id) {
  // Indexed by IANA value; every PRF prf_info supports is below 16.
  static const std::array<std::optional<PrfInfo>, 16> table = [] {
    std::array<std::optional<PrfInfo>, 16> t{};
    for (std::size_t i = 0; i < t.size(); ++i)
      if (auto p = prf_info(static_cast<PrfId>(i))) t[i] = std::move(p).value();
    return t;
  }();
  auto i = static_cast<std::size_t>(id);
  if (i < table.size() && table[i]) return &*table[i];
  auto p = prf_info(id);
  if (!p) return p.error();
  return transform_error(p->name + " is missing from the PRF table");  // a new PRF id of 16 or more
}

core::Result<IntegInfo> integ_info(IntegId id) {
  IntegInfo i;
  i.id = id;
  switch (id) {
    case IntegId::AUTH_HMAC_MD5_96: i.key_size = 16, i.icv_size = 12; break;        // RFC 2403
    case IntegId::AUTH_HMAC_MD5_128: i.key_size = 16, i.icv_size = 16; break;       // RFC 4595
    case IntegId::AUTH_HMAC_SHA1_96: i.key_size = 20, i.icv_size = 12; break;       // RFC 2404
    case IntegId::AUTH_HMAC_SHA1_160: i.key_size = 20, i.icv_size = 20; break;      // RFC 4595
    case IntegId::AUTH_HMAC_SHA2_256_128: i.key_size = 32, i.icv_size = 16; break;  // RFC 4868 2.3
    case IntegId::AUTH_HMAC_SHA2_384_192: i.key_size = 48, i.icv_size = 24; break;
    case IntegId::AUTH_HMAC_SHA2_512_256: i.key_size = 64, i.icv_size = 32; break;
    case IntegId::AUTH_AES_XCBC_96: i.key_size = 16, i.icv_size = 12; break;  // RFC 3566
    case IntegId::AUTH_AES_CMAC_96: i.key_size = 16, i.icv_size = 12; break;  // RFC 4494
    case IntegId::AUTH_NONE:
      return transform_error("AUTH_NONE is not an integrity algorithm; only AEAD ciphers go without one");
    default:
      return transform_error(codec::label(id) + " is not a supported integrity algorithm");
  }
  i.name = codec::label(id);
  return i;
}

}  // namespace ikeh::crypto
