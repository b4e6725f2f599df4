// SPDX-License-Identifier: Apache-2.0
// What each IKEv2 transform needs: key, IV, salt, block and ICV sizes
// (RFC 7296 3.3.2, RFC 3602, 3686/5930, 5282, 7634, 4868, 4595, 3566, 4494,
// 4434, 4615). An unknown, unsupported or badly sized transform is an error
// naming it ("ENCR_AES_CBC needs a key length of 128, 192 or 256 bits, got
// 100"), never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "harness/codec/registry.h"
#include "harness/core/result.h"

namespace ikeh::crypto {

using codec::DhGroup;
using codec::EncrId;
using codec::IntegId;
using codec::PrfId;

enum class CipherMode : uint8_t { Null, Cbc, Ctr, Gcm, Ccm, ChaCha20Poly1305 };

struct EncrInfo {
  EncrId id = EncrId::ENCR_AES_CBC;
  CipherMode mode = CipherMode::Cbc;
  uint16_t key_bits = 0;    // the KEY_LENGTH attribute value (or the fixed size)
  std::size_t key_size = 0;  // cipher key bytes, without salt
  std::size_t salt_size = 0; // bytes of SK_e after the key: CTR/GCM/ChaCha 4, CCM 3
  std::size_t iv_size = 0;   // explicit IV carried in SK
  std::size_t block_size = 1;  // plaintext | padding | pad length is a multiple of this
  std::size_t icv_size = 0;    // AEAD tag size (0 for non-AEAD: the INTEG transform gives it)
  bool aead = false;
  std::string name;  // "ENCR_AES_GCM_16 256"

  // Length of SK_e / SK_ei / SK_er: key plus salt.
  std::size_t keymat_size() const { return key_size + salt_size; }
};

struct PrfInfo {
  PrfId id = PrfId::PRF_HMAC_SHA2_256;
  std::size_t output_size = 0;
  // Preferred key length: the length of SK_d, SK_pi and SK_pr (RFC 7296 2.14).
  std::size_t key_size = 0;
  // PRF_AES128_XCBC and PRF_AES128_CMAC take a fixed 16-byte key (RFC 4434,
  // RFC 4615): longer keys are reduced, shorter ones padded, as they specify.
  bool fixed_key = false;
  std::string name;
};

struct IntegInfo {
  IntegId id = IntegId::AUTH_HMAC_SHA2_256_128;
  std::size_t key_size = 0;
  std::size_t icv_size = 0;  // truncated output carried in SK
  std::string name;
};

// key_bits: the transform's KEY_LENGTH attribute, required for AES, Camellia
// and ChaCha-less variable-key ciphers, refused for fixed-key ones unless it
// equals their size.
core::Result<EncrInfo> encr_info(EncrId id, std::optional<uint16_t> key_bits = std::nullopt);
core::Result<PrfInfo> prf_info(PrfId id);
// The same info and errors as prf_info, from a table built once, for the
// per-handshake paths (prf+, SKEYSEED): no name is built or copied per call.
core::Result<const PrfInfo*> find_prf_info(PrfId id);
// AUTH_NONE is an error here: AEAD ciphers have no integrity transform.
core::Result<IntegInfo> integ_info(IntegId id);

}  // namespace ikeh::crypto
