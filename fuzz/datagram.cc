// SPDX-License-Identifier: Apache-2.0
// A UDP datagram as it arrives on port 500 or 4500 (RFC 3948 2.2): the first
// input octet picks the port (odd: NAT-T, 4500), the rest is the UDP payload.
// IKE datagrams are then decoded and verified.
#include "fuzz/check.h"
#include "net/udp_framing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace ikeh;
  if (size < 1) return 0;
  const bool natt = data[0] & 1;
  codec::BytesView udp(data + 1, size - 1);
  auto d = net::classify_udp(udp, natt);
  (void)net::name_of(d.kind);
  switch (d.kind) {
    case net::DatagramKind::Ike: {
      if (d.ike_offset > udp.size()) fuzz::fail("IKE offset lies beyond the datagram", udp);
      if (natt && (d.ike_offset != 4 || udp[0] | udp[1] | udp[2] | udp[3]))
        fuzz::fail("IKE on the NAT-T port without a non-ESP marker", udp);
      auto ike = udp.subspan(d.ike_offset);
      auto m = codec::decode_message(ike);
      if (!m) {
        fuzz::check_error(m.error(), ike);
        return 0;
      }
      fuzz::expect_same("encode_message(decode_message(b)) != b", ike, codec::encode_message(*m));
      if (auto s = codec::verify_message(*m); !s) fuzz::check_error(s.error(), ike);
      break;
    }
    case net::DatagramKind::Esp:
      if (!natt || udp.size() < 4 || d.esp_spi == 0) fuzz::fail("ESP classification without a non-zero SPI", udp);
      break;
    case net::DatagramKind::NatKeepalive:
      if (!natt || udp.size() != 1 || udp[0] != 0xff) fuzz::fail("keepalive that is not the single octet 0xff", udp);
      break;
    case net::DatagramKind::Malformed:
      if (d.reason.empty()) fuzz::fail("malformed datagram without a reason", udp);
      break;
  }
  return 0;
}
