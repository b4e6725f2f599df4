// SPDX-License-Identifier: Apache-2.0
#include "harness/crypto/mac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <memory>
#include <vector>

namespace ikeh::crypto::detail {
namespace {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// Fetched once: explicit fetches are the OpenSSL 3 way and avoid a provider
// lookup per call. Both live in the default provider.
EVP_MAC* hmac_alg() {
  static EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return m;
}
EVP_MAC* cmac_alg() {
  static EVP_MAC* m = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
  return m;
}
EVP_CIPHER* aes128_ecb() {
  static EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
  return c;
}

// An unkeyed HMAC context with its digest already set, one per thread and
// digest: each call works on a copy, so the digest is not fetched again per
// call, and the keyed copy is freed (and cleared by OpenSSL) when the call
// ends. The template itself never sees a key. (CMAC cannot use this: OpenSSL
// refuses to copy a CMAC context before it has a key.)
EVP_MAC_CTX* mac_template(EVP_MAC* alg, std::string_view setting, const OSSL_PARAM* params) {
  struct Entry {
    EVP_MAC* alg;
    std::string setting;
    MacCtx ctx;
  };
  thread_local std::vector<Entry> templates;
  for (const auto& e : templates)
    if (e.alg == alg && e.setting == setting) return e.ctx.get();
  MacCtx ctx(EVP_MAC_CTX_new(alg));
  if (!ctx || !EVP_MAC_CTX_set_params(ctx.get(), params)) return nullptr;
  templates.push_back({alg, std::string(setting), std::move(ctx)});
  return templates.back().ctx.get();
}

// One HMAC context per thread and digest that every one-shot HMAC and prf+
// re-keys in place (EVP_MAC_init with the new key): copying the template and
// freeing the copy per call cost more than the HMAC itself on short inputs.
// Between calls it holds the state of the last key, as the per-SA keyed
// contexts do; nothing calls back into here while a caller holds it.
EVP_MAC_CTX* scratch_hmac(const std::string& digest) {
  struct Entry {
    std::string digest;
    MacCtx ctx;
  };
  thread_local std::vector<Entry> scratch;
  for (const auto& e : scratch)
    if (e.digest == digest) return e.ctx.get();
  std::string name(digest);  // OSSL_PARAM wants a mutable buffer
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name.data(), 0),
                         OSSL_PARAM_construct_end()};
  EVP_MAC* alg = hmac_alg();
  EVP_MAC_CTX* tmpl = alg ? mac_template(alg, digest, params) : nullptr;
  MacCtx ctx(tmpl ? EVP_MAC_CTX_dup(tmpl) : nullptr);
  if (!ctx) return nullptr;
  scratch.push_back({digest, std::move(ctx)});
  return scratch.back().ctx.get();
}

// The MAC of data from a context whose key (and, at its first init, the rest
// of its parameters) is already set.
core::Result<Bytes> finish_mac(EVP_MAC_CTX* ctx, std::string_view what, BytesView data) {
  if (!data.empty() && !EVP_MAC_update(ctx, data.data(), data.size()))
    return crypto_error(std::string(what) + ": MAC update failed");
  Bytes out(EVP_MAC_CTX_get_mac_size(ctx));
  std::size_t n = 0;
  if (!EVP_MAC_final(ctx, out.data(), &n, out.size())) return crypto_error(std::string(what) + ": MAC failed");
  out.resize(n);
  return out;
}

// One AES-128 block encryption under a context keyed with EVP_EncryptInit_ex2.
bool ecb_block(EVP_CIPHER_CTX* ctx, const uint8_t in[16], uint8_t out[16]) {
  int n = 0;
  return EVP_EncryptUpdate(ctx, out, &n, in, 16) && n == 16;
}

CipherCtx ecb_ctx(const uint8_t* key) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || !aes128_ecb() || !EVP_EncryptInit_ex2(ctx.get(), aes128_ecb(), key, nullptr, nullptr)) return nullptr;
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  return ctx;
}

core::Result<MacCtx> keyed(EVP_MAC* alg, std::string_view what, const OSSL_PARAM* params, BytesView key) {
  if (!alg) return crypto_error(std::string(what) + " is not available from the OpenSSL providers");
  MacCtx ctx(EVP_MAC_CTX_new(alg));
  static const uint8_t kEmpty = 0;  // EVP_MAC_init refuses a NULL key pointer
  const uint8_t* k = key.empty() ? &kEmpty : key.data();
  if (!ctx || !EVP_MAC_init(ctx.get(), k, key.size(), params))
    return crypto_error(std::string(what) + ": cannot initialise the MAC");
  return ctx;
}

}  // namespace

void MacCtxFree::operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }

core::Result<MacCtx> keyed_hmac(std::string_view digest, BytesView key) {
  std::string name(digest);
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name.data(), 0),
                         OSSL_PARAM_construct_end()};
  EVP_MAC* alg = hmac_alg();
  if (!alg) return crypto_error("HMAC-" + name + " is not available from the OpenSSL providers");
  // A copy of the per-digest template skips fetching the digest by name again.
  EVP_MAC_CTX* tmpl = mac_template(alg, name, params);
  MacCtx ctx(tmpl ? EVP_MAC_CTX_dup(tmpl) : nullptr);
  static const uint8_t kEmpty = 0;  // EVP_MAC_init refuses a NULL key pointer
  const uint8_t* k = key.empty() ? &kEmpty : key.data();
  if (!ctx || !EVP_MAC_init(ctx.get(), k, key.size(), nullptr))
    return crypto_error("HMAC-" + name + ": cannot initialise the MAC");
  return ctx;
}

core::Result<EVP_MAC_CTX*> thread_hmac(std::string_view digest, BytesView key) {
  std::string name(digest);
  EVP_MAC_CTX* ctx = scratch_hmac(name);
  if (!ctx) return crypto_error("HMAC-" + name + " is not available from the OpenSSL providers");
  if (auto st = rekey_hmac(ctx, name, key); !st) return st.error();
  return ctx;
}

core::Status rekey_hmac(EVP_MAC_CTX* ctx, std::string_view digest, BytesView key) {
  static const uint8_t kEmpty = 0;  // EVP_MAC_init refuses a NULL key pointer
  const uint8_t* k = key.empty() ? &kEmpty : key.data();
  if (!EVP_MAC_init(ctx, k, key.size(), nullptr))
    return crypto_error("HMAC-" + std::string(digest) + ": cannot initialise the MAC");
  return {};
}

core::Result<MacCtx> keyed_cmac(BytesView key) {
  if (key.size() != 16) return crypto_error("AES-CMAC needs a 16-byte key, got " + std::to_string(key.size()));
  char cipher[] = "AES-128-CBC";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                         OSSL_PARAM_construct_end()};
  return keyed(cmac_alg(), "AES-CMAC", params, key);
}

core::Result<Bytes> mac_restart(EVP_MAC_CTX* ctx, std::string_view what, BytesView data) {
  // A NULL key restarts the MAC under the key set before (OpenSSL 3 HMAC and
  // CMAC keep it); the tests compare every message with integ_mac.
  if (!EVP_MAC_init(ctx, nullptr, 0, nullptr)) return crypto_error(std::string(what) + ": cannot restart the MAC");
  return finish_mac(ctx, what, data);
}

core::Result<std::size_t> mac_restart_into(EVP_MAC_CTX* ctx, std::string_view what, BytesView data, uint8_t* out,
                                           std::size_t cap) {
  if (!EVP_MAC_init(ctx, nullptr, 0, nullptr)) return crypto_error(std::string(what) + ": cannot restart the MAC");
  if (!data.empty() && !EVP_MAC_update(ctx, data.data(), data.size()))
    return crypto_error(std::string(what) + ": MAC update failed");
  std::size_t n = 0;
  if (!EVP_MAC_final(ctx, out, &n, cap)) return crypto_error(std::string(what) + ": MAC failed");
  return n;
}

core::Error crypto_error(std::string reason) {
  core::Error e;
  e.where = "crypto";
  unsigned long code = ERR_get_error();
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    reason += " (OpenSSL: ";
    reason += buf;
    reason += ")";
    ERR_clear_error();
  }
  e.reason = std::move(reason);
  return e;
}

core::Result<Bytes> hmac(std::string_view digest, BytesView key, BytesView data) {
  auto ctx = thread_hmac(digest, key);
  if (!ctx) return ctx.error();
  return finish_mac(*ctx, "HMAC-" + std::string(digest), data);
}

core::Result<std::size_t> hmac_into(std::string_view digest, BytesView key, BytesView data, uint8_t* out,
                                    std::size_t cap) {
  auto ctx = thread_hmac(digest, key);
  if (!ctx) return ctx.error();
  // The name is built only for an error: this runs for every prf().
  if (!data.empty() && !EVP_MAC_update(*ctx, data.data(), data.size()))
    return crypto_error("HMAC-" + std::string(digest) + ": MAC update failed");
  std::size_t n = 0;
  if (!EVP_MAC_final(*ctx, out, &n, cap)) return crypto_error("HMAC-" + std::string(digest) + ": MAC failed");
  return n;
}

core::Result<Bytes> aes_cmac(BytesView key, BytesView data) {
  if (key.size() != 16) return crypto_error("AES-CMAC needs a 16-byte key, got " + std::to_string(key.size()));
  char cipher[] = "AES-128-CBC";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                         OSSL_PARAM_construct_end()};
  // OpenSSL cannot copy a CMAC context before it has a key, so each call
  // sets one up from scratch.
  auto ctx = keyed(cmac_alg(), "AES-CMAC", params, key);
  if (!ctx) return ctx.error();
  return finish_mac(ctx->get(), "AES-CMAC", data);
}

core::Result<Bytes> aes_xcbc(BytesView key, BytesView data) {
  if (key.size() != 16) return crypto_error("AES-XCBC-MAC needs a 16-byte key, got " + std::to_string(key.size()));
  // RFC 3566 4: K1 = E(K, 0x01..), K2 = E(K, 0x02..), K3 = E(K, 0x03..).
  std::array<uint8_t, 48> k123{};
  {
    CipherCtx base = ecb_ctx(key.data());
    if (!base) return crypto_error("AES-XCBC-MAC: AES-128-ECB is not available");
    for (int i = 0; i < 3; ++i) {
      std::array<uint8_t, 16> c;
      c.fill(static_cast<uint8_t>(i + 1));
      if (!ecb_block(base.get(), c.data(), k123.data() + 16 * i)) return crypto_error("AES-XCBC-MAC: AES failed");
    }
  }
  CipherCtx k1 = ecb_ctx(k123.data());
  if (!k1) {
    OPENSSL_cleanse(k123.data(), k123.size());
    return crypto_error("AES-XCBC-MAC: AES-128-ECB is not available");
  }
  std::array<uint8_t, 16> e{};  // E[0] = 0
  std::size_t n = data.size();
  // Every block but the last is chained plainly; the last (possibly empty or
  // partial) block is padded with 10* and keyed with K3, or with K2 when it
  // is complete (RFC 3566 4, steps 3 and 4).
  std::size_t full_before_last = n == 0 ? 0 : (n - 1) / 16;
  bool ok = true;
  for (std::size_t b = 0; b < full_before_last && ok; ++b) {
    for (int j = 0; j < 16; ++j) e[j] ^= data[16 * b + j];
    ok = ecb_block(k1.get(), e.data(), e.data());
  }
  std::size_t rest = n - 16 * full_before_last;
  std::array<uint8_t, 16> last{};
  for (std::size_t j = 0; j < rest; ++j) last[j] = data[16 * full_before_last + j];
  const uint8_t* kx = k123.data() + 16;  // K2
  if (rest < 16) {
    last[rest] = 0x80;
    kx = k123.data() + 32;  // K3
  }
  for (int j = 0; j < 16; ++j) e[j] ^= last[j] ^ kx[j];
  ok = ok && ecb_block(k1.get(), e.data(), e.data());
  OPENSSL_cleanse(k123.data(), k123.size());
  if (!ok) return crypto_error("AES-XCBC-MAC: AES failed");
  return Bytes(e.begin(), e.end());
}

}  // namespace ikeh::crypto::detail
