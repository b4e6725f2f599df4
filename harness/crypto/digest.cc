// SPDX-License-Identifier: Apache-2.0
#include "harness/crypto/digest.h"

#include <openssl/evp.h>

#include "harness/crypto/ossl_error.h"

namespace ikeh::crypto {

core::Result<core::Bytes> sha1(core::BytesView data) {
  core::Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha1(), nullptr) != 1) {
    core::Error e;
    e.where = "SHA-1";
    e.reason = "EVP_Digest failed: " + detail::ossl_reason();
    return e;
  }
  out.resize(len);
  return out;
}

}  // namespace ikeh::crypto
