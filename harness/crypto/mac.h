// SPDX-License-Identifier: Apache-2.0
// Internal to harness/crypto: the MAC primitives under prf() and integ_mac(),
// and the error shape every crypto source uses. Not part of the public API.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "harness/core/bytes.h"
#include "harness/core/result.h"

namespace ikeh::crypto::detail {

using core::Bytes;
using core::BytesView;

// core::Error with where = "crypto" and the reason given; when OpenSSL left an
// error on its queue, its text is appended (and the queue cleared).
core::Error crypto_error(std::string reason);

// HMAC (RFC 2104) through EVP_MAC "HMAC" with the named digest ("SHA256", "MD5").
core::Result<Bytes> hmac(std::string_view digest, BytesView key, BytesView data);

// AES-CMAC (RFC 4493) through EVP_MAC "CMAC" over AES-128-CBC; key is 16 bytes.
core::Result<Bytes> aes_cmac(BytesView key, BytesView data);

// AES-XCBC-MAC (RFC 3566 4), full 16-byte output; key is 16 bytes. OpenSSL
// has no XCBC, so this is built here on single-block AES-128-ECB via EVP.
core::Result<Bytes> aes_xcbc(BytesView key, BytesView data);

struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const;
};
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;

// HMAC / AES-CMAC contexts keyed once, for KeyedMac: mac_restart() restarts
// one with the key it already holds (EVP_MAC_init with a NULL key), so the
// key is not set up again per message.
core::Result<MacCtx> keyed_hmac(std::string_view digest, BytesView key);
core::Result<MacCtx> keyed_cmac(BytesView key);

// This thread's HMAC context for the digest, keyed with key: for a caller
// that computes MACs under one key and is done before it calls any other
// function here (prf+). The next thread_hmac() or hmac() on this thread
// re-keys it, so the pointer must not be kept.
core::Result<EVP_MAC_CTX*> thread_hmac(std::string_view digest, BytesView key);

// Sets a new key on an HMAC context whose digest is already set.
core::Status rekey_hmac(EVP_MAC_CTX* ctx, std::string_view digest, BytesView key);
core::Result<Bytes> mac_restart(EVP_MAC_CTX* ctx, std::string_view what, BytesView data);

// mac_restart() writing the MAC into out (cap bytes, at least the MAC size)
// instead of a new buffer; returns the MAC's length.
core::Result<std::size_t> mac_restart_into(EVP_MAC_CTX* ctx, std::string_view what, BytesView data, uint8_t* out,
                                           std::size_t cap);

// HMAC of data under key into out (cap bytes, at least the MAC size), on
// this thread's context as hmac() uses it; returns the MAC's length. Same
// errors as hmac().
core::Result<std::size_t> hmac_into(std::string_view digest, BytesView key, BytesView data, uint8_t* out,
                                    std::size_t cap);

}  // namespace ikeh::crypto::detail
