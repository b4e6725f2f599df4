// SPDX-License-Identifier: Apache-2.0
#include "harness/codec/message.h"

#include <gtest/gtest.h>

#include "harness/codec/rules.h"

namespace ikeh::codec {
namespace {

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

Message sample_sa_init() {
  Proposal p;
  p.protocol_id = ProtocolId::IKE;
  p.transforms = {Transform(TransformType::ENCR, 12, 128), Transform(TransformType::PRF, 5),
                  Transform(TransformType::INTEG, 12), Transform(TransformType::DH, 14)};
  SaPayload sa;
  sa.proposals.push_back(p);
  KePayload ke;
  ke.group = DhGroup::MODP_2048;
  ke.data = Bytes(256, 0xab);
  return make_message(ExchangeType::IKE_SA_INIT, flags::kInitiator, 0, 0x1122334455667788ULL, 0,
                      {Payload(PayloadType::SA, sa), Payload(PayloadType::KE, ke), make_nonce(Bytes(32, 0x11)),
                       make_notify(NotifyType::NAT_DETECTION_SOURCE_IP, Bytes(20, 0x22))});
}

// Scapy's "Ikev2 dissection" bytes (tests/contrib/ikev2.uts).
TEST(Message, DecodesScapyDissectionBytes) {
  auto data = bytes_of(std::string(
      "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00! \x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "0\x00\x00\x00\x14\x00\x00\x00\x10\x01\x01\x00\x00\x00\x00\x00\x08\x02\x00\x00\x03",
      48));
  auto m = decode_message(data);
  ASSERT_TRUE(m.ok()) << describe(m.error());
  ASSERT_EQ(m->payloads.size(), 1u);
  const auto* sa = m->payloads[0].as<SaPayload>();
  ASSERT_NE(sa, nullptr);
  ASSERT_EQ(sa->proposals.size(), 1u);
  EXPECT_FALSE(sa->proposals[0].number.has_value());  // 1 is what an encoder computes
  ASSERT_EQ(sa->proposals[0].transforms.size(), 1u);
  EXPECT_EQ(sa->proposals[0].transforms[0].type, TransformType::PRF);
  EXPECT_EQ(sa->proposals[0].transforms[0].id, 3);
  EXPECT_EQ(encode_message(*m), data);
}

TEST(Message, BuiltMessageRoundTripsWithComputedFields) {
  auto m = sample_sa_init();
  auto bytes = encode_message(m);
  ASSERT_EQ(bytes.size(), 28u + 48 + 264 + 36 + 28);
  EXPECT_EQ(bytes[16], 33);  // next payload SA
  EXPECT_EQ(bytes[17], 0x20);
  auto d = decode_message(bytes);
  ASSERT_TRUE(d.ok()) << describe(d.error());
  EXPECT_EQ(d->payload_types(), (std::vector<PayloadType>{PayloadType::SA, PayloadType::KE, PayloadType::NONCE,
                                                          PayloadType::N}));
  EXPECT_EQ(encode_message(*d), bytes);
  EXPECT_TRUE(verify_message(*d).ok());
  EXPECT_EQ(d->raw().size(), bytes.size());
  EXPECT_EQ(d->payloads[1].raw().size(), 264u);
}

TEST(Message, OverridesAreEmittedExactly) {
  auto m = sample_sa_init();
  m.payloads[2].length = 7;
  m.payloads[0].as<SaPayload>()->proposals[0].number = 9;
  m.header.length = 1000;
  auto bytes = encode_message(m);
  EXPECT_EQ(bytes[24], 0);
  EXPECT_EQ(bytes[27], 0xe8);  // 1000 = 0x3e8
  EXPECT_EQ(bytes[26], 0x03);
  EXPECT_EQ(bytes[28 + 4 + 4], 9);  // proposal number
}

TEST(Message, TruncationSweepFailsCleanly) {
  auto bytes = encode_message(sample_sa_init());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto d = decode_message(core::BytesView(bytes.data(), n));
    EXPECT_FALSE(d.ok()) << "prefix " << n;
  }
}

}  // namespace
}  // namespace ikeh::codec

namespace ikeh::codec {
namespace {

TEST(PayloadChain, EncodesAndDecodesABareChainAsCarriedInsideSk) {
  CpPayload cp;
  cp.cfg_type = CfgType::CFG_SET;
  cp.attributes.push_back(CfgAttribute(CfgAttributeType::INTERNAL_IP4_SUBNET,
                                       Bytes{192, 168, 1, 13, 255, 255, 255, 255}));
  std::vector<Payload> chain{Payload(PayloadType::CP, cp), make_notify(NotifyType::SET_WINDOW_SIZE, {0, 0, 0, 5})};
  PayloadType first = PayloadType::NONE;
  Bytes b = encode_payloads(chain, &first);
  EXPECT_EQ(first, PayloadType::CP);
  ASSERT_EQ(b.size(), 4u + 4 + 4 + 8 + 8 + 4u);
  EXPECT_EQ(b[0], static_cast<uint8_t>(PayloadType::N));  // CP's Next Payload names the Notify
  EXPECT_EQ(b[20], 0);                                     // the last one's is 0
  auto d = decode_payloads(PayloadType::CP, b);
  ASSERT_TRUE(d.ok()) << describe(d.error());
  ASSERT_EQ(d->size(), 2u);
  EXPECT_EQ((*d)[0].as<CpPayload>()->attributes[0].value, (Bytes{192, 168, 1, 13, 255, 255, 255, 255}));
  EXPECT_EQ((*d)[1].raw().size(), 12u);
  EXPECT_EQ(encode_payloads(*d), b);
  // Every prefix fails cleanly.
  for (std::size_t n = 0; n < b.size(); ++n)
    EXPECT_FALSE(decode_payloads(PayloadType::CP, BytesView(b.data(), n)).ok()) << n;
}

}  // namespace
}  // namespace ikeh::codec
