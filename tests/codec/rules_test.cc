// SPDX-License-Identifier: Apache-2.0
// verify_message() / verify_inner(): the RFC 7296 section 1 payload rules.
#include "harness/codec/rules.h"

#include <gtest/gtest.h>

#include "tests/codec/test_util.h"

namespace ikeh::codec {
namespace {

using test::hex;

Payload sa() {
  Proposal p;
  p.transforms = {Transform(TransformType::ENCR, 20, 256), Transform(TransformType::PRF, 5),
                  Transform(TransformType::DH, 31)};
  return Payload(PayloadType::SA, SaPayload{{p}});
}
Payload ke() { return Payload(PayloadType::KE, KePayload{DhGroup::CURVE25519, 0, Bytes(32, 9)}); }
Payload sk(PayloadType first) { return Payload(PayloadType::SK, SkPayload{first, Bytes(32, 0)}); }

// Encodes and decodes, so the rules see what a peer would have sent.
Message wire(Message m) {
  auto d = decode_message(encode_message(m));
  EXPECT_TRUE(d.ok()) << describe(d.error());
  return d.ok() ? std::move(*d) : Message{};
}

std::string verdict(const core::Status& s) { return s.ok() ? "ok" : describe(s.error()); }

TEST(Rules, SaInitRequestWithoutKeIsRejected) {
  auto m = wire(make_message(ExchangeType::IKE_SA_INIT, flags::kInitiator, 0, 1, 0, {sa(), make_nonce(Bytes(32, 1))}));
  EXPECT_EQ(verdict(verify_message(m)), "IKE_SA_INIT request lacks KE payload (needs 1) [INVALID_SYNTAX]");
  auto full = wire(make_message(ExchangeType::IKE_SA_INIT, flags::kInitiator, 0, 1, 0,
                                {sa(), ke(), make_nonce(Bytes(32, 1))}));
  EXPECT_EQ(verdict(verify_message(full)), "ok");
  // Payload order is free on receipt (RFC 7296 2.5).
  auto shuffled = wire(make_message(ExchangeType::IKE_SA_INIT, flags::kInitiator, 0, 1, 0,
                                    {make_nonce(Bytes(32, 1)), ke(), sa()}));
  EXPECT_EQ(verdict(verify_message(shuffled)), "ok");
}

TEST(Rules, SaInitWithTwoKePayloadsIsRejected) {
  auto m = wire(make_message(ExchangeType::IKE_SA_INIT, flags::kInitiator, 0, 1, 0,
                             {sa(), ke(), ke(), make_nonce(Bytes(32, 1))}));
  EXPECT_EQ(verdict(verify_message(m)), "IKE_SA_INIT request carries 2 KE payloads (at most 1) [INVALID_SYNTAX]");
}

TEST(Rules, ErrorResponseWithOnlyInvalidKeIsAccepted) {
  auto m = wire(make_message(ExchangeType::IKE_SA_INIT, flags::kResponse, 0, 1, 0,
                             {make_notify(NotifyType::INVALID_KE_PAYLOAD, hex("001f"))}));
  EXPECT_EQ(verdict(verify_message(m)), "ok");
  // Only responses may drop the required payloads.
  auto req = wire(make_message(ExchangeType::IKE_SA_INIT, flags::kInitiator, 0, 1, 0,
                               {make_notify(NotifyType::INVALID_KE_PAYLOAD, hex("001f"))}));
  EXPECT_FALSE(verify_message(req).ok());
  // A status notify alone is not an answer, except COOKIE (RFC 7296 2.6).
  auto status = wire(make_message(ExchangeType::IKE_SA_INIT, flags::kResponse, 0, 1, 0,
                                  {make_notify(NotifyType::IKEV2_FRAGMENTATION_SUPPORTED)}));
  EXPECT_EQ(verdict(verify_message(status)), "IKE_SA_INIT response lacks SA payload (needs 1) [INVALID_SYNTAX]");
  auto cookie = wire(make_message(ExchangeType::IKE_SA_INIT, flags::kResponse, 0, 1, 0,
                                  {make_notify(NotifyType::COOKIE, Bytes(16, 7))}));
  EXPECT_EQ(verdict(verify_message(cookie)), "ok");
}

TEST(Rules, IkeAuthInPlaintextIsRejected) {
  IdPayload id{IdType::ID_FQDN, 0, core::to_bytes("a.example")};
  auto m = wire(make_message(ExchangeType::IKE_AUTH, flags::kInitiator, 1, 1, 2,
                             {Payload(PayloadType::IDi, id), Payload(PayloadType::AUTH, AuthPayload{})}));
  EXPECT_EQ(verdict(verify_message(m)), "IKE_AUTH request is not protected by an SK or SKF payload [INVALID_SYNTAX]");
  auto protected_m = wire(make_message(ExchangeType::IKE_AUTH, flags::kInitiator, 1, 1, 2, {sk(PayloadType::IDi)}));
  EXPECT_EQ(verdict(verify_message(protected_m)), "ok");
  auto mixed = wire(make_message(ExchangeType::IKE_AUTH, flags::kInitiator, 1, 1, 2,
                                 {Payload(PayloadType::IDi, id), sk(PayloadType::AUTH)}));
  EXPECT_EQ(verdict(verify_message(mixed)), "IDi payload outside SK in IKE_AUTH request [INVALID_SYNTAX]");
}

TEST(Rules, InformationalMayCarryCp) {
  CpPayload cp;
  cp.cfg_type = CfgType::CFG_REQUEST;
  cp.attributes = {CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS)};
  std::vector<Payload> inner = {Payload(PayloadType::CP, cp)};
  EXPECT_EQ(verdict(verify_inner(ExchangeType::INFORMATIONAL, false, inner)), "ok");
  // An empty INFORMATIONAL request is a liveness check.
  EXPECT_EQ(verdict(verify_inner(ExchangeType::INFORMATIONAL, false, {})), "ok");
  // KE has no place there.
  inner.push_back(ke());
  EXPECT_EQ(verdict(verify_inner(ExchangeType::INFORMATIONAL, false, inner)),
            "KE payload is not allowed inside SK of INFORMATIONAL request [INVALID_SYNTAX]");
}

TEST(Rules, TwoSaPayloadsInIkeAuthRequestAreRejected) {
  IdPayload id{IdType::ID_FQDN, 0, core::to_bytes("a.example")};
  TsPayload ts;
  ts.selectors.resize(1);
  ts.selectors[0].start_address = hex("00000000");
  ts.selectors[0].end_address = hex("ffffffff");
  std::vector<Payload> inner = {Payload(PayloadType::IDi, id), Payload(PayloadType::AUTH, AuthPayload{}), sa(),
                                Payload(PayloadType::TSi, ts), Payload(PayloadType::TSr, ts)};
  EXPECT_EQ(verdict(verify_inner(ExchangeType::IKE_AUTH, false, inner)), "ok");
  inner.push_back(sa());
  EXPECT_EQ(verdict(verify_inner(ExchangeType::IKE_AUTH, false, inner)),
            "IKE_AUTH request carries 2 SA payloads (at most 1) [INVALID_SYNTAX]");
}

TEST(Rules, CreateChildSaNeedsSaAndNonce) {
  std::vector<Payload> inner = {sa()};
  EXPECT_EQ(verdict(verify_inner(ExchangeType::CREATE_CHILD_SA, false, inner)),
            "CREATE_CHILD_SA request lacks NONCE payload (needs 1) [INVALID_SYNTAX]");
  // An error response is the Notify alone (RFC 7296 1.3).
  std::vector<Payload> refusal = {make_notify(NotifyType::NO_ADDITIONAL_SAS)};
  EXPECT_EQ(verdict(verify_inner(ExchangeType::CREATE_CHILD_SA, true, refusal)), "ok");
}

TEST(Rules, TableRowsAreWellFormed) {
  for (const auto& r : payload_rules()) {
    EXPECT_LE(r.min, r.max) << label(r.exchange) << " " << label(r.type);
    EXPECT_TRUE(is_understood(r.type)) << label(r.type);
    EXPECT_EQ(r.placement == Placement::Plain, r.exchange == ExchangeType::IKE_SA_INIT) << label(r.exchange);
  }
}

}  // namespace
}  // namespace ikeh::codec
