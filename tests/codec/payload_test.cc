// SPDX-License-Identifier: Apache-2.0
// Every payload body against bytes written from the RFC 7296 section 3
// diagrams: decode (every field), build-then-encode, round trip, and a
// truncation sweep over every prefix of the body and of a whole message.
#include <gtest/gtest.h>

#include <functional>

#include "harness/codec/message.h"
#include "harness/codec/rules.h"
#include "tests/codec/test_util.h"

namespace ikeh::codec {
namespace {

using test::hex;

struct BodyCase {
  const char* name;
  PayloadType type;
  const char* body_hex;
  std::function<PayloadBody()> build;              // the same body built in code
  std::function<void(const PayloadBody&)> check;   // every field of the decoded body
  // Prefixes of the body that are themselves valid bodies: every prefix of at
  // least opaque_from bytes (the tail is opaque data) and those listed.
  std::size_t opaque_from;
  std::vector<std::size_t> also_valid;
};

template <class T>
const T& as(const PayloadBody& b) {
  static const T empty{};
  auto* p = std::get_if<T>(&b);
  EXPECT_NE(p, nullptr) << "wrong body type";
  return p ? *p : empty;
}

std::vector<BodyCase> cases() {
  std::vector<BodyCase> v;

  // 3.3: proposal 1 (IKE, no SPI) with ENCR/KEY_LENGTH (TV attribute), PRF
  // and a DH transform carrying a TLV attribute of type 99; proposal 2 (ESP,
  // 4-byte SPI) with one transform.
  v.push_back({"SA", PayloadType::SA,
               "0200002c01010003"
               "0300000c0100000c800e0080"
               "0300000802000005"
               "000000100400000e00630004deadbeef"
               "0000001402030401" "11223344" "0000000801000014",
               [] {
                 Transform dh(TransformType::DH, 14);
                 dh.attributes.push_back(TransformAttribute{false, 99, 0, std::nullopt, hex("deadbeef")});
                 Proposal p1;
                 p1.transforms = {Transform(TransformType::ENCR, 12, 128), Transform(TransformType::PRF, 5), dh};
                 Proposal p2;
                 p2.protocol_id = ProtocolId::ESP;
                 p2.spi = hex("11223344");
                 p2.transforms = {Transform(TransformType::ENCR, 20)};
                 return PayloadBody(SaPayload{{p1, p2}});
               },
               [](const PayloadBody& b) {
                 const auto& sa = as<SaPayload>(b);
                 ASSERT_EQ(sa.proposals.size(), 2u);
                 const auto& p1 = sa.proposals[0];
                 EXPECT_EQ(p1.protocol_id, ProtocolId::IKE);
                 EXPECT_TRUE(p1.spi.empty());
                 EXPECT_FALSE(p1.number || p1.last_substruc || p1.length || p1.spi_size || p1.num_transforms);
                 ASSERT_EQ(p1.transforms.size(), 3u);
                 EXPECT_EQ(p1.transforms[0].type, TransformType::ENCR);
                 EXPECT_EQ(p1.transforms[0].id, 12);
                 ASSERT_EQ(p1.transforms[0].attributes.size(), 1u);
                 EXPECT_TRUE(p1.transforms[0].attributes[0].tv);
                 EXPECT_EQ(p1.transforms[0].attributes[0].attribute_type(), TransformAttributeType::KEY_LENGTH);
                 EXPECT_EQ(p1.transforms[0].key_length(), 128);
                 EXPECT_EQ(p1.transforms[1].type, TransformType::PRF);
                 EXPECT_EQ(p1.transforms[1].id, 5);
                 EXPECT_TRUE(p1.transforms[1].attributes.empty());
                 const auto& tlv = p1.transforms[2].attributes.at(0);
                 EXPECT_FALSE(tlv.tv);
                 EXPECT_EQ(tlv.type, 99);
                 EXPECT_EQ(tlv.data, hex("deadbeef"));
                 EXPECT_FALSE(tlv.length.has_value());
                 EXPECT_FALSE(p1.transforms[2].key_length().has_value());
                 const auto& p2 = sa.proposals[1];
                 EXPECT_EQ(p2.protocol_id, ProtocolId::ESP);
                 EXPECT_EQ(p2.spi, hex("11223344"));
                 EXPECT_FALSE(p2.number.has_value());  // 2: computed
                 ASSERT_EQ(p2.transforms.size(), 1u);
                 EXPECT_EQ(p2.transforms[0].id, 20);
               },
               64, {0, 44}});

  // 3.4: group 19, RESERVED 0, data.
  v.push_back({"KE", PayloadType::KE, "00130000aabbccdd",
               [] { return PayloadBody(KePayload{DhGroup::ECP_256, 0, hex("aabbccdd")}); },
               [](const PayloadBody& b) {
                 const auto& ke = as<KePayload>(b);
                 EXPECT_EQ(ke.group, DhGroup::ECP_256);
                 EXPECT_EQ(ke.reserved, 0);
                 EXPECT_EQ(ke.data, hex("aabbccdd"));
               },
               4, {}});

  // 3.5: ID_IPV4_ADDR 192.168.0.1.
  v.push_back({"ID", PayloadType::IDi, "01000000c0a80001",
               [] { return PayloadBody(IdPayload{IdType::ID_IPV4_ADDR, 0, hex("c0a80001")}); },
               [](const PayloadBody& b) {
                 const auto& id = as<IdPayload>(b);
                 EXPECT_EQ(id.id_type, IdType::ID_IPV4_ADDR);
                 EXPECT_EQ(id.reserved, 0u);
                 EXPECT_EQ(id.data, hex("c0a80001"));
               },
               4, {}});

  // 3.6: X.509 signature, DER bytes.
  v.push_back({"CERT", PayloadType::CERT, "04308201",
               [] { return PayloadBody(CertPayload{CertEncoding::X509_SIGNATURE, hex("308201")}); },
               [](const PayloadBody& b) {
                 EXPECT_EQ(as<CertPayload>(b).encoding, CertEncoding::X509_SIGNATURE);
                 EXPECT_EQ(as<CertPayload>(b).data, hex("308201"));
               },
               1, {}});

  // 3.7: X.509 signature, one 20-byte SHA-1 hash of a CA key.
  v.push_back({"CERTREQ", PayloadType::CERTREQ, "04" "0102030405060708090a0b0c0d0e0f1011121314",
               [] {
                 return PayloadBody(
                     CertReqPayload{CertEncoding::X509_SIGNATURE, hex("0102030405060708090a0b0c0d0e0f1011121314")});
               },
               [](const PayloadBody& b) {
                 EXPECT_EQ(as<CertReqPayload>(b).encoding, CertEncoding::X509_SIGNATURE);
                 EXPECT_EQ(as<CertReqPayload>(b).data.size(), 20u);
               },
               1, {}});

  // 3.8: shared key MIC.
  v.push_back({"AUTH", PayloadType::AUTH, "02000000a1a2a3a4",
               [] { return PayloadBody(AuthPayload{AuthMethod::SHARED_KEY_MIC, 0, hex("a1a2a3a4")}); },
               [](const PayloadBody& b) {
                 EXPECT_EQ(as<AuthPayload>(b).method, AuthMethod::SHARED_KEY_MIC);
                 EXPECT_EQ(as<AuthPayload>(b).reserved, 0u);
                 EXPECT_EQ(as<AuthPayload>(b).data, hex("a1a2a3a4"));
               },
               4, {}});

  // 3.9: 16 bytes.
  v.push_back({"NONCE", PayloadType::NONCE, "000102030405060708090a0b0c0d0e0f",
               [] { return PayloadBody(NoncePayload{hex("000102030405060708090a0b0c0d0e0f")}); },
               [](const PayloadBody& b) { EXPECT_EQ(as<NoncePayload>(b).data.size(), 16u); }, 0, {}});

  // 3.10: REKEY_SA for ESP SPI 5fc7ff5a, then one data byte.
  v.push_back({"N", PayloadType::N, "030440095fc7ff5a07",
               [] {
                 NotifyPayload n(NotifyType::REKEY_SA, hex("07"));
                 n.protocol_id = ProtocolId::ESP;
                 n.spi = hex("5fc7ff5a");
                 return PayloadBody(n);
               },
               [](const PayloadBody& b) {
                 const auto& n = as<NotifyPayload>(b);
                 EXPECT_EQ(n.protocol_id, ProtocolId::ESP);
                 EXPECT_FALSE(n.spi_size.has_value());
                 EXPECT_EQ(n.type, NotifyType::REKEY_SA);
                 EXPECT_EQ(n.spi, hex("5fc7ff5a"));
                 EXPECT_EQ(n.data, hex("07"));
               },
               8, {}});

  // 3.11: two ESP SPIs.
  v.push_back({"D", PayloadType::D, "030400021111111122222222",
               [] {
                 DeletePayload d;
                 d.protocol_id = ProtocolId::ESP;
                 d.spis = {hex("11111111"), hex("22222222")};
                 return PayloadBody(d);
               },
               [](const PayloadBody& b) {
                 const auto& d = as<DeletePayload>(b);
                 EXPECT_EQ(d.protocol_id, ProtocolId::ESP);
                 EXPECT_FALSE(d.spi_size || d.num_spis);
                 ASSERT_EQ(d.spis.size(), 2u);
                 EXPECT_EQ(d.spis[1], hex("22222222"));
               },
               12, {}});

  // 3.12.
  v.push_back({"V", PayloadType::V, "882fe56d6fd20dbc2275a5a18e7f4f4e",
               [] { return PayloadBody(VendorIdPayload{hex("882fe56d6fd20dbc2275a5a18e7f4f4e")}); },
               [](const PayloadBody& b) { EXPECT_EQ(known_vendor_id(as<VendorIdPayload>(b).data), "strongSwan"); },
               0, {}});

  // 3.13: TCP (6) 192.168.0.0-192.168.0.255 all ports; UDP (17) port 500
  // 2001:db8::1-2001:db8::2.
  v.push_back({"TS", PayloadType::TSi,
               "02000000"
               "070600100000ffffc0a80000c0a800ff"
               "0811002801f401f4" "20010db8000000000000000000000001" "20010db8000000000000000000000002",
               [] {
                 TrafficSelector a;
                 a.ip_protocol_id = 6;
                 a.start_address = hex("c0a80000");
                 a.end_address = hex("c0a800ff");
                 TrafficSelector b;
                 b.ts_type = TsType::TS_IPV6_ADDR_RANGE;
                 b.ip_protocol_id = 17;
                 b.start_port = b.end_port = 500;
                 b.start_address = hex("20010db8000000000000000000000001");
                 b.end_address = hex("20010db8000000000000000000000002");
                 TsPayload ts;
                 ts.selectors = {a, b};
                 return PayloadBody(ts);
               },
               [](const PayloadBody& b) {
                 const auto& ts = as<TsPayload>(b);
                 EXPECT_FALSE(ts.num_ts.has_value());
                 EXPECT_EQ(ts.reserved, 0u);
                 ASSERT_EQ(ts.selectors.size(), 2u);
                 EXPECT_EQ(ts.selectors[0].ts_type, TsType::TS_IPV4_ADDR_RANGE);
                 EXPECT_EQ(ts.selectors[0].ip_protocol_id, 6);
                 EXPECT_EQ(ts.selectors[0].start_port, 0);
                 EXPECT_EQ(ts.selectors[0].end_port, 65535);
                 EXPECT_EQ(ts.selectors[0].end_address, hex("c0a800ff"));
                 EXPECT_EQ(ts.selectors[1].ts_type, TsType::TS_IPV6_ADDR_RANGE);
                 EXPECT_EQ(ts.selectors[1].ip_protocol_id, 17);
                 EXPECT_EQ(ts.selectors[1].start_port, 500);
                 EXPECT_EQ(ts.selectors[1].end_port, 500);
                 EXPECT_EQ(ts.selectors[1].start_address, hex("20010db8000000000000000000000001"));
                 EXPECT_FALSE(ts.selectors[1].length.has_value());
               },
               60, {4, 20}});

  // 3.14: IV | ciphertext | ICV, opaque.
  v.push_back({"SK", PayloadType::SK, "00112233445566778899aabbccddeeff",
               [] { return PayloadBody(SkPayload{PayloadType::NONE, hex("00112233445566778899aabbccddeeff")}); },
               [](const PayloadBody& b) { EXPECT_EQ(as<SkPayload>(b).data.size(), 16u); }, 0, {}});

  // RFC 7383 2.5: fragment 2 of 3.
  v.push_back({"SKF", PayloadType::SKF, "000200030102030405060708",
               [] { return PayloadBody(SkfPayload{PayloadType::NONE, 2, 3, hex("0102030405060708")}); },
               [](const PayloadBody& b) {
                 EXPECT_EQ(as<SkfPayload>(b).fragment_number, 2);
                 EXPECT_EQ(as<SkfPayload>(b).total_fragments, 3);
                 EXPECT_EQ(as<SkfPayload>(b).data, hex("0102030405060708"));
               },
               4, {}});

  // 3.15: CFG_REQUEST for an address (empty), private type 28672 (empty) and
  // an INTERNAL_IP4_SUBNET with address and mask.
  v.push_back({"CP", PayloadType::CP, "01000000" "00010000" "70000000" "000d0008c0a80000ffffff00",
               [] {
                 CpPayload cp;
                 cp.attributes = {CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS),
                                  CfgAttribute(static_cast<CfgAttributeType>(28672)),
                                  CfgAttribute(CfgAttributeType::INTERNAL_IP4_SUBNET, hex("c0a80000ffffff00"))};
                 return PayloadBody(cp);
               },
               [](const PayloadBody& b) {
                 const auto& cp = as<CpPayload>(b);
                 EXPECT_EQ(cp.cfg_type, CfgType::CFG_REQUEST);
                 EXPECT_EQ(cp.reserved, 0u);
                 ASSERT_EQ(cp.attributes.size(), 3u);
                 EXPECT_EQ(cp.attributes[0].type, CfgAttributeType::INTERNAL_IP4_ADDRESS);
                 EXPECT_TRUE(cp.attributes[0].value.empty());
                 EXPECT_EQ(static_cast<uint16_t>(cp.attributes[1].type), 28672);
                 EXPECT_EQ(cp.attributes[2].type, CfgAttributeType::INTERNAL_IP4_SUBNET);
                 EXPECT_EQ(cp.attributes[2].value, hex("c0a80000ffffff00"));
                 for (const auto& a : cp.attributes) EXPECT_FALSE(a.r_bit || a.length);
               },
               24, {4, 8, 12}});

  // 3.16: EAP Request/Identity (RFC 3748), opaque.
  v.push_back({"EAP", PayloadType::EAP, "0102000501",
               [] { return PayloadBody(EapPayload{hex("0102000501")}); },
               [](const PayloadBody& b) { EXPECT_EQ(as<EapPayload>(b).message, hex("0102000501")); }, 0, {}});

  // A type this codec has no body for: kept raw.
  v.push_back({"unknown", static_cast<PayloadType>(200), "cafe0001",
               [] { return PayloadBody(UnknownPayload{hex("cafe0001")}); },
               [](const PayloadBody& b) { EXPECT_EQ(as<UnknownPayload>(b).data, hex("cafe0001")); }, 0, {}});
  return v;
}

class PayloadBodies : public ::testing::TestWithParam<BodyCase> {};

TEST_P(PayloadBodies, KnownBytesDecodeToEveryField) {
  const auto& c = GetParam();
  auto body = decode_body(c.type, hex(c.body_hex));
  ASSERT_TRUE(body.ok()) << describe(body.error());
  c.check(*body);
}

TEST_P(PayloadBodies, BuiltBodyEncodesToKnownBytes) {
  const auto& c = GetParam();
  EXPECT_EQ(core::to_hex(encode_body(c.build())), core::to_hex(hex(c.body_hex)));
}

TEST_P(PayloadBodies, RoundTrip) {
  const auto& c = GetParam();
  Bytes bytes = hex(c.body_hex);
  auto body = decode_body(c.type, bytes);
  ASSERT_TRUE(body.ok()) << describe(body.error());
  EXPECT_EQ(encode_body(*body), bytes);
  // The built body, decoded, has the same fields.
  auto again = decode_body(c.type, encode_body(c.build()));
  ASSERT_TRUE(again.ok()) << describe(again.error());
  c.check(*again);
}

TEST_P(PayloadBodies, InsideAMessageRoundTrips) {
  const auto& c = GetParam();
  auto m = make_message(ExchangeType::INFORMATIONAL, flags::kInitiator, 7, 1, 2,
                        {Payload(c.type, c.build()), make_notify(NotifyType::INITIAL_CONTACT)});
  if (c.type == PayloadType::SK || c.type == PayloadType::SKF) m.payloads.pop_back();  // SK is last
  Bytes bytes = encode_message(m);
  EXPECT_EQ(bytes[16], static_cast<uint8_t>(c.type));
  auto d = decode_message(bytes);
  ASSERT_TRUE(d.ok()) << describe(d.error());
  ASSERT_EQ(d->payloads.size(), m.payloads.size());
  EXPECT_EQ(d->payloads[0].type, c.type);
  c.check(d->payloads[0].body);
  EXPECT_EQ(encode_message(*d), bytes);
  EXPECT_EQ(d->payloads[0].raw().size(), 4 + hex(c.body_hex).size());
}

TEST_P(PayloadBodies, BodyPrefixesFailCleanlyOrStayLossless) {
  const auto& c = GetParam();
  Bytes bytes = hex(c.body_hex);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    BytesView prefix(bytes.data(), n);
    auto body = decode_body(c.type, prefix);
    bool valid = n >= c.opaque_from ||
                 std::find(c.also_valid.begin(), c.also_valid.end(), n) != c.also_valid.end();
    EXPECT_EQ(body.ok(), valid) << c.name << " prefix " << n;
    if (body.ok()) {
      EXPECT_EQ(encode_body(*body), Bytes(prefix.begin(), prefix.end())) << c.name << " prefix " << n;
    } else {
      EXPECT_EQ(body.error().notify, static_cast<uint16_t>(NotifyType::INVALID_SYNTAX));
      EXPECT_FALSE(body.error().field.empty());
      EXPECT_LE(body.error().offset, n);
      EXPECT_FALSE(body.error().reason.empty());
    }
  }
}

TEST_P(PayloadBodies, MessagePrefixesFailCleanly) {
  const auto& c = GetParam();
  auto m = make_message(ExchangeType::INFORMATIONAL, 0, 1, 1, 2, {Payload(c.type, c.build())});
  Bytes bytes = encode_message(m);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    // As received: the header still claims the full length.
    auto cut = decode_message(BytesView(bytes.data(), n));
    EXPECT_FALSE(cut.ok()) << c.name << " prefix " << n;
    // With the header length fixed up, the failure has to come from inside.
    if (n < kHeaderSize) continue;
    Bytes fixed(bytes.begin(), bytes.begin() + n);
    fixed[26] = static_cast<uint8_t>(n >> 8);
    fixed[27] = static_cast<uint8_t>(n);
    auto inner = decode_message(fixed);
    ASSERT_FALSE(inner.ok()) << c.name << " prefix " << n;
    EXPECT_EQ(inner.error().notify, static_cast<uint16_t>(NotifyType::INVALID_SYNTAX));
    EXPECT_GE(inner.error().offset, kHeaderSize) << describe(inner.error());
  }
}

INSTANTIATE_TEST_SUITE_P(Rfc7296, PayloadBodies, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<BodyCase>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace ikeh::codec
