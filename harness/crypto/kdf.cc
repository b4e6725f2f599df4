// SPDX-License-Identifier: Apache-2.0
#include "harness/crypto/kdf.h"

#include <algorithm>

#include "harness/crypto/mac.h"
#include "harness/crypto/prf.h"

namespace ikeh::crypto {
namespace {

using detail::crypto_error;

void append_u64(Bytes& b, uint64_t v) {
  for (int i = 7; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// Cuts consecutive keys off a prf+ output.
class KeyCutter {
 public:
  explicit KeyCutter(const Secret& s) : s_(s) {}
  Secret next(std::size_t n) {
    Secret k = s_.sub(pos_, n);
    pos_ += n;
    return k;
  }

 private:
  const Secret& s_;
  std::size_t pos_ = 0;
};

}  // namespace

core::Result<KeySuite> make_suite(EncrId encr, std::optional<uint16_t> key_bits, IntegId integ, PrfId prf) {
  auto e = encr_info(encr, key_bits);
  if (!e) return e.error();
  auto p = prf_info(prf);
  if (!p) return p.error();
  KeySuite s{*e, std::nullopt, *p};
  if (e->aead) {
    // RFC 7296 3.3 and RFC 5282 8: a combined-mode cipher takes no integrity
    // transform (or NONE).
    if (integ != IntegId::AUTH_NONE)
      return crypto_error(e->name + " is a combined-mode (AEAD) cipher and takes no integrity algorithm, got " +
                          codec::label(integ));
    return s;
  }
  if (integ == IntegId::AUTH_NONE)
    return crypto_error(e->name + " is not an AEAD cipher and needs an integrity algorithm, got AUTH_NONE");
  auto i = integ_info(integ);
  if (!i) return i.error();
  s.integ = *i;
  return s;
}

core::Result<Secret> skeyseed(PrfId prf_id, BytesView ni, BytesView nr, BytesView g_ir) {
  auto info = find_prf_info(prf_id);
  if (!info) return info.error();
  Bytes key;
  key.reserve(ni.size() + nr.size());
  if ((*info)->fixed_key) {
    // RFC 7296 2.14: with a fixed-key PRF, SKEYSEED is keyed with the first
    // 64 bits of Ni and the first 64 bits of Nr.
    key.assign(ni.begin(), ni.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(8, ni.size())));
    key.insert(key.end(), nr.begin(), nr.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(8, nr.size())));
  } else {
    key.assign(ni.begin(), ni.end());
    key.insert(key.end(), nr.begin(), nr.end());
  }
  // Nonces are public; g^ir (the secret) is only ever the PRF's data.
  return prf(prf_id, key, g_ir);
}

core::Result<IkeSaKeys> derive_ike_sa_keys(const KeySuite& suite, BytesView skeyseed_value, BytesView ni,
                                           BytesView nr, uint64_t spi_i, uint64_t spi_r) {
  if (!suite.encr.aead && !suite.integ)
    return crypto_error(suite.encr.name + " needs an integrity algorithm to derive SK_ai/SK_ar");
  std::size_t integ = suite.encr.aead || !suite.integ ? 0 : suite.integ->key_size;
  std::size_t encr = suite.encr.keymat_size();
  std::size_t prf_key = suite.prf.key_size;
  Bytes seed(ni.begin(), ni.end());
  seed.insert(seed.end(), nr.begin(), nr.end());
  append_u64(seed, spi_i);
  append_u64(seed, spi_r);
  // RFC 7296 2.14: {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}.
  auto km = prf_plus(suite.prf.id, skeyseed_value, seed, 3 * prf_key + 2 * integ + 2 * encr);
  if (!km) return km.error();
  KeyCutter cut(*km);
  IkeSaKeys k;
  k.sk_d = cut.next(prf_key);
  k.sk_ai = cut.next(integ);
  k.sk_ar = cut.next(integ);
  k.sk_ei = cut.next(encr);
  k.sk_er = cut.next(encr);
  k.sk_pi = cut.next(prf_key);
  k.sk_pr = cut.next(prf_key);
  return k;
}

// g^ir | Ni | Nr as key material (the shared secret makes it one).
static Secret secret_concat(BytesView a, BytesView b, BytesView c) {
  Secret out(a.size() + b.size() + c.size());
  uint8_t* p = out.data();
  for (BytesView part : {a, b, c})
    if (!part.empty()) p = std::copy(part.begin(), part.end(), p);
  return out;
}

core::Result<Secret> skeyseed_rekey(PrfId old_prf, BytesView old_sk_d, BytesView g_ir_new, BytesView ni,
                                    BytesView nr) {
  // RFC 7296 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr).
  Secret data = secret_concat(g_ir_new, ni, nr);
  return prf(old_prf, old_sk_d, data.view());
}

core::Result<ChildSaKeys> derive_child_sa_keys(PrfId prf_id, BytesView sk_d, const EncrInfo& encr,
                                               const std::optional<IntegInfo>& integ, BytesView ni, BytesView nr,
                                               BytesView g_ir_new) {
  if (!encr.aead && !integ) return crypto_error(encr.name + " needs an integrity algorithm for the Child SA");
  std::size_t e = encr.keymat_size();
  std::size_t a = encr.aead || !integ ? 0 : integ->key_size;
  // RFC 7296 2.17: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr).
  Secret seed = secret_concat(g_ir_new, ni, nr);
  auto km = prf_plus(prf_id, sk_d, seed.view(), 2 * e + 2 * a);
  if (!km) return km.error();
  // Encryption before integrity, initiator-to-responder first (RFC 7296 2.17).
  KeyCutter cut(*km);
  ChildSaKeys k;
  k.encr_i = cut.next(e);
  k.integ_i = cut.next(a);
  k.encr_r = cut.next(e);
  k.integ_r = cut.next(a);
  return k;
}

}  // namespace ikeh::crypto
