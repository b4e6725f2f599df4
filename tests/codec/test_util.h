// SPDX-License-Identifier: Apache-2.0
// Small helpers shared by the codec tests.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "harness/codec/message.h"
#include "harness/codec/ke_payload.h"
#include "harness/codec/sa_payload.h"
#include "harness/codec/payload.h"
#include "harness/core/bytes.h"

namespace ikeh::codec::test {

// Hex from a literal written in the test (spaces allowed); a typo fails the
// test instead of silently producing other bytes.
inline Bytes hex(std::string_view text) {
  auto b = core::from_hex(text);
  EXPECT_TRUE(b.has_value()) << "bad hex in test: " << text;
  return b.value_or(Bytes{});
}

inline Bytes concat(std::initializer_list<BytesView> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// The IKE message inside an Ethernet/IPv4/UDP frame (or an IPv4/UDP packet
// when `ethernet` is false). On UDP port 4500 the 4-byte non-ESP marker
// (RFC 3948 2.2) is checked and removed. nullopt when the frame is not that.
inline std::optional<Bytes> ike_of_frame(BytesView frame, bool ethernet = true) {
  std::size_t ip = 0;
  if (ethernet) {
    if (frame.size() < 14 || frame[12] != 0x08 || frame[13] != 0x00) return std::nullopt;
    ip = 14;
  }
  if (frame.size() < ip + 20 || (frame[ip] >> 4) != 4 || frame[ip + 9] != 17) return std::nullopt;
  std::size_t udp = ip + (frame[ip] & 0x0f) * 4u;
  if (frame.size() < udp + 8) return std::nullopt;
  unsigned sport = frame[udp] << 8 | frame[udp + 1];
  unsigned dport = frame[udp + 2] << 8 | frame[udp + 3];
  std::size_t ike = udp + 8;
  if (sport == 4500 || dport == 4500) {
    if (frame.size() < ike + 4 || frame[ike] || frame[ike + 1] || frame[ike + 2] || frame[ike + 3])
      return std::nullopt;
    ike += 4;
  }
  return Bytes(frame.begin() + ike, frame.end());
}

inline std::string shared_dir() { return IKEH_SHARED_DIR; }

// IKE_SA_INIT request: SA (two proposals), KE, Ni. The SA starts at 28; its
// first proposal at 32 (ESP with a 4-byte SPI, two transforms: ENCR with
// KEY_LENGTH at 44, INTEG at 56), the second at 64 (IKE, one transform).
// KE starts at 80, Ni at 120; 156 bytes in all.
inline Message sa_init(bool response = false) {
  Proposal p1;
  p1.protocol_id = ProtocolId::ESP;
  p1.spi = hex("a1a2a3a4");
  p1.transforms = {Transform(TransformType::ENCR, 12, 256), Transform(TransformType::INTEG, 12)};
  Proposal p2;
  p2.transforms = {Transform(TransformType::DH, 31)};
  SaPayload sa;
  sa.proposals = {p1, p2};
  KePayload ke{DhGroup::CURVE25519, 0, Bytes(32, 0x42)};
  return make_message(ExchangeType::IKE_SA_INIT, response ? flags::kResponse : flags::kInitiator, 0, 0x0102030405060708,
                      response ? 0x1112131415161718 : 0,
                      {Payload(PayloadType::SA, sa), Payload(PayloadType::KE, ke), make_nonce(Bytes(32, 0x24))});
}

}  // namespace ikeh::codec::test
