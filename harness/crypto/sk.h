// SPDX-License-Identifier: Apache-2.0
// SK (RFC 7296 3.14) and SKF (RFC 7383 2.5) protection of whole messages.
//
// Sender side: the message to protect is a codec::Message whose last payload
// is an SK (or SKF) payload; the plaintext inner payload chain is given as
// bytes (codec::encode_payloads) and its first type goes into the SK payload's
// Next Payload. Encrypted data = IV | E(inner | padding | pad length) | ICV;
// for ENCR+INTEG the ICV covers the whole message up to the ICV; for AEAD the
// AAD is the message from the IKE header to the end of the SK generic header
// (RFC 5282 5.1), for SKF to the end of Total Fragments (RFC 7383 2.5.3):
// everything before the IV. Nonce = salt | IV. By default the padding is the
// fewest zero bytes that make inner | padding | pad length a multiple of the
// block size (none for CTR and AEAD, whose block size is 1).
//
// Every step can be broken on purpose through ProtectFaults, so scenarios can
// send wrong pad lengths, bad padding, truncated or corrupted ICVs, a chosen
// IV.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "harness/codec/message.h"
#include "harness/crypto/cipher.h"
#include "harness/crypto/kdf.h"

namespace ikeh::crypto {

// The cipher side of one direction: SK_ei/SK_ai for messages whose I flag is
// set (the original initiator's), SK_er/SK_ar otherwise.
struct SkKeys {
  Secret encr;   // SK_e (key | salt)
  Secret integ;  // SK_a (empty for AEAD)
};

// Picks the sending direction's keys by the I flag (RFC 7296 3.1; observed in
// the shared captures: the original responder's messages use SK_er/SK_ar).
SkKeys keys_for(const IkeSaKeys& keys, bool initiator_flag);

// One direction's SK_e and SK_a keyed once (KeyedCipher, KeyedMac), for an SA
// that protects or checks many messages. The protect/unprotect overloads that
// take it give the same bytes and errors as those taking suite and keys; those
// build a context per call. Not for use by two threads at once.
class SkContext {
 public:
  // Errors: key sizes that do not fit the suite, a cipher or MAC OpenSSL lacks.
  static core::Result<SkContext> create(const KeySuite& suite, const SkKeys& keys);

  const KeySuite& suite() const { return suite_; }
  const KeyedCipher& cipher() const { return cipher_; }
  // Null for AEAD suites.
  const KeyedMac* mac() const { return mac_ ? &*mac_ : nullptr; }

 private:
  SkContext(KeySuite suite, KeyedCipher cipher, std::optional<KeyedMac> mac)
      : suite_(std::move(suite)), cipher_(std::move(cipher)), mac_(std::move(mac)) {}
  KeySuite suite_;
  KeyedCipher cipher_;
  std::optional<KeyedMac> mac_;
};

struct ProtectFaults {
  std::optional<Bytes> iv;                // use this IV instead of a random one (IV size of the cipher)
  std::optional<Bytes> padding;           // these padding bytes (any length)
  std::optional<uint8_t> pad_length;      // write this Pad Length value
  bool corrupt_icv = false;               // flip a bit of the computed ICV
  std::optional<std::size_t> icv_length;  // emit only this many ICV bytes
  std::optional<Bytes> icv;               // emit these bytes as the ICV
};

// Protects `inner` (the encoded inner chain, starting with a payload of type
// first_inner) into the last payload of `m` (SK or SKF) and returns the wire
// bytes. Lengths are computed unless overridden in m. Errors: m's last
// payload is not SK/SKF, wrong key sizes.
core::Result<Bytes> protect(const KeySuite& suite, const SkKeys& keys, codec::Message m, codec::PayloadType first_inner,
                            BytesView inner, const ProtectFaults& faults = {});
core::Result<Bytes> protect(const SkContext& ctx, codec::Message m, codec::PayloadType first_inner, BytesView inner,
                            const ProtectFaults& faults = {});

struct Unprotected {
  codec::PayloadType first_inner = codec::PayloadType::NONE;
  Bytes inner;  // decrypted inner chain without padding and pad length
  Bytes iv;
  Bytes padding;
  uint8_t pad_length = 0;
};

// Verifies the ICV (or AEAD tag) over `wire` and decrypts the last payload of
// `m` (decoded from `wire`; IV, ciphertext and ICV are read from `wire` at
// that payload's offset, so every received byte is checked). Nothing is decrypted before the check passes.
// Errors: "ICV mismatch", encrypted data shorter than IV + ICV, a ciphertext
// that is not a whole number of blocks, a pad length beyond the plaintext.
core::Result<Unprotected> unprotect(const KeySuite& suite, const SkKeys& keys, const codec::Message& m, BytesView wire);
core::Result<Unprotected> unprotect(const SkContext& ctx, const codec::Message& m, BytesView wire);

// RFC 7383: splits `inner` into fragments whose datagrams (IKE header
// included) fit `max_datagram` bytes, each protected on its own as SKF
// fragment i of n (first_inner in fragment 1 only). `m` supplies the header
// and any payloads before SKF; its last payload, when SK or SKF, is replaced
// per fragment (otherwise the SKF is appended).
core::Result<std::vector<Bytes>> protect_fragments(const KeySuite& suite, const SkKeys& keys, codec::Message m,
                                                   codec::PayloadType first_inner, BytesView inner,
                                                   std::size_t max_datagram);
// `iv_source`, when given, fills each fragment's IV (a seeded engine draws
// them from its own random source so fragmented runs repeat byte for byte).
using IvSource = std::function<void(uint8_t* out, std::size_t n)>;
core::Result<std::vector<Bytes>> protect_fragments(const SkContext& ctx, codec::Message m,
                                                   codec::PayloadType first_inner, BytesView inner,
                                                   std::size_t max_datagram, const IvSource& iv_source = {});

// Collects the verified, decrypted fragments of one message (keyed by
// Message ID by the caller). Fragments may arrive in any order; a duplicate
// is ignored; a fragment whose Total Fragments disagrees with the first seen,
// a number of 0 or above the total, is rejected with an error.
class FragmentReassembler {
 public:
  enum class State : uint8_t { Incomplete, Complete, Duplicate };
  core::Result<State> add(uint16_t number, uint16_t total, codec::PayloadType first_inner, Bytes plaintext);
  // The whole inner chain once Complete, with the first fragment's type.
  codec::PayloadType first_inner() const { return first_inner_; }
  Bytes assembled() const;

 private:
  uint16_t total_ = 0;
  codec::PayloadType first_inner_ = codec::PayloadType::NONE;
  std::map<uint16_t, Bytes> parts_;
};

}  // namespace ikeh::crypto
