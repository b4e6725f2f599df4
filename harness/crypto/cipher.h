// SPDX-License-Identifier: Apache-2.0
// The ciphers and MACs behind SK (OpenSSL EVP only): CBC (AES, 3DES), CTR
// (AES, RFC 5930 counter block = salt | IV | counter), NULL, AEAD (AES-GCM and
// AES-CCM per RFC 5282, ChaCha20-Poly1305 per RFC 7634: nonce = salt | IV),
// and the integrity MACs (HMAC-SHA1/SHA2 truncated, AES-XCBC-96, AES-CMAC-96).
// `key` is SK_e as derived: cipher key followed by its salt bytes.
#pragma once

#include <memory>

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

// One SA direction's cipher, keyed once: the OpenSSL context keeps its key
// schedule and each call only sets the IV / nonce, as an SA uses its SK_e for
// many messages (and as `openssl speed` measures). Each direction's context is
// keyed on the first encrypt/seal or decrypt/open, as an SA direction uses
// only one: an OpenSSL failure to set it up ("cannot initialise the cipher")
// comes from that call. Results are byte for byte those of
// encrypt/decrypt/aead_seal/aead_open with the same key. CCM is re-keyed per
// call: OpenSSL 3.0 takes its tag length and message length per message
// before the key, so a keyed CCM context is not reused. The object owns its
// OpenSSL contexts and a copy of SK_e; destruction frees them (OpenSSL clears
// the key schedule, the copy is wiped). The contexts are made and mutated by
// calls even through const: one object must not be used by two threads at
// once.
class KeyedCipher {
 public:
  // key is SK_e (cipher key | salt). Errors: wrong key size, unsupported cipher.
  static core::Result<KeyedCipher> create(const EncrInfo& encr, BytesView key);
  KeyedCipher(KeyedCipher&&) noexcept;
  KeyedCipher& operator=(KeyedCipher&&) noexcept;
  KeyedCipher(const KeyedCipher&) = delete;
  KeyedCipher& operator=(const KeyedCipher&) = delete;
  ~KeyedCipher();

  const EncrInfo& info() const;
  // As encrypt/decrypt (non-AEAD) and aead_seal/aead_open (AEAD), same errors.
  core::Result<Bytes> encrypt(BytesView iv, BytesView plaintext) const;
  core::Result<Bytes> decrypt(BytesView iv, BytesView ciphertext) const;
  core::Result<Bytes> seal(BytesView iv, BytesView aad, BytesView plaintext) const;
  core::Result<Bytes> open(BytesView iv, BytesView aad, BytesView ciphertext_and_tag) const;

 private:
  struct State;
  explicit KeyedCipher(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

// One SA direction's integrity MAC, keyed once (HMAC and AES-CMAC keep the
// keyed OpenSSL context and restart it per message; AES-XCBC, built here on
// AES-ECB, derives its subkeys per call). Same results and errors as
// integ_mac; the same threading rule as KeyedCipher.
class KeyedMac {
 public:
  static core::Result<KeyedMac> create(const IntegInfo& integ, BytesView key);
  KeyedMac(KeyedMac&&) noexcept;
  KeyedMac& operator=(KeyedMac&&) noexcept;
  KeyedMac(const KeyedMac&) = delete;
  KeyedMac& operator=(const KeyedMac&) = delete;
  ~KeyedMac();

  const IntegInfo& info() const;
  // The checksum of data truncated to info().icv_size.
  core::Result<Bytes> mac(BytesView data) const;

 private:
  struct State;
  explicit KeyedMac(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

// Fills out with cryptographically random bytes (OpenSSL's DRBG).
void random_bytes(uint8_t* out, std::size_t n);

}  // namespace ikeh::crypto
