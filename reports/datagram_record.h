// SPDX-License-Identifier: Apache-2.0
// What the report printers are given for one UDP datagram on an IKE port.
// Kept free of the capture reader's types: reports depend on core and codec
// only (DESIGN: dependencies point one way).
#pragma once

#include <cstdint>
#include <string>

#include "harness/core/bytes.h"

namespace ikeh::reports {

enum class DatagramKind : uint8_t { Ike, Esp, NatKeepalive, Malformed };

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
};

// "IKE", "ESP", "NAT-keepalive", "malformed" (the JSON "kind" values).
const char* kind_name(DatagramKind k);

}  // namespace ikeh::reports
