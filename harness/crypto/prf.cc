// SPDX-License-Identifier: Apache-2.0
#include "harness/crypto/prf.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "harness/crypto/mac.h"

namespace ikeh::crypto {
namespace {

// Result<Bytes> -> Result<Secret>, wiping the intermediate copy.
core::Result<Secret> to_secret(core::Result<Bytes> r) {
  if (!r) return r.error();
  Secret s{BytesView(*r)};
  OPENSSL_cleanse(r->data(), r->size());
  return s;
}

// RFC 4434 2 (AES-XCBC-PRF-128): a key shorter than 128 bits is padded with
// zeros, a longer one is replaced by AES-XCBC-MAC under the all-zero key.
core::Result<Secret> xcbc_prf(BytesView key, BytesView data) {
  std::array<uint8_t, 16> k{};
  if (key.size() <= 16) {
    std::copy(key.begin(), key.end(), k.begin());
  } else {
    std::array<uint8_t, 16> zero{};
    auto reduced = detail::aes_xcbc(zero, key);
    if (!reduced) return reduced.error();
    std::copy(reduced->begin(), reduced->end(), k.begin());
    OPENSSL_cleanse(reduced->data(), reduced->size());
  }
  auto out = detail::aes_xcbc(k, data);
  OPENSSL_cleanse(k.data(), k.size());
  return to_secret(std::move(out));
}

// RFC 4615 3 (AES-CMAC-PRF-128): any key that is not exactly 128 bits, shorter
// or longer, is replaced by AES-CMAC under the all-zero key.
core::Result<Secret> cmac_prf(BytesView key, BytesView data) {
  std::array<uint8_t, 16> k{};
  if (key.size() == 16) {
    std::copy(key.begin(), key.end(), k.begin());
  } else {
    std::array<uint8_t, 16> zero{};
    auto reduced = detail::aes_cmac(zero, key);
    if (!reduced) return reduced.error();
    std::copy(reduced->begin(), reduced->end(), k.begin());
    OPENSSL_cleanse(reduced->data(), reduced->size());
  }
  auto out = detail::aes_cmac(k, data);
  OPENSSL_cleanse(k.data(), k.size());
  return to_secret(std::move(out));
}

// The OpenSSL digest behind an HMAC PRF; nullptr for the AES-based ones.
const char* hmac_digest(PrfId id) {
  switch (id) {
    case PrfId::PRF_HMAC_MD5: return "MD5";
    case PrfId::PRF_HMAC_SHA1: return "SHA1";
    case PrfId::PRF_HMAC_SHA2_256: return "SHA2-256";
    case PrfId::PRF_HMAC_SHA2_384: return "SHA2-384";
    case PrfId::PRF_HMAC_SHA2_512: return "SHA2-512";
    default: return nullptr;
  }
}

// A MAC written into a wiped stack buffer by `mac` (which returns its length)
// and handed out as a Secret, without a heap Bytes that would be copied again.
template <class Mac>
core::Result<Secret> mac_to_secret(Mac&& mac) {
  std::array<uint8_t, 64> t;  // SHA2-512 is the largest output
  core::Result<std::size_t> n = mac(t.data(), t.size());
  if (!n) {
    OPENSSL_cleanse(t.data(), t.size());
    return n.error();
  }
  Secret out(BytesView(t.data(), *n));
  OPENSSL_cleanse(t.data(), *n);
  return out;
}

core::Result<Secret> hmac_prf(const char* digest, BytesView key, BytesView data) {
  return mac_to_secret(
      [&](uint8_t* out, std::size_t cap) { return detail::hmac_into(digest, key, data, out, cap); });
}

// prf(prf(key, label), data) for an HMAC PRF. Each thread keeps the context
// keyed with prf(key, label) for its last (PRF, key, label): AUTH with a
// shared secret computes prf(PSK, "Key Pad for IKEv2") with the same PSK for
// every message it signs or checks. The key is compared in constant time
// (CRYPTO_memcmp), never through a digest; a replaced entry is wiped (Secret,
// and OpenSSL clears the freed context), and so is the last one when the
// thread ends. The entry is only used inside this call, never shared.
core::Result<Secret> cached_hmac_prf_prf(const char* digest, PrfId id, BytesView key, BytesView label,
                                         BytesView data) {
  struct Entry {
    PrfId id{};
    Secret key;
    Bytes label;
    detail::MacCtx ctx;
  };
  thread_local Entry last;
  bool hit = last.ctx && last.id == id && last.key.size() == key.size() &&
             (key.empty() || CRYPTO_memcmp(last.key.data(), key.data(), key.size()) == 0) &&
             std::equal(label.begin(), label.end(), last.label.begin(), last.label.end());
  std::string what = std::string("HMAC-") + digest;
  if (!hit) {
    std::array<uint8_t, 64> t;
    last = Entry{};
    auto n = detail::hmac_into(digest, key, label, t.data(), t.size());
    if (!n) {
      OPENSSL_cleanse(t.data(), t.size());
      return n.error();
    }
    auto ctx = detail::keyed_hmac(digest, BytesView(t.data(), *n));
    OPENSSL_cleanse(t.data(), t.size());
    if (!ctx) return ctx.error();
    last.id = id;
    last.key = Secret(key);
    last.label.assign(label.begin(), label.end());
    last.ctx = std::move(ctx).value();
  }
  return mac_to_secret(
      [&](uint8_t* out, std::size_t cap) { return detail::mac_restart_into(last.ctx.get(), what, data, out, cap); });
}

}  // namespace

core::Result<Secret> prf(PrfId id, BytesView key, BytesView data) {
  if (const char* digest = hmac_digest(id)) return hmac_prf(digest, key, data);
  switch (id) {
    case PrfId::PRF_AES128_XCBC: return xcbc_prf(key, data);
    case PrfId::PRF_AES128_CMAC: return cmac_prf(key, data);
    default: break;
  }
  auto info = prf_info(id);  // the registry's wording for the error
  if (!info) return info.error();
  return detail::crypto_error(codec::label(id) + " is not a supported pseudorandom function");
}

core::Result<Secret> prf_prf(PrfId id, BytesView key, BytesView label, BytesView data) {
  if (const char* digest = hmac_digest(id)) return cached_hmac_prf_prf(digest, id, key, label, data);
  auto inner = prf(id, key, label);
  if (!inner) return inner.error();
  return prf(id, inner->view(), data);
}

core::Result<Secret> prf_plus(PrfId id, BytesView key, BytesView seed, std::size_t length) {
  auto found = find_prf_info(id);
  if (!found) return found.error();
  const PrfInfo* info = *found;
  std::size_t blocks = (length + info->output_size - 1) / info->output_size;
  // RFC 7296 2.13: the counter is one octet, so at most 255 blocks.
  if (blocks > 255)
    return detail::crypto_error("prf+ with " + info->name + " can produce at most " +
                                std::to_string(255 * info->output_size) + " bytes, asked for " +
                                std::to_string(length));
  Secret out(length);
  // Buffer for Tn-1 | S | n, reused across rounds and wiped at the end.
  Secret input(info->output_size + seed.size() + 1);
  std::size_t pos = 0;
  std::size_t prev = 0;  // bytes of Tn-1 at the front of input (0 for T1)
  if (const char* digest = hmac_digest(id)) {
    // Every block uses the same key: set it up once and restart the MAC per
    // block, which saves the HMAC key schedule and a context per block.
    auto ctx = detail::thread_hmac(digest, key);
    if (!ctx) return ctx.error();
    std::array<uint8_t, 64> t{};  // SHA2-512 is the largest output
    for (std::size_t n = 1; n <= blocks; ++n) {
      if (!seed.empty()) std::memcpy(input.data() + prev, seed.data(), seed.size());
      input.data()[prev + seed.size()] = static_cast<uint8_t>(n);
      auto got = detail::mac_restart_into(*ctx, info->name, BytesView(input.data(), prev + seed.size() + 1),
                                          t.data(), t.size());
      if (!got || *got != info->output_size) {
        OPENSSL_cleanse(t.data(), t.size());
        if (!got) return got.error();
        return detail::crypto_error(info->name + " gave " + std::to_string(*got) + " bytes, expected " +
                                    std::to_string(info->output_size));
      }
      std::size_t take = std::min(*got, length - pos);
      std::memcpy(out.data() + pos, t.data(), take);
      pos += take;
      std::memcpy(input.data(), t.data(), *got);
      prev = *got;
    }
    OPENSSL_cleanse(t.data(), t.size());
    return out;
  }
  for (std::size_t n = 1; n <= blocks; ++n) {
    if (!seed.empty()) std::memcpy(input.data() + prev, seed.data(), seed.size());
    input.data()[prev + seed.size()] = static_cast<uint8_t>(n);
    auto t = prf(id, key, BytesView(input.data(), prev + seed.size() + 1));
    if (!t) return t.error();
    std::size_t take = std::min(t->size(), length - pos);
    std::memcpy(out.data() + pos, t->data(), take);
    pos += take;
    std::memcpy(input.data(), t->data(), t->size());
    prev = t->size();
  }
  return out;
}

}  // namespace ikeh::crypto
