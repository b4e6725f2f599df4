// SPDX-License-Identifier: Apache-2.0
#include "net/udp_framing.h"

#include <gtest/gtest.h>

namespace ikeh::net {
namespace {

TEST(UdpFraming, Port500IsAlwaysIke) {
  core::Bytes b{0, 0, 0, 0, 1};
  auto d = classify_udp(b, false);
  EXPECT_EQ(d.kind, DatagramKind::Ike);
  EXPECT_EQ(d.ike_offset, 0u);
}

TEST(UdpFraming, NatTDistinguishesMarkerEspAndKeepalive) {
  core::Bytes ike{0, 0, 0, 0, 0x11};
  EXPECT_EQ(classify_udp(ike, true).kind, DatagramKind::Ike);
  EXPECT_EQ(classify_udp(ike, true).ike_offset, 4u);
  core::Bytes esp{0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1};
  auto e = classify_udp(esp, true);
  EXPECT_EQ(e.kind, DatagramKind::Esp);
  EXPECT_EQ(e.esp_spi, 0x12345678u);
  core::Bytes ka{0xff};
  EXPECT_EQ(classify_udp(ka, true).kind, DatagramKind::NatKeepalive);
  core::Bytes shortb{0, 0};
  auto m = classify_udp(shortb, true);
  EXPECT_EQ(m.kind, DatagramKind::Malformed);
  EXPECT_NE(m.reason.find("2-byte"), std::string::npos);
}

}  // namespace
}  // namespace ikeh::net
