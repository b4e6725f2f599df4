// SPDX-License-Identifier: Apache-2.0
// What a UDP datagram on the IKE ports carries (RFC 7296 2.23, RFC 3948 2.2):
// on port 500 an IKE message; on port 4500 a non-ESP marker (four zero
// octets) followed by an IKE message, an ESP packet (a non-zero SPI), or a
// one-octet NAT-keepalive (0xFF).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/core/bytes.h"

namespace ikeh::net {

inline constexpr uint16_t kIkePort = 500;
inline constexpr uint16_t kNatTPort = 4500;

enum class DatagramKind : uint8_t {
  Ike,           // IKE message at ike_offset
  Esp,           // ESP in UDP; esp_spi is its SPI
  NatKeepalive,  // the single octet 0xFF
  Malformed,     // too short to be any of the above; reason says why
};

struct Datagram {
  DatagramKind kind = DatagramKind::Malformed;
  std::size_t ike_offset = 0;  // 0 on port 500, 4 after a non-ESP marker
  uint32_t esp_spi = 0;
  std::string reason;
};

// Classifies the payload of a UDP datagram between the given ports. `natt` is
// true when either port is the NAT-T port (4500 unless configured otherwise).
Datagram classify_udp(core::BytesView payload, bool natt);

// True when either port is one of the IKE ports.
inline bool is_ike_port(uint16_t port, uint16_t ike_port = kIkePort, uint16_t natt_port = kNatTPort) {
  return port == ike_port || port == natt_port;
}

std::string_view name_of(DatagramKind k);

}  // namespace ikeh::net
