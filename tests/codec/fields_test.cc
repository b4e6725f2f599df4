// SPDX-License-Identifier: Apache-2.0
// Computed fields (RFC 7296 3.1-3.15 lengths, counts, sizes, numbering,
// markers): computed when building, emitted exactly as set when overridden,
// kept through decode -> encode when a peer sent odd values, and reported by
// verify_message() when they disagree with the structure. Also the special
// cases of individual payloads (CP R bit, unknown types kept, ...) and the
// text of decode errors.
#include <gtest/gtest.h>

#include "harness/codec/message.h"
#include "harness/codec/rules.h"
#include "tests/codec/test_util.h"

namespace ikeh::codec {
namespace {

using test::hex;
using test::sa_init;

uint16_t u16_at(const Bytes& b, std::size_t at) { return static_cast<uint16_t>(b.at(at) << 8 | b.at(at + 1)); }


SaPayload& sa_of(Message& m) {
  static SaPayload none;
  SaPayload* sa = m.payloads.empty() ? nullptr : m.payloads[0].as<SaPayload>();
  EXPECT_NE(sa, nullptr) << "no SA payload first";
  return sa ? *sa : none;
}

// Decodes bytes a peer could send, checks they come back unchanged and
// returns the message with the first verify_message() result.
Message decode_odd(const Bytes& bytes, core::Status* verdict = nullptr) {
  auto d = decode_message(bytes);
  EXPECT_TRUE(d.ok()) << describe(d.error());
  if (!d.ok()) return {};
  EXPECT_EQ(core::to_hex(encode_message(*d)), core::to_hex(bytes));
  if (verdict) *verdict = verify_message(*d);
  return std::move(*d);
}

void expect_syntax_error(const core::Status& s, std::string_view needle) {
  ASSERT_FALSE(s.ok()) << "expected an error mentioning " << needle;
  EXPECT_EQ(s.error().notify, static_cast<uint16_t>(NotifyType::INVALID_SYNTAX)) << describe(s.error());
  EXPECT_NE(describe(s.error()).find(needle), std::string::npos) << describe(s.error());
}

TEST(ComputedFields, ComputedWhenBuilding) {
  Bytes b = encode_message(sa_init());
  EXPECT_EQ(b.size(), 28u + 52 + 40 + 36);
  EXPECT_EQ(u16_at(b, 26), b.size());        // message length
  EXPECT_EQ(b[16], 33);                      // header next payload: SA
  EXPECT_EQ(b[28], 34);                      // SA next payload: KE
  EXPECT_EQ(b[29], 0);                       // critical + reserved
  EXPECT_EQ(u16_at(b, 30), 4 + 32 + 16);     // SA payload length
  EXPECT_EQ(b[32], 2);                       // proposal 1: more proposals follow
  EXPECT_EQ(u16_at(b, 34), 32);              // proposal length
  EXPECT_EQ(b[36], 1);                       // proposal number
  EXPECT_EQ(b[38], 4);                       // SPI size
  EXPECT_EQ(b[39], 2);                       // number of transforms
  EXPECT_EQ(b[44], 3);                       // transform 1: more transforms follow
  EXPECT_EQ(u16_at(b, 46), 12);              // transform length
  EXPECT_EQ(u16_at(b, 52), 0x800e);          // AF=1, KEY_LENGTH
  EXPECT_EQ(b[56], 0);                       // last transform
  EXPECT_EQ(b[64], 0);                       // last proposal
  EXPECT_EQ(b[68], 2);                       // proposal number 2
  EXPECT_EQ(b[70], 0);                       // IKE: no SPI
  EXPECT_EQ(b[80], 40);                      // KE next payload: Ni
  EXPECT_EQ(b[120], 0);                      // last payload
}

TEST(ComputedFields, OverridesAreEmittedExactlyAsSet) {
  auto m = sa_init();
  m.header.next_payload = 99;
  m.header.length = 0x01020304;
  m.payloads[0].next_payload = 0;
  m.payloads[0].length = 7;
  m.payloads[1].critical = true;
  m.payloads[1].reserved = 0x55;
  auto& p1 = sa_of(m).proposals[0];
  p1.last_substruc = 9;
  p1.reserved = 0xee;
  p1.length = 1000;
  p1.number = 5;
  p1.spi_size = 8;
  p1.num_transforms = 77;
  p1.transforms[0].last_substruc = 0;
  p1.transforms[0].reserved1 = 1;
  p1.transforms[0].reserved2 = 2;
  p1.transforms[0].length = 3;
  Bytes b = encode_message(m);
  EXPECT_EQ(b[16], 99);
  EXPECT_EQ(u16_at(b, 24), 0x0102);
  EXPECT_EQ(u16_at(b, 26), 0x0304);
  EXPECT_EQ(b[28], 0);
  EXPECT_EQ(u16_at(b, 30), 7);
  EXPECT_EQ(b[32], 9);
  EXPECT_EQ(b[33], 0xee);
  EXPECT_EQ(u16_at(b, 34), 1000);
  EXPECT_EQ(b[36], 5);
  EXPECT_EQ(b[38], 8);
  EXPECT_EQ(b[39], 77);
  EXPECT_EQ(Bytes(b.begin() + 40, b.begin() + 44), hex("a1a2a3a4"));  // the SPI itself is unchanged
  EXPECT_EQ(b[44], 0);
  EXPECT_EQ(b[45], 1);
  EXPECT_EQ(u16_at(b, 46), 3);
  EXPECT_EQ(b[49], 2);
  EXPECT_EQ(b[80], 40);
  EXPECT_EQ(b[81], 0x80 | 0x55);
  EXPECT_EQ(b.size(), 156u);  // overrides change values, not layout
}

TEST(ComputedFields, OddProposalNumberKeptAndReportedInRequests) {
  Bytes b = encode_message(sa_init());
  b[36] = 5;
  core::Status v;
  auto d = decode_odd(b, &v);
  EXPECT_EQ(sa_of(d).proposals[0].number, 5);
  EXPECT_FALSE(sa_of(d).proposals[1].number.has_value());
  expect_syntax_error(v, "proposal_num is 5, expected 1");
  EXPECT_EQ(v.error().where, "SA payload / proposal 1");
}

TEST(ComputedFields, ResponseKeepsTheAcceptedProposalNumber) {
  // RFC 7296 3.3.1: the accepted proposal keeps its number, here 2.
  auto m = sa_init(true);
  sa_of(m).proposals.erase(sa_of(m).proposals.begin());
  sa_of(m).proposals[0].number = 2;
  Bytes b = encode_message(m);
  core::Status v;
  auto d = decode_odd(b, &v);
  EXPECT_EQ(sa_of(d).proposals[0].number, 2);
  EXPECT_TRUE(v.ok()) << describe(v.error());
  // Number 0 is never valid.
  b[36] = 0;
  decode_odd(b, &v);
  expect_syntax_error(v, "proposal_num is 0");
}

TEST(ComputedFields, OddLastSubstrucKeptAndReported) {
  Bytes b = encode_message(sa_init());
  b[64] = 2;  // the last proposal claims more follow
  core::Status v;
  auto d = decode_odd(b, &v);
  EXPECT_EQ(sa_of(d).proposals[1].last_substruc, 2);
  expect_syntax_error(v, "last_substruc is 2, expected 0");

  b = encode_message(sa_init());
  b[44] = 0;  // the first transform claims to be the last
  decode_odd(b, &v);
  expect_syntax_error(v, "SA payload / proposal 1 / transform 1");
}

TEST(ComputedFields, OddTransformCountKeptAndReported) {
  Bytes b = encode_message(sa_init());
  b[39] = 3;
  core::Status v;
  auto d = decode_odd(b, &v);
  EXPECT_EQ(sa_of(d).proposals[0].num_transforms, 3);
  expect_syntax_error(v, "num_transforms is 3 but 2 transforms follow");
}

TEST(ComputedFields, ReservedBitsAndCriticalOnKnownPayloadsAreKeptAndIgnored) {
  Bytes b = encode_message(sa_init());
  b[29] = 0x80 | 0x01;  // SA: critical and a reserved bit
  b[33] = 0xff;         // proposal RESERVED
  b[45] = 0x10;         // transform RESERVED
  b[49] = 0x20;         // transform RESERVED after the type
  b[87] = 0x7f;         // KE RESERVED (low octet)
  core::Status v;
  auto d = decode_odd(b, &v);
  EXPECT_TRUE(d.payloads[0].critical);
  EXPECT_EQ(d.payloads[0].reserved, 1);
  EXPECT_EQ(sa_of(d).proposals[0].reserved, 0xff);
  EXPECT_EQ(sa_of(d).proposals[0].transforms[0].reserved1, 0x10);
  EXPECT_EQ(sa_of(d).proposals[0].transforms[0].reserved2, 0x20);
  EXPECT_EQ(d.payloads[1].as<KePayload>()->reserved, 0x7f);
  // RFC 7296 2.5 and 3.2: RESERVED contents and the critical bit of an
  // understood payload are ignored.
  EXPECT_TRUE(v.ok()) << describe(v.error());
}

TEST(ComputedFields, TransformAttributeLength) {
  Transform t(TransformType::ENCR, 12);
  t.attributes.push_back(TransformAttribute{false, 17, 0, std::nullopt, hex("0102030405")});
  Proposal p;
  p.transforms = {t};
  Bytes body = encode_body(SaPayload{{p}});
  // proposal 8 | transform 8 | attribute: AF=0 type 17, length 5, value
  EXPECT_EQ(core::to_hex(body), "0000001901010001" "000000110100000c" "00110005" "0102030405");
  p.transforms[0].attributes[0].length = 9;
  body = encode_body(SaPayload{{p}});
  EXPECT_EQ(u16_at(body, 18), 9);
  // A TV attribute has no length: the AF bit selects the layout.
  p.transforms[0].attributes[0] = TransformAttribute{true, 14, 0x0100, std::nullopt, {}};
  body = encode_body(SaPayload{{p}});
  EXPECT_EQ(core::to_hex(body), "0000001401010001000000" "0c0100000c800e0100");
}

TEST(ComputedFields, SpiSizeOfNotifyAndDelete) {
  Payload n = make_notify(NotifyType::REKEY_SA, {}, ProtocolId::ESP, hex("01020304"));
  EXPECT_EQ(core::to_hex(encode_body(n.body)), "0304400901020304");
  n.as<NotifyPayload>()->spi_size = 0;
  EXPECT_EQ(core::to_hex(encode_body(n.body)), "0300400901020304");

  DeletePayload d;
  d.protocol_id = ProtocolId::ESP;  // no SPI listed: size 4 for ESP
  EXPECT_EQ(core::to_hex(encode_body(d)), "03040000");
  d.protocol_id = ProtocolId::IKE;
  EXPECT_EQ(core::to_hex(encode_body(d)), "01000000");
  d.protocol_id = ProtocolId::AH;
  d.spis = {hex("0a0b0c0d")};
  EXPECT_EQ(core::to_hex(encode_body(d)), "020400010a0b0c0d");
  d.spi_size = 2;
  d.num_spis = 3;
  EXPECT_EQ(core::to_hex(encode_body(d)), "020200030a0b0c0d");
  // Decoding it back fails: 3 SPIs of 2 bytes need 6 bytes, 4 are there.
  auto back = decode_body(PayloadType::D, encode_body(d));
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(describe(back.error()), "D payload at offset 8: field spi: item 3 of 3 needs 2 bytes, 0 left [INVALID_SYNTAX]");
  // One SPI of 2 bytes leaves 2 bytes over.
  d.num_spis = 1;
  back = decode_body(PayloadType::D, encode_body(d));
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(describe(back.error()),
            "D payload at offset 6: field payload_length: 2 bytes after the last field [INVALID_SYNTAX]");
}

TEST(ComputedFields, DeleteSpiSizeMustFitTheProtocol) {
  // RFC 7296 3.11: an ESP Delete lists 4-byte SPIs; 8 is wrong even though
  // the count and lengths are consistent.
  DeletePayload d;
  d.protocol_id = ProtocolId::ESP;
  d.spis = {hex("0102030405060708")};
  auto m = make_message(ExchangeType::INFORMATIONAL, 0, 3, 1, 2, {Payload(PayloadType::D, d)});
  auto v = verify_inner(ExchangeType::INFORMATIONAL, false, m.payloads);
  expect_syntax_error(v, "spi_size 8 does not fit protocol ESP");
  // An IKE Delete with SPI size 4 and no SPIs is kept and reported.
  Bytes b = encode_message(make_message(ExchangeType::INFORMATIONAL, 0, 3, 1, 2,
                                        {Payload(PayloadType::D, DeletePayload{})}));
  b[28 + 5] = 4;
  auto dec = decode_message(b);
  ASSERT_TRUE(dec.ok()) << describe(dec.error());
  EXPECT_EQ(encode_message(*dec), b);
  expect_syntax_error(verify_inner(ExchangeType::INFORMATIONAL, false, dec->payloads), "spi_size 4 does not fit protocol IKE");
  // A correct one passes.
  d.spis = {hex("01020304")};
  EXPECT_TRUE(verify_inner(ExchangeType::INFORMATIONAL, false, std::vector<Payload>{Payload(PayloadType::D, d)}).ok());
}

TEST(ComputedFields, NumberOfSpis) {
  DeletePayload d;
  d.protocol_id = ProtocolId::ESP;
  d.spis = {hex("00000001"), hex("00000002"), hex("00000003")};
  Bytes body = encode_body(d);
  EXPECT_EQ(u16_at(body, 2), 3);
  d.num_spis = 0x1234;
  EXPECT_EQ(u16_at(encode_body(d), 2), 0x1234);
}

TEST(ComputedFields, NumberOfTsAndSelectorLength) {
  TsPayload ts;
  ts.selectors.resize(2);
  for (auto& s : ts.selectors) s.start_address = s.end_address = hex("0a000001");
  Bytes body = encode_body(ts);
  EXPECT_EQ(body[0], 2);
  EXPECT_EQ(u16_at(body, 6), 16);
  ts.num_ts = 9;
  ts.selectors[1].length = 99;
  body = encode_body(ts);
  EXPECT_EQ(body[0], 9);
  EXPECT_EQ(u16_at(body, 4 + 16 + 2), 99);

  // A peer's wrong count is kept and reported.
  ts.num_ts.reset();
  ts.selectors[1].length.reset();
  auto m = make_message(ExchangeType::IKE_AUTH, 0, 1, 1, 2, {Payload(PayloadType::TSi, ts)});
  Bytes b = encode_message(m);
  b[32] = 3;
  auto d = decode_message(b);
  ASSERT_TRUE(d.ok()) << describe(d.error());
  EXPECT_EQ(d->payloads[0].as<TsPayload>()->num_ts, 3);
  EXPECT_EQ(encode_message(*d), b);
  expect_syntax_error(verify_inner(ExchangeType::IKE_AUTH, false, d->payloads),
                      "number_of_ts is 3 but 2 selectors follow");
}

TEST(ComputedFields, CpAttributeLength) {
  CpPayload cp;
  cp.attributes = {CfgAttribute(CfgAttributeType::INTERNAL_IP4_DNS, hex("08080808"))};
  EXPECT_EQ(core::to_hex(encode_body(cp)), "01000000" "0003000408080808");
  cp.attributes[0].length = 0;
  EXPECT_EQ(core::to_hex(encode_body(cp)), "01000000" "0003000008080808");
}

TEST(ComputedFields, MessageLengthMustMatchTheDatagram) {
  Bytes b = encode_message(sa_init());
  Bytes longer = b;
  longer.push_back(0);
  auto d = decode_message(longer);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(describe(d.error()), "IKE header at offset 24: field length: 156 is shorter than the datagram (157 bytes) "
                                 "[INVALID_SYNTAX]");
  Bytes shorter(b.begin(), b.end() - 1);
  d = decode_message(shorter);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(describe(d.error()), "IKE header at offset 24: field length: 156 exceeds the datagram (155 bytes left) "
                                 "[INVALID_SYNTAX]");
  b[27] = 20;
  d = decode_message(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(describe(d.error()),
            "IKE header at offset 24: field length: 20 is shorter than the 28-byte header it includes "
            "[INVALID_SYNTAX]");
}

// ------------------------------------------------------ error text format

TEST(ErrorText, ProposalLengthExceedingThePayload) {
  Bytes b = encode_message(sa_init());
  b[35] = 64;  // proposal 1 claims 64 bytes; from its start the SA body holds 48
  auto d = decode_message(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(describe(d.error()),
            "SA payload / proposal 1 at offset 34: field proposal_length: 64 exceeds SA payload (48 bytes left) "
            "[INVALID_SYNTAX]");
}

TEST(ErrorText, TransformLengthShorterThanItsHeader) {
  Bytes b = encode_message(sa_init());
  b[59] = 2;  // second transform of proposal 1
  auto d = decode_message(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(describe(d.error()),
            "SA payload / proposal 1 / transform 2 at offset 58: field transform_length: 2 is shorter than the "
            "8-byte header it includes [INVALID_SYNTAX]");
  // Long enough for the length field but not for the fixed fields after it.
  b[59] = 4;
  d = decode_message(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(describe(d.error()),
            "SA payload / proposal 1 / transform 2 at offset 58: field transform_length: 4 is shorter than the "
            "8-byte header it includes [INVALID_SYNTAX]");
}

TEST(ErrorText, PayloadLengthBeyondTheMessage) {
  Bytes b = encode_message(sa_init());
  b[122] = 0x01;  // Ni claims 256 + 36 bytes
  auto d = decode_message(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(describe(d.error()),
            "NONCE payload at offset 122: field payload_length: 292 exceeds message (36 bytes left) "
            "[INVALID_SYNTAX]");
}

TEST(ErrorText, BytesAfterTheEncryptedPayload) {
  auto m = make_message(ExchangeType::IKE_AUTH, flags::kInitiator, 1, 1, 2,
                        {Payload(PayloadType::SK, SkPayload{PayloadType::IDi, Bytes(16, 0xee)})});
  Bytes b = encode_message(m);
  // Append an 8-byte payload behind SK and count it in the header.
  for (uint8_t x : hex("2900000800004000")) b.push_back(x);
  b[27] = static_cast<uint8_t>(b.size());
  auto d = decode_message(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(describe(d.error()),
            "SK payload at offset 48: field payload_length: 8 bytes follow the encrypted payload, which must be "
            "last [INVALID_SYNTAX]");
}

TEST(ErrorText, MajorVersionOne) {
  Bytes b = encode_message(sa_init());
  b[17] = 0x10;  // IKEv1 1.0
  auto d = decode_message(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().notify, static_cast<uint16_t>(NotifyType::INVALID_MAJOR_VERSION));
  EXPECT_EQ(describe(d.error()),
            "IKE header at offset 17: field version: major version 1 is not 2 (IKEv2) [INVALID_MAJOR_VERSION]");
  // A higher minor version is still IKEv2 (RFC 7296 3.1).
  b[17] = 0x21;
  auto ok = decode_message(b);
  ASSERT_TRUE(ok.ok()) << describe(ok.error());
  EXPECT_EQ(ok->header.minor_version(), 1);
  EXPECT_EQ(encode_message(*ok), b);
}

// --------------------------------------------------- payload special cases

TEST(Cp, EveryCfgTypeByName) {
  const std::pair<uint8_t, const char*> types[] = {{1, "CFG_REQUEST"}, {2, "CFG_REPLY"}, {3, "CFG_SET"}, {4, "CFG_ACK"}};
  for (auto [v, name] : types) {
    EXPECT_EQ(name_of(static_cast<CfgType>(v)), name);
    Bytes body = {v, 0, 0, 0};
    auto d = decode_body(PayloadType::CP, body);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(static_cast<uint8_t>(std::get<CpPayload>(*d).cfg_type), v);
    EXPECT_EQ(encode_body(*d), body);
  }
}

TEST(Cp, ReservedBitIsMaskedFromTheType) {
  // RFC 7296 3.15.1: R must be ignored; 0x8001 is INTERNAL_IP4_ADDRESS.
  Bytes body = hex("02000000" "80010004c0a8010a");
  auto d = decode_body(PayloadType::CP, body);
  ASSERT_TRUE(d.ok()) << describe(d.error());
  const auto& a = std::get<CpPayload>(*d).attributes.at(0);
  EXPECT_TRUE(a.r_bit);
  EXPECT_EQ(a.type, CfgAttributeType::INTERNAL_IP4_ADDRESS);
  EXPECT_EQ(a.value, hex("c0a8010a"));
  EXPECT_EQ(encode_body(*d), body);
}

TEST(Cp, FifteenBitTypesZeroLengthAndPrivateUse) {
  Bytes body = hex("01000000" "7fff0000" "40000000" "3fff0002abcd" "00050000");
  auto d = decode_body(PayloadType::CP, body);
  ASSERT_TRUE(d.ok()) << describe(d.error());
  const auto& at = std::get<CpPayload>(*d).attributes;
  ASSERT_EQ(at.size(), 4u);
  EXPECT_EQ(static_cast<uint16_t>(at[0].type), 32767);
  EXPECT_FALSE(at[0].r_bit);
  EXPECT_EQ(label(at[0].type), "PRIVATE_USE(32767)");
  EXPECT_EQ(label(at[1].type), "PRIVATE_USE(16384)");
  EXPECT_EQ(label(at[2].type), "UNKNOWN(16383)");
  EXPECT_EQ(at[2].value, hex("abcd"));
  EXPECT_EQ(label(at[3].type), "UNKNOWN(5)");  // reserved, formerly INTERNAL_ADDRESS_EXPIRY
  for (std::size_t i : {0, 1, 3}) EXPECT_TRUE(at[i].value.empty());
  EXPECT_EQ(encode_body(*d), body);
  // Built with a type above 15 bits, the encoder keeps the R bit apart.
  CpPayload cp;
  cp.attributes = {CfgAttribute(static_cast<CfgAttributeType>(0xffff))};
  EXPECT_EQ(core::to_hex(encode_body(cp)), "01000000" "7fff0000");
}

TEST(Cp, AttributeLongerThanThePayload) {
  auto d = decode_body(PayloadType::CP, hex("01000000" "00010008c0a8"));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(describe(d.error()),
            "CP payload / attribute 1 at offset 8: field value: truncated: needs 8 bytes, 2 left [INVALID_SYNTAX]");
}

TEST(Notify, EveryIanaTypeOfRfc7296HasItsName) {
  // reference/ikev2-notes.md 1.6 (checked against strongSwan's enum).
  const std::pair<uint16_t, const char*> known[] = {
      {1, "UNSUPPORTED_CRITICAL_PAYLOAD"}, {4, "INVALID_IKE_SPI"}, {5, "INVALID_MAJOR_VERSION"},
      {7, "INVALID_SYNTAX"}, {9, "INVALID_MESSAGE_ID"}, {11, "INVALID_SPI"}, {14, "NO_PROPOSAL_CHOSEN"},
      {17, "INVALID_KE_PAYLOAD"}, {24, "AUTHENTICATION_FAILED"}, {34, "SINGLE_PAIR_REQUIRED"},
      {35, "NO_ADDITIONAL_SAS"}, {36, "INTERNAL_ADDRESS_FAILURE"}, {37, "FAILED_CP_REQUIRED"},
      {38, "TS_UNACCEPTABLE"}, {39, "INVALID_SELECTORS"}, {40, "UNACCEPTABLE_ADDRESSES"},
      {41, "UNEXPECTED_NAT_DETECTED"}, {43, "TEMPORARY_FAILURE"}, {44, "CHILD_SA_NOT_FOUND"},
      {16384, "INITIAL_CONTACT"}, {16385, "SET_WINDOW_SIZE"}, {16386, "ADDITIONAL_TS_POSSIBLE"},
      {16387, "IPCOMP_SUPPORTED"}, {16388, "NAT_DETECTION_SOURCE_IP"}, {16389, "NAT_DETECTION_DESTINATION_IP"},
      {16390, "COOKIE"}, {16391, "USE_TRANSPORT_MODE"}, {16392, "HTTP_CERT_LOOKUP_SUPPORTED"},
      {16393, "REKEY_SA"}, {16394, "ESP_TFC_PADDING_NOT_SUPPORTED"}, {16395, "NON_FIRST_FRAGMENTS_ALSO"},
      {16396, "MOBIKE_SUPPORTED"}, {16403, "AUTH_LIFETIME"}, {16404, "MULTIPLE_AUTH_SUPPORTED"},
      {16406, "REDIRECT_SUPPORTED"}, {16407, "REDIRECT"}, {16408, "REDIRECTED_FROM"},
      {16417, "EAP_ONLY_AUTHENTICATION"}, {16418, "CHILDLESS_IKEV2_SUPPORTED"},
      {16430, "IKEV2_FRAGMENTATION_SUPPORTED"}, {16431, "SIGNATURE_HASH_ALGORITHMS"},
  };
  for (auto [v, name] : known) {
    auto t = static_cast<NotifyType>(v);
    EXPECT_EQ(name_of(t), name) << v;
    EXPECT_EQ(is_error(t), v < 16384) << v;
    auto m = make_message(ExchangeType::INFORMATIONAL, 0, 1, 1, 2, {make_notify(t, hex("01"))});
    Bytes b = encode_message(m);
    EXPECT_EQ(u16_at(b, 34), v);
    auto d = decode_message(b);
    ASSERT_TRUE(d.ok());
    EXPECT_NE(d->find_notify(t), nullptr) << name;
    EXPECT_NE(summary(*d).find(std::string("N(") + name + ")"), std::string::npos) << summary(*d);
  }
}

TEST(Notify, UnknownTypesAreKept) {
  for (uint16_t v : {uint16_t{2}, uint16_t{5000}, uint16_t{16383}, uint16_t{30000}, uint16_t{65535}}) {
    Bytes body = {0, 0, static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v), 0xaa};
    auto d = decode_body(PayloadType::N, body);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(static_cast<uint16_t>(std::get<NotifyPayload>(*d).type), v);
    EXPECT_EQ(encode_body(*d), body);
  }
  EXPECT_EQ(label(static_cast<NotifyType>(5000)), "UNKNOWN(5000)");
}

TEST(Ts, UnknownTypesAreKeptRaw) {
  // TS_FC_ADDR_RANGE (9) and an unassigned type: reserved octet + length,
  // then the body as it is.
  Bytes body = hex("02000000" "090000080a0b0c0d" "c8ff000a0102030405ff");
  auto d = decode_body(PayloadType::TSr, body);
  ASSERT_TRUE(d.ok()) << describe(d.error());
  const auto& sel = std::get<TsPayload>(*d).selectors;
  ASSERT_EQ(sel.size(), 2u);
  EXPECT_EQ(sel[0].ts_type, TsType::TS_FC_ADDR_RANGE);
  EXPECT_EQ(sel[0].data, hex("0a0b0c0d"));
  EXPECT_EQ(static_cast<uint8_t>(sel[1].ts_type), 200);
  EXPECT_EQ(sel[1].ip_protocol_id, 0xff);
  EXPECT_EQ(sel[1].data, hex("0102030405ff"));
  EXPECT_EQ(encode_body(*d), body);
}

TEST(Ts, Ipv4SelectorWithWrongLength) {
  auto d = decode_body(PayloadType::TSi, hex("01000000" "07000014" "0000ffff0a0000010a0000ff" "00000000"));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(describe(d.error()),
            "TSi payload / traffic_selector 1 at offset 20: field selector_length: 20 leaves 4 bytes after the last "
            "field [INVALID_SYNTAX]");
}

TEST(Id, EveryTypeRoundTrips) {
  for (const auto& e : RegistryOf<IdType>::entries()) {
    IdPayload id{static_cast<IdType>(e.value), 0, core::to_bytes("id-data")};
    for (auto t : {PayloadType::IDi, PayloadType::IDr}) {
      auto m = make_message(ExchangeType::IKE_AUTH, 0, 1, 1, 2, {Payload(t, id)});
      Bytes b = encode_message(m);
      EXPECT_EQ(b[32], e.value);
      auto d = decode_message(b);
      ASSERT_TRUE(d.ok()) << e.name;
      EXPECT_EQ(d->payloads[0].as<IdPayload>()->id_type, static_cast<IdType>(e.value));
      EXPECT_EQ(d->payloads[0].as<IdPayload>()->data, id.data);
      EXPECT_EQ(encode_message(*d), b);
    }
  }
}

TEST(CertAndAuth, EveryEncodingAndMethodRoundTrips) {
  for (const auto& e : RegistryOf<CertEncoding>::entries()) {
    for (auto t : {PayloadType::CERT, PayloadType::CERTREQ}) {
      Bytes body = {static_cast<uint8_t>(e.value), 0x30, 0x00};
      auto d = decode_body(t, body);
      ASSERT_TRUE(d.ok()) << e.name;
      EXPECT_EQ(encode_body(*d), body);
    }
  }
  for (const auto& e : RegistryOf<AuthMethod>::entries()) {
    Bytes body = {static_cast<uint8_t>(e.value), 0, 0, 0, 0xab};
    auto d = decode_body(PayloadType::AUTH, body);
    ASSERT_TRUE(d.ok()) << e.name;
    EXPECT_EQ(std::get<AuthPayload>(*d).method, static_cast<AuthMethod>(e.value));
    EXPECT_EQ(encode_body(*d), body);
  }
}

TEST(Encrypted, SkNextPayloadIsTheFirstInnerPayload) {
  auto m = make_message(ExchangeType::INFORMATIONAL, 0, 2, 1, 2,
                        {Payload(PayloadType::SK, SkPayload{PayloadType::D, hex("0011")})});
  Bytes b = encode_message(m);
  EXPECT_EQ(b[16], 46);
  EXPECT_EQ(b[28], 42);
  auto d = decode_message(b);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->payloads[0].as<SkPayload>()->inner_next, PayloadType::D);
  EXPECT_FALSE(d->payloads[0].next_payload.has_value());
}

TEST(Encrypted, SkfIsType53AndLast) {
  auto m = make_message(ExchangeType::IKE_AUTH, flags::kInitiator, 1, 1, 2,
                        {make_vendor_id(hex("01")), Payload(PayloadType::SKF, SkfPayload{PayloadType::IDi, 1, 2, hex("ff")})});
  Bytes b = encode_message(m);
  EXPECT_EQ(b[28], 53);
  EXPECT_EQ(b[33], 35);  // SKF's Next Payload: IDi
  auto d = decode_message(b);
  ASSERT_TRUE(d.ok()) << describe(d.error());
  EXPECT_EQ(d->payloads[1].type, PayloadType::SKF);
  EXPECT_EQ(d->payloads[1].as<SkfPayload>()->inner_next, PayloadType::IDi);
  EXPECT_EQ(d->payloads[1].as<SkfPayload>()->total_fragments, 2);
  // A plaintext V in front of SKF is not a payload of RFC 7296 1.2 outside SK.
  auto v = verify_message(*d);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(describe(v.error()), "V payload outside SK in IKE_AUTH request [INVALID_SYNTAX]");
}

TEST(Eap, MessageIsOpaque) {
  Bytes body = hex("0201000e0168656c6c6f2d776f726c64");  // Response/Identity, length disagreeing on purpose
  auto d = decode_body(PayloadType::EAP, body);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(std::get<EapPayload>(*d).message, body);
  EXPECT_EQ(encode_body(*d), body);
}

TEST(Unknown, PayloadTypesAreKeptRawAndCriticalDecides) {
  // INFORMATIONAL request: SK is preceded by an unknown payload of type 150.
  auto build = [](bool critical) {
    Payload u(static_cast<PayloadType>(150), UnknownPayload{hex("0102030405")});
    u.critical = critical;
    return make_message(ExchangeType::INFORMATIONAL, 0, 5, 1, 2,
                        {u, Payload(PayloadType::SK, SkPayload{PayloadType::NONE, Bytes(16, 1)})});
  };
  for (bool critical : {false, true}) {
    Bytes b = encode_message(build(critical));
    EXPECT_EQ(b[16], 150);
    EXPECT_EQ(b[29], critical ? 0x80 : 0);
    auto d = decode_message(b);
    ASSERT_TRUE(d.ok()) << describe(d.error());
    EXPECT_EQ(d->payloads[0].as<UnknownPayload>()->data, hex("0102030405"));
    EXPECT_EQ(encode_message(*d), b);
    auto v = verify_message(*d);
    if (!critical) {
      EXPECT_TRUE(v.ok()) << describe(v.error());  // RFC 7296 2.5: skipped
      continue;
    }
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().notify, static_cast<uint16_t>(NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD));
    EXPECT_EQ(describe(v.error()),
              "PRIVATE_USE(150) payload at offset 28: unsupported payload type 150 has the critical bit set "
              "[UNSUPPORTED_CRITICAL_PAYLOAD]");
  }
  // Inside SK too.
  Payload u(static_cast<PayloadType>(60), UnknownPayload{});
  u.critical = true;
  auto v = verify_inner(ExchangeType::INFORMATIONAL, false, std::vector<Payload>{u});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().notify, static_cast<uint16_t>(NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD));
  u.critical = false;
  EXPECT_TRUE(verify_inner(ExchangeType::INFORMATIONAL, false, std::vector<Payload>{u}).ok());
}

}  // namespace
}  // namespace ikeh::codec
