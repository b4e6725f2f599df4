// SPDX-License-Identifier: Apache-2.0
#include "harness/crypto/digest.h"

#include <openssl/evp.h>

#include <memory>

#include "harness/crypto/ossl_error.h"

namespace ikeh::crypto {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

core::Result<core::Bytes> sha1(core::BytesView data) {
  // Fetched once: EVP_sha1() makes EVP_Digest fetch the implementation from
  // the provider on every call (OpenSSL 3), and NAT detection hashes four
  // times per IKE_SA_INIT on each side. The context is kept per thread
  // instead of EVP_Digest's new one per call; it hashes public data only.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  core::Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (!md || !ctx || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1) {
    core::Error e;
    e.where = "SHA-1";
    e.reason = "EVP_Digest failed: " + detail::ossl_reason();
    return e;
  }
  out.resize(len);
  return out;
}

}  // namespace ikeh::crypto
