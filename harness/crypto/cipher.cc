// SPDX-License-Identifier: Apache-2.0
#include "harness/crypto/cipher.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <array>
#include <cstdlib>
#include <memory>

#include "harness/crypto/mac.h"

namespace ikeh::crypto {
namespace {

using detail::crypto_error;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// One EVP_CIPHER_CTX per thread, reused by every call instead of a new one
// each time. The lease resets it when the call ends, on every path: the reset
// frees the provider state with its key schedule (OpenSSL clears it), so no
// key outlives the call.
class CtxLease {
 public:
  CtxLease() {
    thread_local CipherCtx ctx(EVP_CIPHER_CTX_new());
    ctx_ = ctx.get();
  }
  ~CtxLease() {
    if (ctx_) EVP_CIPHER_CTX_reset(ctx_);
  }
  CtxLease(const CtxLease&) = delete;
  CtxLease& operator=(const CtxLease&) = delete;
  EVP_CIPHER_CTX* get() const { return ctx_; }
  explicit operator bool() const { return ctx_ != nullptr; }

 private:
  EVP_CIPHER_CTX* ctx_ = nullptr;
};

// The full IV / nonce handed to OpenSSL, on the stack (at most 4 bytes of
// salt, 8 of IV and 4 of counter, or a 16-byte CBC IV).
struct Nonce {
  std::array<uint8_t, 32> b{};
  std::size_t n = 0;
  Nonce() = default;
  Nonce(const Nonce&) = default;
  Nonce& operator=(const Nonce&) = default;
  ~Nonce() { OPENSSL_cleanse(b.data(), b.size()); }  // the salt is keying material
  const uint8_t* data() const { return b.data(); }
  std::size_t size() const { return n; }
};

// The OpenSSL ciphers used here; cipher_index() gives a transform's position.
constexpr std::array<const char*, 14> kCipherNames = {
    "AES-128-CBC", "AES-192-CBC", "AES-256-CBC", "AES-128-CTR",       "AES-192-CTR",
    "AES-256-CTR", "AES-128-GCM", "AES-192-GCM", "AES-256-GCM",       "AES-128-CCM",
    "AES-192-CCM", "AES-256-CCM", "DES-EDE3-CBC", "ChaCha20-Poly1305"};

// Each OpenSSL cipher is fetched once (explicit fetch, OpenSSL 3). All of them,
// DES-EDE3-CBC included, are in the default provider: nothing here needs the
// legacy provider.
EVP_CIPHER* fetch_cached(std::size_t index) {
  static const std::array<EVP_CIPHER*, kCipherNames.size()> table = [] {
    std::array<EVP_CIPHER*, kCipherNames.size()> t{};
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = EVP_CIPHER_fetch(nullptr, kCipherNames[i], nullptr);
    return t;
  }();
  return table[index];
}

// The index into kCipherNames, or -1 when OpenSSL has no such cipher here
// (NULL, or an AES key size other than 128/192/256 bits).
int cipher_index(const EncrInfo& encr) {
  int aes = encr.key_size == 16 ? 0 : encr.key_size == 24 ? 1 : encr.key_size == 32 ? 2 : -1;
  auto pick = [aes](int base) { return aes < 0 ? -1 : base + aes; };
  switch (encr.mode) {
    case CipherMode::Cbc: return encr.id == EncrId::ENCR_3DES ? 12 : pick(0);
    case CipherMode::Ctr: return pick(3);
    case CipherMode::Gcm: return pick(6);
    case CipherMode::Ccm: return pick(9);
    case CipherMode::ChaCha20Poly1305: return 13;
    case CipherMode::Null: return -1;
  }
  return -1;
}

core::Result<EVP_CIPHER*> cipher_for(const EncrInfo& encr) {
  int i = cipher_index(encr);
  EVP_CIPHER* c = i < 0 ? nullptr : fetch_cached(static_cast<std::size_t>(i));
  if (!c) {
    std::string name = i < 0 ? "?" : kCipherNames[static_cast<std::size_t>(i)];
    return crypto_error(encr.name + ": cipher " + name + " is not available");
  }
  return c;
}

core::Status check_sizes(const EncrInfo& encr, BytesView key, BytesView iv) {
  if (key.size() != encr.keymat_size())
    return crypto_error(encr.name + " needs " + std::to_string(encr.keymat_size()) + " bytes of SK_e (key " +
                        std::to_string(encr.key_size) + " + salt " + std::to_string(encr.salt_size) + "), got " +
                        std::to_string(key.size()));
  if (iv.size() != encr.iv_size)
    return crypto_error(encr.name + " needs an IV of " + std::to_string(encr.iv_size) + " bytes, got " +
                        std::to_string(iv.size()));
  return {};
}

// The full IV / nonce handed to OpenSSL: the salt (the bytes of SK_e after the
// cipher key) followed by the explicit IV, and for CTR the block counter 1
// (RFC 3686 4, RFC 5930 2; RFC 5282 4 for GCM and CCM; RFC 7634 2). CBC uses
// the explicit IV as is (RFC 3602 2.3).
core::Result<Nonce> nonce_for(const EncrInfo& encr, BytesView key, BytesView iv) {
  Nonce n;
  BytesView salt = key.subspan(encr.key_size);
  std::size_t total = salt.size() + iv.size() + (encr.mode == CipherMode::Ctr ? 4 : 0);
  if (total > n.b.size()) return crypto_error(encr.name + ": nonce of " + std::to_string(total) + " bytes is too long");
  std::copy(salt.begin(), salt.end(), n.b.begin());
  std::copy(iv.begin(), iv.end(), n.b.begin() + static_cast<std::ptrdiff_t>(salt.size()));
  n.n = salt.size() + iv.size();
  if (encr.mode == CipherMode::Ctr) {
    n.b[n.n + 3] = 1;
    n.n += 4;
  }
  return n;
}

core::Result<Bytes> crypt(const EncrInfo& encr, BytesView key, BytesView iv, BytesView in, bool enc) {
  if (encr.aead) return crypto_error(encr.name + " is an AEAD cipher: use aead_seal/aead_open");
  if (auto s = check_sizes(encr, key, iv); !s) return s.error();
  if (in.size() % encr.block_size != 0)
    return crypto_error(encr.name + ": " + std::to_string(in.size()) + " bytes are not a multiple of the " +
                        std::to_string(encr.block_size) + "-byte block");
  if (encr.mode == CipherMode::Null) return Bytes(in.begin(), in.end());  // RFC 2410 2
  auto cipher = cipher_for(encr);
  if (!cipher) return cipher.error();
  auto nonce = nonce_for(encr, key, iv);
  if (!nonce) return nonce.error();
  CtxLease ctx;
  if (!ctx || !EVP_CipherInit_ex2(ctx.get(), *cipher, key.data(), nonce->data(), enc ? 1 : 0, nullptr))
    return crypto_error(encr.name + ": cannot initialise the cipher");
  // SK carries its own padding (RFC 7296 3.14), so OpenSSL must add none.
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  Bytes out(in.size() + 16);
  int n1 = 0;
  int n2 = 0;
  if ((!in.empty() && !EVP_CipherUpdate(ctx.get(), out.data(), &n1, in.data(), static_cast<int>(in.size()))) ||
      !EVP_CipherFinal_ex(ctx.get(), out.data() + n1, &n2))
    return crypto_error(encr.name + (enc ? ": encryption failed" : ": decryption failed"));
  out.resize(static_cast<std::size_t>(n1 + n2));
  return out;
}

core::Status check_aead(const EncrInfo& encr, BytesView key, BytesView iv) {
  if (!encr.aead) return crypto_error(encr.name + " is not an AEAD cipher: use encrypt/decrypt with integ_mac");
  return check_sizes(encr, key, iv);
}

// Sets the nonce length and, for CCM, the tag length (which must precede the
// key), then the key and nonce. For CCM the nonce is 11 bytes, which makes
// OpenSSL use L = 15 - 11 = 4 as RFC 4309 4 requires.
bool aead_init(EVP_CIPHER_CTX* ctx, EVP_CIPHER* cipher, const EncrInfo& encr, BytesView key, const Nonce& nonce,
               bool enc, const uint8_t* tag) {
  // GCM and ChaCha20-Poly1305 with their default 12-byte nonce: one call
  // sets cipher, key and nonce.
  if (encr.mode != CipherMode::Ccm && nonce.size() == static_cast<std::size_t>(EVP_CIPHER_get_iv_length(cipher)))
    return EVP_CipherInit_ex2(ctx, cipher, key.data(), nonce.data(), enc ? 1 : 0, nullptr);
  if (!EVP_CipherInit_ex2(ctx, cipher, nullptr, nullptr, enc ? 1 : 0, nullptr)) return false;
  std::size_t ivlen = nonce.size();
  OSSL_PARAM p1[] = {OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &ivlen), OSSL_PARAM_construct_end()};
  if (!EVP_CIPHER_CTX_set_params(ctx, p1)) return false;
  if (encr.mode == CipherMode::Ccm) {
    OSSL_PARAM p2[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, const_cast<uint8_t*>(tag),
                                                         encr.icv_size),
                       OSSL_PARAM_construct_end()};
    if (!EVP_CIPHER_CTX_set_params(ctx, p2)) return false;
  }
  return EVP_CipherInit_ex2(ctx, nullptr, key.data(), nonce.data(), enc ? 1 : 0, nullptr);
}

}  // namespace

core::Result<Bytes> encrypt(const EncrInfo& encr, BytesView key, BytesView iv, BytesView plaintext) {
  return crypt(encr, key, iv, plaintext, true);
}

core::Result<Bytes> decrypt(const EncrInfo& encr, BytesView key, BytesView iv, BytesView ciphertext) {
  return crypt(encr, key, iv, ciphertext, false);
}

core::Result<Bytes> aead_seal(const EncrInfo& encr, BytesView key, BytesView iv, BytesView aad, BytesView plaintext) {
  if (auto s = check_aead(encr, key, iv); !s) return s.error();
  auto cipher = cipher_for(encr);
  if (!cipher) return cipher.error();
  auto nonce = nonce_for(encr, key, iv);
  if (!nonce) return nonce.error();
  CtxLease ctx;
  if (!ctx || !aead_init(ctx.get(), *cipher, encr, key, *nonce, true, nullptr))
    return crypto_error(encr.name + ": cannot initialise the cipher");
  int n = 0;
  // CCM needs the total length before any data (RFC 3610 2.2).
  if (encr.mode == CipherMode::Ccm &&
      !EVP_EncryptUpdate(ctx.get(), nullptr, &n, nullptr, static_cast<int>(plaintext.size())))
    return crypto_error(encr.name + ": cannot set the message length");
  if (!aad.empty() && !EVP_EncryptUpdate(ctx.get(), nullptr, &n, aad.data(), static_cast<int>(aad.size())))
    return crypto_error(encr.name + ": cannot add the associated data");
  Bytes out(plaintext.size() + encr.icv_size);
  int n1 = 0;
  int n2 = 0;
  static const uint8_t kEmpty = 0;
  if (!EVP_EncryptUpdate(ctx.get(), out.data(), &n1, plaintext.empty() ? &kEmpty : plaintext.data(),
                         static_cast<int>(plaintext.size())) ||
      !EVP_EncryptFinal_ex(ctx.get(), out.data() + n1, &n2))
    return crypto_error(encr.name + ": encryption failed");
  std::size_t ct = static_cast<std::size_t>(n1 + n2);
  OSSL_PARAM p[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, out.data() + ct, encr.icv_size),
                    OSSL_PARAM_construct_end()};
  if (!EVP_CIPHER_CTX_get_params(ctx.get(), p)) return crypto_error(encr.name + ": cannot read the tag");
  out.resize(ct + encr.icv_size);
  return out;
}

core::Result<Bytes> aead_open(const EncrInfo& encr, BytesView key, BytesView iv, BytesView aad,
                              BytesView ciphertext_and_tag) {
  if (auto s = check_aead(encr, key, iv); !s) return s.error();
  if (ciphertext_and_tag.size() < encr.icv_size)
    return crypto_error(encr.name + ": " + std::to_string(ciphertext_and_tag.size()) +
                        " bytes are shorter than the " + std::to_string(encr.icv_size) + "-byte ICV");
  auto cipher = cipher_for(encr);
  if (!cipher) return cipher.error();
  BytesView ct = ciphertext_and_tag.first(ciphertext_and_tag.size() - encr.icv_size);
  BytesView tag = ciphertext_and_tag.last(encr.icv_size);
  auto nonce = nonce_for(encr, key, iv);
  if (!nonce) return nonce.error();
  CtxLease ctx;
  if (!ctx || !aead_init(ctx.get(), *cipher, encr, key, *nonce, false, tag.data()))
    return crypto_error(encr.name + ": cannot initialise the cipher");
  int n = 0;
  if (encr.mode == CipherMode::Ccm && !EVP_DecryptUpdate(ctx.get(), nullptr, &n, nullptr, static_cast<int>(ct.size())))
    return crypto_error(encr.name + ": cannot set the message length");
  if (!aad.empty() && !EVP_DecryptUpdate(ctx.get(), nullptr, &n, aad.data(), static_cast<int>(aad.size())))
    return crypto_error(encr.name + ": cannot add the associated data");
  Bytes out(ct.size() + 16);
  int n1 = 0;
  int n2 = 0;
  static const uint8_t kEmpty = 0;
  core::Error mismatch;
  mismatch.where = "crypto";
  mismatch.reason = "ICV mismatch";
  if (!EVP_DecryptUpdate(ctx.get(), out.data(), &n1, ct.empty() ? &kEmpty : ct.data(), static_cast<int>(ct.size()))) {
    // CCM checks its tag inside the last update (RFC 3610 2.5).
    OPENSSL_cleanse(out.data(), out.size());
    ERR_clear_error();
    if (encr.mode == CipherMode::Ccm) return mismatch;
    return crypto_error(encr.name + ": decryption failed");
  }
  if (encr.mode != CipherMode::Ccm) {
    OSSL_PARAM p[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, const_cast<uint8_t*>(tag.data()),
                                                        tag.size()),
                      OSSL_PARAM_construct_end()};
    if (!EVP_CIPHER_CTX_set_params(ctx.get(), p)) return crypto_error(encr.name + ": cannot set the tag");
    if (!EVP_DecryptFinal_ex(ctx.get(), out.data() + n1, &n2)) {
      OPENSSL_cleanse(out.data(), out.size());
      ERR_clear_error();
      return mismatch;
    }
  }
  out.resize(static_cast<std::size_t>(n1 + n2));
  return out;
}

core::Result<Bytes> integ_mac(const IntegInfo& integ, BytesView key, BytesView data) {
  if (key.size() != integ.key_size)
    return crypto_error(integ.name + " needs a key of " + std::to_string(integ.key_size) + " bytes, got " +
                        std::to_string(key.size()));
  core::Result<Bytes> full = Bytes{};
  switch (integ.id) {
    case IntegId::AUTH_HMAC_MD5_96:
    case IntegId::AUTH_HMAC_MD5_128: full = detail::hmac("MD5", key, data); break;
    case IntegId::AUTH_HMAC_SHA1_96:
    case IntegId::AUTH_HMAC_SHA1_160: full = detail::hmac("SHA1", key, data); break;
    case IntegId::AUTH_HMAC_SHA2_256_128: full = detail::hmac("SHA2-256", key, data); break;
    case IntegId::AUTH_HMAC_SHA2_384_192: full = detail::hmac("SHA2-384", key, data); break;
    case IntegId::AUTH_HMAC_SHA2_512_256: full = detail::hmac("SHA2-512", key, data); break;
    case IntegId::AUTH_AES_XCBC_96: full = detail::aes_xcbc(key, data); break;
    case IntegId::AUTH_AES_CMAC_96: full = detail::aes_cmac(key, data); break;
    default: return crypto_error(codec::label(integ.id) + " is not a supported integrity algorithm");
  }
  if (!full) return full.error();
  // The ICV is the leading bytes of the MAC (RFC 2404 2, RFC 4868 2.3, RFC 3566 4, RFC 4494 2).
  if (full->size() < integ.icv_size) return crypto_error(integ.name + ": MAC shorter than the ICV");
  full->resize(integ.icv_size);
  return std::move(full).value();
}

void random_bytes(uint8_t* out, std::size_t n) {
  if (n == 0) return;
  // Failure of the DRBG leaves no safe way on: a harness that sent
  // predictable IVs or nonces would test nothing.
  if (RAND_bytes(out, static_cast<int>(n)) != 1) std::abort();
}

}  // namespace ikeh::crypto
