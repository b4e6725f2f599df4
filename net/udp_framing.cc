// SPDX-License-Identifier: Apache-2.0
#include "net/udp_framing.h"

namespace ikeh::net {

Datagram classify_udp(core::BytesView payload, bool natt) {
  Datagram d;
  if (!natt) {
    d.kind = DatagramKind::Ike;
    return d;
  }
  if (payload.size() == 1 && payload[0] == 0xff) {
    d.kind = DatagramKind::NatKeepalive;
    return d;
  }
  if (payload.size() < 4) {
    d.reason = std::to_string(payload.size()) + "-byte datagram on the NAT-T port is neither a keepalive, "
               "a non-ESP marker nor an ESP header";
    return d;
  }
  uint32_t spi = uint32_t{payload[0]} << 24 | uint32_t{payload[1]} << 16 | uint32_t{payload[2]} << 8 | payload[3];
  if (spi == 0) {
    d.kind = DatagramKind::Ike;
    d.ike_offset = 4;
    return d;
  }
  d.kind = DatagramKind::Esp;
  d.esp_spi = spi;
  return d;
}

std::string_view name_of(DatagramKind k) {
  switch (k) {
    case DatagramKind::Ike: return "IKE";
    case DatagramKind::Esp: return "ESP";
    case DatagramKind::NatKeepalive: return "NAT-keepalive";
    case DatagramKind::Malformed: return "malformed";
  }
  return "?";
}

}  // namespace ikeh::net
