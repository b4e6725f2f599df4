// SPDX-License-Identifier: Apache-2.0
// The ciphers and MACs behind SK (OpenSSL EVP only): CBC (AES, 3DES), CTR
// (AES, RFC 5930 counter block = salt | IV | counter), NULL, AEAD (AES-GCM and
// AES-CCM per RFC 5282, ChaCha20-Poly1305 per RFC 7634: nonce = salt | IV),
// and the integrity MACs (HMAC-SHA1/SHA2 truncated, AES-XCBC-96, AES-CMAC-96).
// `key` is SK_e as derived: cipher key followed by its salt bytes.
#pragma once

#include "harness/crypto/secret.h"
#include "harness/crypto/transforms.h"

namespace ikeh::crypto {

// Non-AEAD. The plaintext must be a multiple of the block size (the caller
// pads). Errors: wrong key or IV size, unaligned input, unsupported cipher.
core::Result<Bytes> encrypt(const EncrInfo& encr, BytesView key, BytesView iv, BytesView plaintext);
core::Result<Bytes> decrypt(const EncrInfo& encr, BytesView key, BytesView iv, BytesView ciphertext);

// AEAD: returns ciphertext | tag (tag of encr.icv_size bytes).
core::Result<Bytes> aead_seal(const EncrInfo& encr, BytesView key, BytesView iv, BytesView aad, BytesView plaintext);
// Checks the tag before returning any plaintext; a wrong tag is the error
// "ICV mismatch" (notify 0: the caller decides how to report it).
core::Result<Bytes> aead_open(const EncrInfo& encr, BytesView key, BytesView iv, BytesView aad,
                              BytesView ciphertext_and_tag);

// The integrity checksum (truncated to integ.icv_size) of data.
core::Result<Bytes> integ_mac(const IntegInfo& integ, BytesView key, BytesView data);

// Fills out with cryptographically random bytes (OpenSSL's DRBG).
void random_bytes(uint8_t* out, std::size_t n);

}  // namespace ikeh::crypto
