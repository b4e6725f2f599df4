// SPDX-License-Identifier: Apache-2.0
// IKEv2 key derivation: SKEYSEED and the seven SK_* keys (RFC 7296 2.14),
// rekeyed SKEYSEED (2.18), Child SA KEYMAT with and without PFS (2.17).
#pragma once

#include <optional>

#include "harness/crypto/secret.h"
#include "harness/crypto/transforms.h"

namespace ikeh::crypto {

// The negotiated transforms that size the keys. integ is empty for AEAD.
struct KeySuite {
  EncrInfo encr;
  std::optional<IntegInfo> integ;
  PrfInfo prf;
};

// Builds a suite from IANA ids, with the same errors as encr_info & co.
// integ may be AUTH_NONE only with an AEAD cipher.
core::Result<KeySuite> make_suite(EncrId encr, std::optional<uint16_t> key_bits, IntegId integ, PrfId prf);

struct IkeSaKeys {
  Secret sk_d, sk_ai, sk_ar, sk_ei, sk_er, sk_pi, sk_pr;
};

// SKEYSEED = prf(Ni | Nr, g^ir). For PRF_AES128_XCBC and PRF_AES128_CMAC the
// key is the first 64 bits of Ni and of Nr (RFC 7296 2.14).
core::Result<Secret> skeyseed(PrfId prf, BytesView ni, BytesView nr, BytesView g_ir);

// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
//   = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), sized by the suite.
core::Result<IkeSaKeys> derive_ike_sa_keys(const KeySuite& suite, BytesView skeyseed, BytesView ni, BytesView nr,
                                           uint64_t spi_i, uint64_t spi_r);

// Rekeyed IKE SA: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the
// old SA's PRF (RFC 7296 2.18).
core::Result<Secret> skeyseed_rekey(PrfId old_prf, BytesView old_sk_d, BytesView g_ir_new, BytesView ni,
                                    BytesView nr);

// Child SA keys: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr); encryption key
// then integrity key, initiator-to-responder first (RFC 7296 2.17).
struct ChildSaKeys {
  Secret encr_i, integ_i, encr_r, integ_r;
};
core::Result<ChildSaKeys> derive_child_sa_keys(PrfId prf, BytesView sk_d, const EncrInfo& encr,
                                               const std::optional<IntegInfo>& integ, BytesView ni, BytesView nr,
                                               BytesView g_ir_new = {});

}  // namespace ikeh::crypto
