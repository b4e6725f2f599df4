// SPDX-License-Identifier: Apache-2.0
// Pseudorandom functions and prf+ (RFC 7296 2.13): HMAC-MD5, HMAC-SHA1,
// HMAC-SHA2-256/384/512 (RFC 4868), AES128-XCBC (RFC 4434), AES128-CMAC
// (RFC 4615), through OpenSSL's EVP_MAC.
#pragma once

#include "harness/crypto/secret.h"
#include "harness/crypto/transforms.h"

namespace ikeh::crypto {

// prf(key, data). Fails only for an unsupported PRF.
core::Result<Secret> prf(PrfId id, BytesView key, BytesView data);

// prf(prf(key, label), data), as AUTH with a shared secret uses it (RFC 7296
// 2.15: prf(prf(Shared Secret, "Key Pad for IKEv2"), <octets>)). Same result
// and errors as the two prf() calls. For the HMAC PRFs each thread keeps the
// inner prf's keyed context for the last (PRF, key, label) it saw, so a
// repeated key costs one MAC; the entry is wiped when replaced.
core::Result<Secret> prf_prf(PrfId id, BytesView key, BytesView label, BytesView data);

// prf+(key, seed) = T1 | T2 | ... truncated to `length` bytes, where
// T1 = prf(K, S | 0x01) and Tn = prf(K, Tn-1 | S | n). Fails when more than
// 255 blocks would be needed (RFC 7296 2.13) or the PRF is unsupported.
core::Result<Secret> prf_plus(PrfId id, BytesView key, BytesView seed, std::size_t length);

}  // namespace ikeh::crypto
