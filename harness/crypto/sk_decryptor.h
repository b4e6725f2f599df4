// SPDX-License-Identifier: Apache-2.0
// Opens the SK and SKF payloads of captured IKE messages with the keys of a
// Wireshark key table, for `ikeharness decode --keys` and for the scenario
// runner's transcript of an external peer. Keys are chosen by the SPI pair,
// then SK_ei/SK_ai or SK_er/SK_ar by the message's I flag (RFC 7296 3.1: the
// sender's original role, not request/response). The ICV or AEAD tag is
// checked before anything is decrypted (crypto::unprotect), CCM included.
// A row whose integrity is "ANY n-bits ... [No Checking]" gives no algorithm:
// such messages are decrypted with the n-bit ICV skipped and say so.
#pragma once

#include <map>
#include <set>
#include <tuple>

#include "harness/codec/message.h"
#include "harness/crypto/key_table.h"
#include "harness/crypto/sk.h"

namespace ikeh::crypto {

struct OpenedSk {
  enum class State : uint8_t { Decrypted, FragmentPending, NoKeys, Failed };
  State state = State::Decrypted;
  bool icv_verified = false;
  bool first_without_keys = false;  // NoKeys: the first message of this IKE SA seen without keys
  codec::PayloadType first = codec::PayloadType::NONE;
  core::Bytes inner;     // Decrypted: the inner chain (reassembled for SKF)
  bool fragment = false;
  uint16_t fragment_number = 0, total_fragments = 0, fragments_received = 0;
  std::string error;     // Failed: "ICV mismatch" or the decryption error, one line
};

class SkDecryptor {
 public:
  explicit SkDecryptor(crypto::KeyTable table) : table_(std::move(table)) {}

  // The message's last payload must be SK or SKF (callers check). `wire` is
  // the exact message `m` was decoded from. Never throws.
  OpenedSk open(const codec::Message& m, core::BytesView wire);

 private:
  // Reassembly is per message: SPIs, Message ID, and the R and I flags (a
  // request and its response share the Message ID).
  using MessageKey = std::tuple<uint64_t, uint64_t, uint32_t, uint8_t>;

  crypto::KeyTable table_;
  std::set<std::pair<uint64_t, uint64_t>> warned_;
  std::map<MessageKey, crypto::FragmentReassembler> fragments_;
  std::map<MessageKey, uint16_t> received_;
};

}  // namespace ikeh::crypto
