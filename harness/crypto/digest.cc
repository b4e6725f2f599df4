// SPDX-License-Identifier: Apache-2.0
#include "harness/crypto/digest.h"

#include <openssl/evp.h>

#include "harness/crypto/ossl_error.h"

namespace ikeh::crypto {

core::Result<core::Bytes> sha1(core::BytesView data) {
  // Fetched once: EVP_sha1() makes EVP_Digest fetch the implementation from
  // the provider on every call (OpenSSL 3), and NAT detection hashes four
  // times per IKE_SA_INIT on each side.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  core::Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (!md || EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) {
    core::Error e;
    e.where = "SHA-1";
    e.reason = "EVP_Digest failed: " + detail::ossl_reason();
    return e;
  }
  out.resize(len);
  return out;
}

}  // namespace ikeh::crypto
