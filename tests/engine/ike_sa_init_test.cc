// SPDX-License-Identifier: Apache-2.0
// IKE_SA_INIT as a role-split task: two engines in one process with seeded
// randomness (DESIGN rule 8). Key agreement over several groups and suites
// (RFC 7296 2.14), reproducibility, the INVALID_KE_PAYLOAD round trip (1.2),
// the COOKIE round trip (2.6, 2.6.1), NO_PROPOSAL_CHOSEN, NAT detection
// (2.23), the fragmentation notify (RFC 7383 2.3) and the exact bytes kept
// for AUTH (2.15).
#include "harness/engine/ike_sa_init.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>

#include "harness/codec/message.h"
#include "harness/codec/payload.h"
#include "harness/crypto/digest.h"

namespace ikeh::engine {
namespace {

using codec::KePayload;
using codec::NotifyPayload;
using codec::NotifyType;
using codec::PayloadType;
using codec::SaPayload;

RandomSource seeded(uint64_t seed) {
  auto gen = std::make_shared<std::mt19937_64>(seed);
  return [gen](uint8_t* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>((*gen)());
  };
}

const Endpoint kInitiatorAddr{{192, 0, 2, 1}, 500};
const Endpoint kResponderAddr{{198, 51, 100, 1}, 500};

Suite gcm(DhGroup g) {
  return ike_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, PrfId::PRF_HMAC_SHA2_256, g);
}
Suite cbc(DhGroup g) {
  return ike_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_HMAC_SHA2_256_128, PrfId::PRF_HMAC_SHA2_256, g);
}

IkeSaInitConfig initiator_config(std::vector<Suite> suites) {
  IkeSaInitConfig c;
  c.policy.suites = std::move(suites);
  c.local = kInitiatorAddr;
  c.remote = kResponderAddr;
  return c;
}
IkeSaInitConfig responder_config(std::vector<Suite> suites) {
  IkeSaInitConfig c;
  c.policy.suites = std::move(suites);
  c.local = kResponderAddr;
  c.remote = kInitiatorAddr;
  return c;
}

// Everything that crossed the wire, and both sides' view at the end.
struct Transcript {
  std::vector<Bytes> requests;
  std::vector<Bytes> responses;
  std::vector<ResponderOutcome> outcomes;
  std::optional<IkeSaInitResult> initiator;
  std::optional<IkeSaInitResult> responder;
  std::optional<core::Error> initiator_error;
  Bytes expected_cookie;  // what the responder expects for the final request
};

Transcript exchange(const IkeSaInitConfig& ic, const IkeSaInitConfig& rc, CookieConfig cookie = {}, uint64_t seed_i = 1,
        uint64_t seed_r = 2) {
  Transcript out;
  IkeSaInitInitiator init(ic, seeded(seed_i));
  IkeSaInitResponder resp(rc, cookie, seeded(seed_r));
  auto req = init.build_request();
  EXPECT_TRUE(req.ok()) << req.error().to_string();
  if (!req) return out;
  Bytes request = *req;
  for (int round = 0; round < 6; ++round) {
    out.requests.push_back(request);
    auto step_r = resp.process_request(request);
    EXPECT_TRUE(step_r.ok()) << step_r.error().to_string();
    if (!step_r) return out;
    out.outcomes.push_back(step_r->outcome);
    out.responses.push_back(step_r->response);
    auto step_i = init.process_response(step_r->response);
    if (!step_i) {
      out.initiator_error = step_i.error();
      return out;
    }
    if (step_i->outcome == InitiatorOutcome::Established) break;
    EXPECT_EQ(init.request(), step_i->request);
    request = step_i->request;
  }
  out.initiator = init.result();
  out.responder = resp.result();
  if (cookie.require) {
    auto m = codec::decode_message(out.requests.back());
    auto c = resp.expected_cookie(init.spi_i(), m->find(PayloadType::NONCE)->as<codec::NoncePayload>()->data);
    if (c) out.expected_cookie = *c;
  }
  return out;
}

codec::Message decode(const Bytes& b) {
  auto m = codec::decode_message(b);
  EXPECT_TRUE(m.ok()) << m.error().to_string();
  return m ? std::move(m).value() : codec::Message{};
}

void expect_same_keys(const IkeSaInitResult& a, const IkeSaInitResult& b) {
  EXPECT_EQ(a.spi_i, b.spi_i);
  EXPECT_EQ(a.spi_r, b.spi_r);
  EXPECT_EQ(a.ni, b.ni);
  EXPECT_EQ(a.nr, b.nr);
  EXPECT_TRUE(a.skeyseed == b.skeyseed);
  EXPECT_FALSE(a.skeyseed.empty());
  EXPECT_TRUE(a.keys.sk_d == b.keys.sk_d);
  EXPECT_TRUE(a.keys.sk_ai == b.keys.sk_ai);
  EXPECT_TRUE(a.keys.sk_ar == b.keys.sk_ar);
  EXPECT_TRUE(a.keys.sk_ei == b.keys.sk_ei);
  EXPECT_TRUE(a.keys.sk_er == b.keys.sk_er);
  EXPECT_TRUE(a.keys.sk_pi == b.keys.sk_pi);
  EXPECT_TRUE(a.keys.sk_pr == b.keys.sk_pr);
  EXPECT_FALSE(a.keys.sk_ei == a.keys.sk_er);
}

struct KeyCase {
  const char* name;
  Suite suite;
};

class IkeSaInitKeys : public ::testing::TestWithParam<KeyCase> {};

TEST_P(IkeSaInitKeys, BothSidesDeriveTheSameKeys) {
  const Suite s = GetParam().suite;
  Transcript r = exchange(initiator_config({s}), responder_config({s}));
  ASSERT_TRUE(r.initiator && r.responder);
  ASSERT_EQ(r.outcomes, std::vector<ResponderOutcome>{ResponderOutcome::Established});
  expect_same_keys(*r.initiator, *r.responder);
  EXPECT_EQ(r.initiator->group, s.dh);
  EXPECT_EQ(r.initiator->selection.suite, s);
  EXPECT_EQ(r.responder->selection.suite, s);
  const bool aead = s.encr == EncrId::ENCR_AES_GCM_16;
  EXPECT_EQ(r.initiator->keys.sk_ai.empty(), aead);
  // Same addresses on both sides: no NAT.
  EXPECT_TRUE(r.initiator->peer_sent_nat_detection);
  EXPECT_TRUE(r.responder->peer_sent_nat_detection);
  EXPECT_FALSE(r.initiator->nat_detected());
  EXPECT_FALSE(r.responder->nat_detected());
}

INSTANTIATE_TEST_SUITE_P(Suites, IkeSaInitKeys,
                         ::testing::Values(KeyCase{"Ecp256Gcm", gcm(DhGroup::ECP_256)},
                                           KeyCase{"Ecp256Cbc", cbc(DhGroup::ECP_256)},
                                           KeyCase{"Modp2048Gcm", gcm(DhGroup::MODP_2048)},
                                           KeyCase{"Modp2048Cbc", cbc(DhGroup::MODP_2048)},
                                           KeyCase{"Curve25519Gcm", gcm(DhGroup::CURVE25519)},
                                           KeyCase{"Curve25519Cbc", cbc(DhGroup::CURVE25519)}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(IkeSaInit, RequestLayout) {
  auto ic = initiator_config({gcm(DhGroup::ECP_256), cbc(DhGroup::MODP_2048)});
  ic.fragmentation = true;
  ic.signature_hashes = {2, 3, 4};
  IkeSaInitInitiator init(ic, seeded(7));
  auto req = init.build_request();
  ASSERT_TRUE(req.ok()) << req.error().to_string();
  auto m = decode(*req);
  EXPECT_EQ(m.header.spi_i, init.spi_i());
  EXPECT_NE(m.header.spi_i, 0u);
  EXPECT_EQ(m.header.spi_r, 0u);
  EXPECT_EQ(m.header.message_id, 0u);
  EXPECT_EQ(m.header.flags, codec::flags::kInitiator);
  EXPECT_EQ(m.payload_types(), (std::vector<PayloadType>{PayloadType::SA, PayloadType::KE, PayloadType::NONCE,
                                                         PayloadType::N, PayloadType::N, PayloadType::N,
                                                         PayloadType::N}));
  EXPECT_EQ(m.find(PayloadType::SA)->as<SaPayload>()->proposals.size(), 2u);
  EXPECT_EQ(m.find(PayloadType::KE)->as<KePayload>()->group, DhGroup::ECP_256);
  EXPECT_EQ(m.find(PayloadType::NONCE)->as<codec::NoncePayload>()->data.size(), 32u);
  ASSERT_NE(m.find_notify(NotifyType::IKEV2_FRAGMENTATION_SUPPORTED), nullptr);
  EXPECT_EQ(m.find_notify(NotifyType::SIGNATURE_HASH_ALGORITHMS)->data, (Bytes{0, 2, 0, 3, 0, 4}));
  EXPECT_EQ(init.request(), *req);
}

TEST(IkeSaInit, SameSeedSameBytesOtherSeedOtherBytes) {
  const auto ic = initiator_config({gcm(DhGroup::ECP_256)});
  const auto rc = responder_config({gcm(DhGroup::ECP_256)});
  Transcript a = exchange(ic, rc, {}, 11, 12);
  Transcript b = exchange(ic, rc, {}, 11, 12);
  Transcript c = exchange(ic, rc, {}, 13, 14);
  ASSERT_TRUE(a.initiator && b.initiator && c.initiator);
  EXPECT_EQ(a.requests, b.requests);
  EXPECT_EQ(a.responses, b.responses);
  EXPECT_TRUE(a.initiator->keys.sk_d == b.initiator->keys.sk_d);
  EXPECT_NE(a.requests, c.requests);
  EXPECT_NE(a.responses, c.responses);
  EXPECT_FALSE(a.initiator->keys.sk_d == c.initiator->keys.sk_d);
}

TEST(IkeSaInit, InvalidKeRoundTrip) {
  // The initiator prefers 19 and also offers 14; the responder (local order)
  // prefers 14, so the KE for 19 is refused (RFC 7296 1.2).
  auto ic = initiator_config({gcm(DhGroup::ECP_256), gcm(DhGroup::MODP_2048)});
  auto rc = responder_config({gcm(DhGroup::MODP_2048), gcm(DhGroup::ECP_256)});
  Transcript r = exchange(ic, rc);
  ASSERT_EQ(r.outcomes,
            (std::vector<ResponderOutcome>{ResponderOutcome::InvalidKe, ResponderOutcome::Established}));
  ASSERT_TRUE(r.initiator && r.responder);
  expect_same_keys(*r.initiator, *r.responder);
  EXPECT_EQ(r.initiator->group, DhGroup::MODP_2048);

  auto refusal = decode(r.responses[0]);
  EXPECT_EQ(refusal.header.spi_r, 0u);
  ASSERT_NE(refusal.find_notify(NotifyType::INVALID_KE_PAYLOAD), nullptr);
  EXPECT_EQ(refusal.find_notify(NotifyType::INVALID_KE_PAYLOAD)->data, (Bytes{0x00, 0x0e}));

  auto first = decode(r.requests[0]);
  auto retry = decode(r.requests[1]);
  EXPECT_EQ(retry.header.spi_i, first.header.spi_i);
  EXPECT_EQ(retry.header.message_id, 0u);
  EXPECT_EQ(retry.header.spi_r, 0u);
  EXPECT_EQ(first.find(PayloadType::KE)->as<KePayload>()->group, DhGroup::ECP_256);
  EXPECT_EQ(retry.find(PayloadType::KE)->as<KePayload>()->group, DhGroup::MODP_2048);
  // The full proposal list again: the refusal was unauthenticated.
  EXPECT_EQ(codec::encode_body(retry.find(PayloadType::SA)->body),
            codec::encode_body(first.find(PayloadType::SA)->body));
  EXPECT_EQ(retry.find(PayloadType::SA)->as<SaPayload>()->proposals.size(), 2u);
}

TEST(IkeSaInit, InvalidKeForAGroupNotOfferedFails) {
  auto ic = initiator_config({gcm(DhGroup::ECP_256)});
  IkeSaInitInitiator init(ic, seeded(3));
  auto req = init.build_request();
  ASSERT_TRUE(req.ok());
  auto resp = codec::encode_message(
      codec::make_message(codec::ExchangeType::IKE_SA_INIT, codec::flags::kResponse, 0, init.spi_i(), 0,
                          {codec::make_notify(NotifyType::INVALID_KE_PAYLOAD, Bytes{0x00, 0x0e})}));
  EXPECT_FALSE(init.process_response(resp).ok());
}

TEST(IkeSaInit, CookieRoundTrip) {
  const auto ic = initiator_config({gcm(DhGroup::ECP_256)});
  const auto rc = responder_config({gcm(DhGroup::ECP_256)});
  CookieConfig cookie{true, core::to_bytes("responder secret")};
  Transcript r = exchange(ic, rc, cookie);
  ASSERT_EQ(r.outcomes,
            (std::vector<ResponderOutcome>{ResponderOutcome::CookieRequired, ResponderOutcome::Established}));
  ASSERT_TRUE(r.initiator && r.responder);
  expect_same_keys(*r.initiator, *r.responder);

  auto answer = decode(r.responses[0]);
  EXPECT_EQ(answer.header.spi_r, 0u);
  ASSERT_EQ(answer.payloads.size(), 1u);
  const auto* c = answer.find_notify(NotifyType::COOKIE);
  ASSERT_NE(c, nullptr);
  EXPECT_GE(c->data.size(), 1u);
  EXPECT_LE(c->data.size(), 64u);

  auto first = decode(r.requests[0]);
  auto retry = decode(r.requests[1]);
  EXPECT_EQ(retry.header.spi_i, first.header.spi_i);
  EXPECT_EQ(retry.header.message_id, 0u);
  ASSERT_FALSE(retry.payloads.empty());
  const auto* first_payload = retry.payloads.front().as<NotifyPayload>();
  ASSERT_NE(first_payload, nullptr);
  EXPECT_EQ(first_payload->type, NotifyType::COOKIE);
  EXPECT_EQ(first_payload->data, c->data);
  EXPECT_EQ(first_payload->data, r.expected_cookie);
  // The rest of the request is unchanged (RFC 7296 2.6).
  ASSERT_EQ(retry.payloads.size(), first.payloads.size() + 1);
  for (std::size_t i = 0; i < first.payloads.size(); ++i)
    EXPECT_EQ(codec::encode_body(retry.payloads[i + 1].body), codec::encode_body(first.payloads[i].body)) << i;
}

TEST(IkeSaInit, WrongCookieGetsAFreshCookie) {
  const auto rc = responder_config({gcm(DhGroup::ECP_256)});
  IkeSaInitResponder resp(rc, CookieConfig{true, core::to_bytes("secret")}, seeded(5));
  IkeSaInitInitiator init(initiator_config({gcm(DhGroup::ECP_256)}), seeded(6));
  auto req = init.build_request();
  ASSERT_TRUE(req.ok());
  auto m = decode(*req);
  m.payloads.insert(m.payloads.begin(), codec::make_notify(NotifyType::COOKIE, Bytes(32, 0xaa)));
  auto step = resp.process_request(codec::encode_message(m));
  ASSERT_TRUE(step.ok()) << step.error().to_string();
  EXPECT_EQ(step->outcome, ResponderOutcome::CookieRequired);
  EXPECT_FALSE(resp.result().has_value());
}

TEST(IkeSaInit, CookieThenInvalidKeKeepsTheCookieFirst) {
  // RFC 7296 2.6.1: after an INVALID_KE_PAYLOAD the retry still starts with
  // the cookie.
  auto ic = initiator_config({gcm(DhGroup::ECP_256), gcm(DhGroup::MODP_2048)});
  auto rc = responder_config({gcm(DhGroup::MODP_2048)});
  Transcript r = exchange(ic, rc, CookieConfig{true, core::to_bytes("k")});
  ASSERT_EQ(r.outcomes, (std::vector<ResponderOutcome>{ResponderOutcome::CookieRequired,
                                                        ResponderOutcome::InvalidKe, ResponderOutcome::Established}));
  ASSERT_TRUE(r.initiator && r.responder);
  expect_same_keys(*r.initiator, *r.responder);
  auto last = decode(r.requests[2]);
  ASSERT_NE(last.payloads.front().as<NotifyPayload>(), nullptr);
  EXPECT_EQ(last.payloads.front().as<NotifyPayload>()->type, NotifyType::COOKIE);
  EXPECT_EQ(last.find(PayloadType::KE)->as<KePayload>()->group, DhGroup::MODP_2048);
}

TEST(IkeSaInit, NoProposalChosen) {
  Transcript r = exchange(initiator_config({gcm(DhGroup::ECP_256)}), responder_config({cbc(DhGroup::MODP_2048)}));
  ASSERT_EQ(r.outcomes, std::vector<ResponderOutcome>{ResponderOutcome::NoProposalChosen});
  auto answer = decode(r.responses[0]);
  EXPECT_EQ(answer.header.spi_r, 0u);
  EXPECT_NE(answer.find_notify(NotifyType::NO_PROPOSAL_CHOSEN), nullptr);
  ASSERT_TRUE(r.initiator_error.has_value());
  EXPECT_EQ(r.initiator_error->notify, static_cast<uint16_t>(NotifyType::NO_PROPOSAL_CHOSEN));
  EXPECT_FALSE(r.initiator.has_value());
  EXPECT_FALSE(r.responder.has_value());
}

TEST(IkeSaInit, Sha1KnownAnswer) {
  // FIPS 180-2 appendix A.1: SHA-1("abc").
  auto h = crypto::sha1(core::to_bytes("abc"));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(core::to_hex(*h), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(IkeSaInit, NatDetectionHashesFollowRfc7296) {
  IkeSaInitInitiator init(initiator_config({gcm(DhGroup::ECP_256)}), seeded(9));
  auto req = init.build_request();
  ASSERT_TRUE(req.ok());
  auto m = decode(*req);
  // RFC 7296 2.23: SHA-1(SPIi | SPIr | IP | port), built here byte by byte.
  Bytes input;
  for (int i = 7; i >= 0; --i) input.push_back(static_cast<uint8_t>(init.spi_i() >> (8 * i)));
  input.insert(input.end(), 8, 0);  // SPIr is 0 in the request
  input.insert(input.end(), {192, 0, 2, 1, 0x01, 0xf4});
  auto expected = crypto::sha1(input);
  ASSERT_TRUE(expected.ok());
  ASSERT_NE(m.find_notify(NotifyType::NAT_DETECTION_SOURCE_IP), nullptr);
  EXPECT_EQ(m.find_notify(NotifyType::NAT_DETECTION_SOURCE_IP)->data, *expected);
  EXPECT_EQ(m.find_notify(NotifyType::NAT_DETECTION_SOURCE_IP)->data.size(), 20u);
  auto dst = nat_detection_hash(init.spi_i(), 0, kResponderAddr);
  ASSERT_TRUE(dst.ok());
  EXPECT_EQ(m.find_notify(NotifyType::NAT_DETECTION_DESTINATION_IP)->data, *dst);
}

TEST(IkeSaInit, NatDetectedWhenAddressesDiffer) {
  // A NAT rewrote the initiator's source: the responder sees 203.0.113.5:4501.
  auto rc = responder_config({gcm(DhGroup::ECP_256)});
  rc.remote = Endpoint{{203, 0, 113, 5}, 4501};
  Transcript r = exchange(initiator_config({gcm(DhGroup::ECP_256)}), rc);
  ASSERT_TRUE(r.initiator && r.responder);
  EXPECT_TRUE(r.responder->remote_behind_nat);
  EXPECT_FALSE(r.responder->local_behind_nat);
  EXPECT_TRUE(r.initiator->local_behind_nat);
  EXPECT_FALSE(r.initiator->remote_behind_nat);
  EXPECT_TRUE(r.initiator->nat_detected());
  // The response's hashes use the real SPIr (RFC 7296 2.23).
  auto resp = decode(r.responses.back());
  auto src = nat_detection_hash(r.responder->spi_i, r.responder->spi_r, kResponderAddr);
  ASSERT_TRUE(src.ok());
  EXPECT_EQ(resp.find_notify(NotifyType::NAT_DETECTION_SOURCE_IP)->data, *src);
}

TEST(IkeSaInit, FragmentationNeedsBothSides) {
  auto ic = initiator_config({gcm(DhGroup::ECP_256)});
  auto rc = responder_config({gcm(DhGroup::ECP_256)});
  ic.fragmentation = true;
  Transcript one = exchange(ic, rc);
  ASSERT_TRUE(one.initiator && one.responder);
  EXPECT_FALSE(one.initiator->fragmentation);
  EXPECT_FALSE(one.responder->fragmentation);
  EXPECT_EQ(decode(one.responses.back()).find_notify(NotifyType::IKEV2_FRAGMENTATION_SUPPORTED), nullptr);
  rc.fragmentation = true;
  rc.signature_hashes = {2};
  ic.signature_hashes = {2, 3};
  Transcript both = exchange(ic, rc);
  ASSERT_TRUE(both.initiator && both.responder);
  EXPECT_TRUE(both.initiator->fragmentation);
  EXPECT_TRUE(both.responder->fragmentation);
  EXPECT_EQ(both.initiator->peer_signature_hashes, std::vector<uint16_t>{2});
  EXPECT_EQ(both.responder->peer_signature_hashes, (std::vector<uint16_t>{2, 3}));
}

TEST(IkeSaInit, ExactBytesAreKept) {
  Transcript r = exchange(initiator_config({gcm(DhGroup::ECP_256), gcm(DhGroup::MODP_2048)}),
              responder_config({gcm(DhGroup::MODP_2048)}), CookieConfig{true, core::to_bytes("s")});
  ASSERT_TRUE(r.initiator && r.responder);
  ASSERT_EQ(r.requests.size(), 3u);
  EXPECT_EQ(r.initiator->request, r.requests.back());
  EXPECT_EQ(r.responder->request, r.requests.back());
  EXPECT_EQ(r.initiator->response, r.responses.back());
  EXPECT_EQ(r.responder->response, r.responses.back());
}

TEST(IkeSaInit, ResponderRejectsAResponseShapedRequest) {
  IkeSaInitResponder resp(responder_config({gcm(DhGroup::ECP_256)}), {}, seeded(1));
  Transcript r = exchange(initiator_config({gcm(DhGroup::ECP_256)}), responder_config({gcm(DhGroup::ECP_256)}));
  ASSERT_FALSE(r.responses.empty());
  EXPECT_FALSE(resp.process_request(r.responses.back()).ok());
  EXPECT_FALSE(resp.process_request(Bytes{1, 2, 3}).ok());
}

}  // namespace
}  // namespace ikeh::engine
