// SPDX-License-Identifier: Apache-2.0
#include "harness/crypto/ossl_error.h"

#include <openssl/err.h>

namespace ikeh::crypto::detail {

std::string ossl_reason() {
  unsigned long e = ERR_peek_last_error();
  std::string r;
  if (e) {
    const char* s = ERR_reason_error_string(e);
    if (s) {
      r = s;
    } else {
      r = "error ";  // appended, not operator+: GCC 12 warns falsely (-Wrestrict)
      r.append(std::to_string(e));
    }
  }
  ERR_clear_error();
  return r.empty() ? "unknown OpenSSL error" : r;
}

}  // namespace ikeh::crypto::detail
