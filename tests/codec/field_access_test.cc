// SPDX-License-Identifier: Apache-2.0
// Setting fields by name (field_access.h): values reach the wire at the
// offsets RFC 7296 gives them, overrides of computed fields are emitted as set
// (and a decoder then fails the way it does on a peer's bad length), and
// mistakes in a path or value are refused with a useful message.
#include "harness/codec/field_access.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/codec/test_util.h"

namespace ikeh::codec {
namespace {

using test::hex;
using test::sa_init;

uint16_t u16_at(const Bytes& b, std::size_t at) { return static_cast<uint16_t>(b.at(at) << 8 | b.at(at + 1)); }
uint32_t u32_at(const Bytes& b, std::size_t at) {
  return static_cast<uint32_t>(u16_at(b, at)) << 16 | u16_at(b, at + 2);
}


void expect_ok(const core::Status& s) { EXPECT_TRUE(s.ok()) << describe(s.error()); }

void expect_error(const core::Status& s, std::string_view needle) {
  ASSERT_FALSE(s.ok()) << "expected an error mentioning " << needle;
  EXPECT_NE(describe(s.error()).find(needle), std::string::npos) << describe(s.error());
}

TEST(FieldAccess, TransformIdReachesTheWire) {
  Message m = sa_init();
  ASSERT_EQ(encode_message(m).size(), 156u);
  expect_ok(set_field(m.payloads[0], "proposal/0/transform/1/transform_id", uint64_t{13}));
  Bytes b = encode_message(m);
  EXPECT_EQ(u16_at(b, 62), 13);  // transform 2 of proposal 1: ID after type and reserved
  EXPECT_EQ(u16_at(b, 50), 12);  // transform 1 untouched
  auto d = decode_message(b);
  ASSERT_TRUE(d.ok()) << describe(d.error());
  EXPECT_EQ(d->payloads[0].as<SaPayload>()->proposals[0].transforms[1].id, 13);
}

TEST(FieldAccess, PathsCopiedFromJsonAreAccepted) {
  Message m = sa_init();
  // The JSON report nests body fields under "body" and names lists in plural.
  expect_ok(set_field(m.payloads[0], "body/proposals/0/transforms/0/transform_id", uint64_t{20}));
  expect_ok(set_field(m.payloads[0], "proposals/1/transforms/0/transform_id", uint64_t{19}));
  expect_ok(set_field(m.payloads[0], "proposal/0/transform/0/attribute/0/attribute_value", uint64_t{128}));
  Bytes b = encode_message(m);
  EXPECT_EQ(u16_at(b, 50), 20);
  EXPECT_EQ(u16_at(b, 54), 128);  // KEY_LENGTH value after the AF|type word at 52
  EXPECT_EQ(u16_at(b, 78), 19);   // proposal 2 (at 64): its transform at 72, ID at 78
}

TEST(FieldAccess, ProposalLengthOverrideIsEmittedAsSet) {
  Message m = sa_init();
  expect_ok(set_field(m.payloads[0], "proposal/0/proposal_length", uint64_t{40}));
  Bytes b = encode_message(m);
  EXPECT_EQ(u16_at(b, 34), 40);  // the real length is 32
  EXPECT_EQ(b.size(), 156u);      // the structure itself is unchanged
  EXPECT_FALSE(decode_message(b).ok());

  // A length past the SA payload: the decoder names the field, as for a peer's.
  expect_ok(set_field(m.payloads[0], "proposal/0/proposal_length", uint64_t{200}));
  b = encode_message(m);
  EXPECT_EQ(u16_at(b, 34), 200);
  auto d = decode_message(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().field, "proposal_length");
  EXPECT_EQ(d.error().offset, 34u);
  EXPECT_EQ(d.error().notify, static_cast<uint16_t>(NotifyType::INVALID_SYNTAX));
  EXPECT_NE(describe(d.error()).find("200 exceeds SA payload"), std::string::npos) << describe(d.error());
}

TEST(FieldAccess, PayloadLengthOverrideIsEmittedAsSet) {
  Message m = sa_init();
  expect_ok(set_field(m.payloads[2], "payload_length", uint64_t{1000}));
  Bytes b = encode_message(m);
  EXPECT_EQ(u16_at(b, 122), 1000);  // Ni at 120, really 36 bytes
  auto d = decode_message(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().field, "payload_length");
  EXPECT_EQ(d.error().offset, 122u);
  EXPECT_NE(describe(d.error()).find("1000 exceeds message"), std::string::npos) << describe(d.error());

  // Shorter than the generic header.
  expect_ok(set_field(m.payloads[0], "payload_length", uint64_t{3}));
  expect_ok(set_field(m.payloads[2], "payload_length", uint64_t{36}));
  b = encode_message(m);
  EXPECT_EQ(u16_at(b, 30), 3);
  d = decode_message(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().field, "payload_length");
  EXPECT_EQ(d.error().offset, 30u);
  EXPECT_NE(describe(d.error()).find("shorter than"), std::string::npos) << describe(d.error());

  // The same through a bare chain (the SK plaintext).
  std::vector<Payload> chain = {make_nonce(Bytes(8, 1))};
  expect_ok(set_field(chain[0], "payload_length", uint64_t{0x1234}));
  Bytes c = encode_payloads(chain);
  EXPECT_EQ(u16_at(c, 2), 0x1234);
  EXPECT_FALSE(decode_payloads(PayloadType::NONCE, c).ok());
}

TEST(FieldAccess, NotifyTypeAndData) {
  Message m = make_message(ExchangeType::INFORMATIONAL, flags::kInitiator, 1, 1, 2,
                           {make_notify(NotifyType::INITIAL_CONTACT)});
  expect_ok(set_field(m.payloads[0], "notify_type", uint64_t{16388}));
  expect_ok(set_field(m.payloads[0], "notification_data", hex("00112233")));
  Bytes b = encode_message(m);
  // Notify at 28: generic header, protocol ID at 32, SPI size, type at 34, data at 36.
  EXPECT_EQ(u16_at(b, 30), 12);
  EXPECT_EQ(u16_at(b, 34), 16388);
  EXPECT_EQ(u32_at(b, 36), 0x00112233u);
  auto d = decode_message(b);
  ASSERT_TRUE(d.ok()) << describe(d.error());
  const auto* n = d->find_notify(NotifyType::NAT_DETECTION_SOURCE_IP);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->data, hex("00112233"));
}

TEST(FieldAccess, NonceData) {
  Message m = sa_init();
  expect_ok(set_field(m.payloads[2], "nonce_data", Bytes(16, 0x77)));
  Bytes b = encode_message(m);
  EXPECT_EQ(b.size(), 156u - 16);
  EXPECT_EQ(u16_at(b, 122), 20);  // computed from the new data
  auto d = decode_message(b);
  ASSERT_TRUE(d.ok()) << describe(d.error());
  EXPECT_EQ(d->payloads[2].as<NoncePayload>()->data, Bytes(16, 0x77));
}

TEST(FieldAccess, CriticalAndReservedBits) {
  Message m = sa_init();
  expect_ok(set_field(m.payloads[1], "critical", true));
  expect_ok(set_field(m.payloads[1], "reserved", uint64_t{0x55}));
  // KE's own 16-bit reserved field is reached as body/reserved.
  expect_ok(set_field(m.payloads[1], "body/reserved", uint64_t{0xbeef}));
  expect_ok(set_field(m.payloads[1], "next_payload", uint64_t{0}));
  Bytes b = encode_message(m);
  EXPECT_EQ(b[80], 0);            // KE next payload overridden (Ni follows)
  EXPECT_EQ(b[81], 0x80 | 0x55);  // C bit and the 7 reserved bits
  EXPECT_EQ(u16_at(b, 84), static_cast<uint16_t>(DhGroup::CURVE25519));
  EXPECT_EQ(u16_at(b, 86), 0xbeef);
  // KE alone, as a chain of its own (its Next Payload now says it is the last).
  auto d = decode_payloads(PayloadType::KE, Bytes(b.begin() + 80, b.begin() + 120));
  ASSERT_TRUE(d.ok()) << describe(d.error());
  ASSERT_EQ(d->size(), 1u);
  EXPECT_TRUE((*d)[0].critical);
  EXPECT_EQ((*d)[0].reserved, 0x55);
  EXPECT_EQ((*d)[0].as<KePayload>()->reserved, 0xbeef);
}

TEST(FieldAccess, HeaderFields) {
  Message m = sa_init();
  expect_ok(set_header_field(m, "message_id", uint64_t{7}));
  expect_ok(set_header_field(m, "spi_r", uint64_t{0x1112131415161718}));
  expect_ok(set_header_field(m, "flags", uint64_t{flags::kInitiator | flags::kVersion}));
  expect_ok(set_header_field(m, "header/initiator_spi", uint64_t{0xa1}));
  Bytes b = encode_message(m);
  EXPECT_EQ(u32_at(b, 20), 7u);
  EXPECT_EQ(core::to_hex(BytesView(b).subspan(8, 8)), "1112131415161718");
  EXPECT_EQ(core::to_hex(BytesView(b).subspan(0, 8)), "00000000000000a1");
  EXPECT_EQ(b[19], 0x18);
  auto d = decode_message(b);
  ASSERT_TRUE(d.ok()) << describe(d.error());
  EXPECT_EQ(d->header.message_id, 7u);

  expect_ok(set_header_field(m, "minor_version", uint64_t{1}));
  EXPECT_EQ(encode_message(m)[17], 0x21);
  expect_ok(set_header_field(m, "major_version", uint64_t{3}));
  b = encode_message(m);
  EXPECT_EQ(b[17], 0x31);
  d = decode_message(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().notify, static_cast<uint16_t>(NotifyType::INVALID_MAJOR_VERSION));

  expect_ok(set_header_field(m, "version", uint64_t{0x20}));
  expect_ok(set_header_field(m, "length", uint64_t{999}));
  b = encode_message(m);
  EXPECT_EQ(u32_at(b, 24), 999u);
  d = decode_message(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().field, "length");
}

TEST(FieldAccess, UnknownPathSuggestsTheClosest) {
  Message m = sa_init();
  auto s = set_field(m.payloads[0], "proposal/0/transfrom/1/transform_id", uint64_t{1});
  expect_error(s, "did you mean \"proposal/0/transform/1/transform_id\"");
  EXPECT_EQ(s.error().where, "SA payload");
  EXPECT_EQ(s.error().field, "proposal/0/transfrom/1/transform_id");

  Payload n = make_notify(NotifyType::INITIAL_CONTACT);
  expect_error(set_field(n, "notify_typ", uint64_t{1}), "did you mean \"notify_type\"");
  expect_error(set_header_field(m, "mesage_id", uint64_t{1}), "did you mean \"message_id\"");
  expect_error(set_field(n, "body/notifcation_data", Bytes{}), "did you mean \"notification_data\"");
  expect_error(set_field(n, "", uint64_t{1}), "no such field");
}

TEST(FieldAccess, IndexPastTheEndIsRefused) {
  Message m = sa_init();
  Bytes before = encode_message(m);
  expect_error(set_field(m.payloads[0], "proposal/0/transform/5/transform_id", uint64_t{1}),
               "index 5 is past the end of proposal/0/transform (2 elements)");
  expect_error(set_field(m.payloads[0], "proposals/2/proposal_num", uint64_t{1}),
               "index 2 is past the end of proposal (2 elements)");
  EXPECT_EQ(encode_message(m), before);

  DeletePayload del;
  del.protocol_id = ProtocolId::ESP;
  del.spis = {hex("01020304"), hex("05060708")};
  Payload p(PayloadType::D, del);
  expect_ok(set_field(p, "spi/1", hex("0a0b0c0d")));
  EXPECT_EQ(p.as<DeletePayload>()->spis[1], hex("0a0b0c0d"));
  expect_error(set_field(p, "spi/2", hex("0a0b0c0d")), "past the end of spi (2 elements)");
}

TEST(FieldAccess, WrongKindAndRangeAreRefused) {
  Message m = sa_init();
  Bytes before = encode_message(m);
  Payload n = make_notify(NotifyType::INITIAL_CONTACT);
  expect_error(set_field(n, "notify_type", uint64_t{70000}), "16-bit number; 70000 does not fit (max 65535)");
  expect_error(set_field(n, "notify_type", hex("01")), "16-bit number; got bytes");
  expect_error(set_field(n, "notification_data", uint64_t{1}), "is bytes; got a number");
  expect_error(set_field(n, "critical", uint64_t{1}), "is a flag (bool); got a number");
  expect_error(set_field(m.payloads[0], "reserved", uint64_t{128}), "7-bit number; 128 does not fit (max 127)");
  expect_error(set_field(m.payloads[0], "proposal/0/spi_size", uint64_t{256}), "8-bit number");
  expect_error(set_header_field(m, "major_version", uint64_t{16}), "4-bit number");
  expect_error(set_header_field(m, "message_id", true), "32-bit number; got a bool");
  EXPECT_EQ(n.as<NotifyPayload>()->type, NotifyType::INITIAL_CONTACT);
  EXPECT_EQ(encode_message(m), before);
}

TEST(FieldAccess, ComputedFieldsBecomeOverrides) {
  Message m = sa_init();
  expect_ok(set_field(m.payloads[0], "proposal/1/proposal_num", uint64_t{9}));
  expect_ok(set_field(m.payloads[0], "proposal/0/last_substruc", uint64_t{0}));
  expect_ok(set_field(m.payloads[0], "proposal/0/num_transforms", uint64_t{5}));
  const auto& p = m.payloads[0].as<SaPayload>()->proposals;
  EXPECT_EQ(p[1].number, std::optional<uint8_t>(9));
  Bytes b = encode_message(m);
  EXPECT_EQ(b[32], 0);
  EXPECT_EQ(b[39], 5);
  EXPECT_EQ(b[68], 9);
}

TEST(FieldAccess, ShapeFollowsTheCurrentValues) {
  Message m = sa_init();
  Payload& sa = m.payloads[0];
  const char* value = "proposal/0/transform/0/attribute/0/attribute_value";
  // TV form: a 16-bit value. After AF=0 the same name is the TLV form's bytes.
  expect_error(set_field(sa, value, hex("0102")), "16-bit number");
  expect_ok(set_field(sa, "proposal/0/transform/0/attribute/0/af", false));
  expect_ok(set_field(sa, value, hex("010203")));
  Bytes b = encode_message(m);
  EXPECT_EQ(u16_at(b, 52), 14);  // AF=0, KEY_LENGTH
  EXPECT_EQ(u16_at(b, 54), 3);   // attribute length computed from the data
  auto d = decode_message(b);
  ASSERT_TRUE(d.ok()) << describe(d.error());
  EXPECT_EQ(d->payloads[0].as<SaPayload>()->proposals[0].transforms[0].attributes[0].data, hex("010203"));
}

TEST(FieldAccess, FieldPathsListEverySettableField) {
  Message m = sa_init();
  auto paths = field_paths(m.payloads[0]);
  ASSERT_GE(paths.size(), 4u);
  EXPECT_EQ(std::vector<std::string>(paths.begin(), paths.begin() + 4),
            (std::vector<std::string>{"next_payload", "critical", "reserved", "payload_length"}));
  auto has = [&](const std::string& p) { return std::find(paths.begin(), paths.end(), p) != paths.end(); };
  EXPECT_TRUE(has("proposal/0/proposal_length"));
  EXPECT_TRUE(has("proposal/0/transform/1/transform_id"));
  EXPECT_TRUE(has("proposal/0/transform/0/attribute/0/attribute_value"));
  EXPECT_TRUE(has("proposal/1/transform/0/transform_length"));
  EXPECT_EQ(paths[4], "proposal/0/last_substruc");  // wire order

  // Every listed path is accepted (with a value of some kind).
  for (auto& pl : m.payloads) {
    for (const auto& path : field_paths(pl)) {
      Payload copy = pl;
      bool any = set_field(copy, path, uint64_t{0}).ok() || set_field(copy, path, false).ok() ||
                 set_field(copy, path, Bytes{}).ok();
      EXPECT_TRUE(any) << path;
    }
  }

  auto ke = field_paths(m.payloads[1]);
  EXPECT_EQ(ke, (std::vector<std::string>{"next_payload", "critical", "reserved", "payload_length", "dh_group",
                                          "body/reserved", "key_exchange_data"}));

  EXPECT_EQ(header_field_paths(),
            (std::vector<std::string>{"initiator_spi", "responder_spi", "next_payload", "version", "major_version",
                                      "minor_version", "exchange_type", "flags", "message_id", "length"}));
}

}  // namespace
}  // namespace ikeh::codec
