// SPDX-License-Identifier: Apache-2.0
// What the report printers are given for one UDP datagram on an IKE port.
// Kept free of the capture reader's types: reports depend on core and codec
// only (DESIGN: dependencies point one way).
#pragma once

#include <cstdint>
#include <string>

#include "harness/codec/registry.h"
#include "harness/core/bytes.h"

namespace ikeh::reports {

enum class DatagramKind : uint8_t { Ike, Esp, NatKeepalive, Malformed };

// What became of the SK or SKF payload of an IKE message when keys were
// given. The printers only trace `chain`: decryption happens elsewhere (the
// CLI, through crypto/), so reports stay free of keys.
struct InnerRecord {
  enum class State : uint8_t {
    Decrypted,        // chain holds the inner payloads (a whole reassembled message for SKF)
    FragmentPending,  // an SKF fragment verified and kept; the message is not complete yet
    NoKeys,           // the key table has no row for this IKE SA
    Failed,           // ICV mismatch or a decryption error: nothing decrypted is shown
  };
  State state = State::Decrypted;
  bool icv_verified = false;  // false: "ICV not checked" (the key table gives no integrity algorithm)
  codec::PayloadType first = codec::PayloadType::NONE;
  core::BytesView chain;  // Decrypted: the plaintext inner chain, padding removed
  // SKF (RFC 7383): this fragment's number, the total, how many are held.
  bool fragment = false;
  uint16_t fragment_number = 0;
  uint16_t total_fragments = 0;
  uint16_t fragments_received = 0;
  std::string note;  // NoKeys and Failed: one line for people (never key material)
};

struct DatagramRecord {
  uint64_t frame = 0;  // 1-based frame number in the capture
  double time = 0;     // seconds since the epoch
  std::string src;
  uint16_t sport = 0;
  std::string dst;
  uint16_t dport = 0;
  DatagramKind kind = DatagramKind::Ike;
  bool non_esp_marker = false;  // Ike: the message followed a non-ESP marker
  uint32_t esp_spi = 0;         // Esp only
  std::size_t size = 0;         // UDP payload size
  std::string error;            // Malformed: why the datagram is none of the others
  core::BytesView ike;          // Ike: the IKE message (after any marker)
  const InnerRecord* inner = nullptr;  // Ike with SK/SKF and a key table; null otherwise
};

// "IKE", "ESP", "NAT-keepalive", "malformed" (the JSON "kind" values).
const char* kind_name(DatagramKind k);

}  // namespace ikeh::reports
