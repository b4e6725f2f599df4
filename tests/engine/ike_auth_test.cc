// SPDX-License-Identifier: Apache-2.0
// IKE_AUTH with PSK as a role-split task: IKE_SA_INIT then IKE_AUTH between
// two engines in one process with seeded randomness. Agreement on the Child
// SA (RFC 7296 2.17), the AUTH value recomputed from the exact IKE_SA_INIT
// bytes (2.15), AUTHENTICATION_FAILED (2.21.2), a refused Child SA with the
// IKE SA kept (1.2, 2.21.3), traffic selector narrowing (2.9) and the CP
// exchange (2.19).
#include "harness/engine/ike_auth.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

#include "harness/codec/message.h"
#include "harness/codec/payload.h"
#include "harness/crypto/auth.h"
#include "harness/crypto/sk.h"

namespace ikeh::engine {
namespace {

using codec::AuthPayload;
using codec::CfgAttribute;
using codec::CfgAttributeType;
using codec::IdPayload;
using codec::IdType;
using codec::NotifyType;
using codec::Payload;
using codec::PayloadType;
using codec::TrafficSelector;

RandomSource seeded(uint64_t seed) {
  auto gen = std::make_shared<std::mt19937_64>(seed);
  return [gen](uint8_t* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>((*gen)());
  };
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }
crypto::Secret secret(const std::string& s) { return crypto::Secret(text(s)); }

IdPayload fqdn(const std::string& name) {
  IdPayload id;
  id.id_type = IdType::ID_FQDN;
  id.data = text(name);
  return id;
}

const Endpoint kInitiatorAddr{{192, 0, 2, 1}, 500};
const Endpoint kResponderAddr{{198, 51, 100, 1}, 500};
const Bytes kAny4{0, 0, 0, 0};

Suite ike_cbc() {
  return ike_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_HMAC_SHA2_256_128, PrfId::PRF_HMAC_SHA2_256,
                   DhGroup::ECP_256);
}
Suite ike_gcm() {
  return ike_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, PrfId::PRF_HMAC_SHA2_256, DhGroup::ECP_256);
}
Suite esp_gcm() { return esp_suite(EncrId::ENCR_AES_GCM_16, 256, IntegId::AUTH_NONE, EsnId::NO_ESN); }
Suite esp_cbc() { return esp_suite(EncrId::ENCR_AES_CBC, 128, IntegId::AUTH_HMAC_SHA2_256_128, EsnId::NO_ESN); }

Policy esp_policy(std::vector<Suite> suites) {
  Policy p;
  p.protocol = ProtocolId::ESP;
  p.suites = std::move(suites);
  return p;
}

// The IKE_SA_INIT results of both sides.
struct InitPair {
  IkeSaInitResult initiator;
  IkeSaInitResult responder;
};

std::optional<InitPair> run_ike_sa_init(Suite ike) {
  IkeSaInitConfig ic;
  ic.policy.suites = {ike};
  ic.local = kInitiatorAddr;
  ic.remote = kResponderAddr;
  IkeSaInitConfig rc = ic;
  rc.local = kResponderAddr;
  rc.remote = kInitiatorAddr;
  IkeSaInitInitiator init(ic, seeded(11));
  IkeSaInitResponder resp(rc, {}, seeded(12));
  auto req = init.build_request();
  EXPECT_TRUE(req.ok()) << req.error().to_string();
  if (!req) return std::nullopt;
  auto r = resp.process_request(*req);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  if (!r) return std::nullopt;
  auto i = init.process_response(r->response);
  EXPECT_TRUE(i.ok()) << i.error().to_string();
  if (!i || !init.result() || !resp.result()) return std::nullopt;
  return InitPair{*init.result(), *resp.result()};
}

IkeAuthInitiatorConfig initiator_config() {
  IkeAuthInitiatorConfig c;
  c.idi = fqdn("initiator.example");
  c.psk = secret("correct horse battery staple");
  c.child_policy = esp_policy({esp_gcm(), esp_cbc()});
  c.tsi = {prefix_selector(kAny4, 0)};
  c.tsr = {prefix_selector(kAny4, 0)};
  c.initial_contact = true;
  return c;
}

IkeAuthResponderConfig responder_config() {
  IkeAuthResponderConfig c;
  c.idr = fqdn("responder.example");
  c.psk_lookup = [](const IdPayload& idi) -> std::optional<crypto::Secret> {
    if (idi.id_type == IdType::ID_FQDN && idi.data == text("initiator.example"))
      return secret("correct horse battery staple");
    return std::nullopt;
  };
  c.child_policy = esp_policy({esp_gcm(), esp_cbc()});
  c.tsi = {prefix_selector(kAny4, 0)};
  c.tsr = {prefix_selector(kAny4, 0)};
  return c;
}

struct AuthRun {
  std::optional<InitPair> init;
  Bytes request;
  Bytes response;
  std::optional<IkeAuthResponderStep> responder;
  std::optional<core::Result<IkeAuthResult>> initiator;
};

AuthRun run(const IkeAuthInitiatorConfig& ic, const IkeAuthResponderConfig& rc, Suite ike = ike_gcm()) {
  AuthRun out;
  out.init = run_ike_sa_init(ike);
  if (!out.init) return out;
  IkeAuthInitiator init(out.init->initiator, ic, seeded(21));
  IkeAuthResponder resp(out.init->responder, rc, seeded(22));
  auto req = init.build_request();
  EXPECT_TRUE(req.ok()) << req.error().to_string();
  if (!req) return out;
  out.request = *req;
  auto step = resp.process_request(out.request);
  EXPECT_TRUE(step.ok()) << step.error().to_string();
  if (!step) return out;
  out.responder = *step;
  out.response = step->response;
  out.initiator = init.process_response(out.response);
  return out;
}

// The decrypted inner chain of one IKE_AUTH message.
std::vector<Payload> inner_of(const Bytes& wire, const IkeSaInitResult& sa, bool initiator_sent) {
  auto m = codec::decode_message(wire);
  EXPECT_TRUE(m.ok());
  if (!m) return {};
  auto plain = crypto::unprotect(*sa.selection.key_suite, crypto::keys_for(sa.keys, initiator_sent), *m, wire);
  EXPECT_TRUE(plain.ok()) << plain.error().to_string();
  if (!plain) return {};
  auto inner = codec::decode_payloads(plain->first_inner, plain->inner);
  EXPECT_TRUE(inner.ok());
  return inner ? std::move(inner).value() : std::vector<Payload>{};
}

std::vector<PayloadType> types_of(const std::vector<Payload>& inner) {
  std::vector<PayloadType> t;
  for (const auto& p : inner) t.push_back(p.type);
  return t;
}

const Payload* find(const std::vector<Payload>& inner, PayloadType t) {
  for (const auto& p : inner)
    if (p.type == t) return &p;
  return nullptr;
}

void expect_same_child(const ChildSa& a, const ChildSa& b) {
  EXPECT_EQ(a.selection.suite, b.selection.suite);
  EXPECT_EQ(a.spi_i, b.spi_i);
  EXPECT_EQ(a.spi_r, b.spi_r);
  EXPECT_EQ(a.spi_i.size(), 4u);
  EXPECT_EQ(a.spi_r.size(), 4u);
  EXPECT_NE(a.spi_i, a.spi_r);
  EXPECT_TRUE(a.keys.encr_i == b.keys.encr_i);
  EXPECT_TRUE(a.keys.encr_r == b.keys.encr_r);
  EXPECT_TRUE(a.keys.integ_i == b.keys.integ_i);
  EXPECT_TRUE(a.keys.integ_r == b.keys.integ_r);
  EXPECT_FALSE(a.keys.encr_i.empty());
  EXPECT_FALSE(a.keys.encr_i == a.keys.encr_r);
  ASSERT_EQ(a.tsi.size(), b.tsi.size());
  ASSERT_EQ(a.tsr.size(), b.tsr.size());
  for (std::size_t i = 0; i < a.tsi.size(); ++i) EXPECT_TRUE(covers(a.tsi[i], b.tsi[i]) && covers(b.tsi[i], a.tsi[i]));
  for (std::size_t i = 0; i < a.tsr.size(); ++i) EXPECT_TRUE(covers(a.tsr[i], b.tsr[i]) && covers(b.tsr[i], a.tsr[i]));
}

TEST(IkeAuth, BothSidesAgreeOnTheChildSa) {
  for (Suite ike : {ike_gcm(), ike_cbc()}) {
    for (Suite esp : {esp_gcm(), esp_cbc()}) {
      SCOPED_TRACE(ike.to_string(ProtocolId::IKE) + " + " + esp.to_string(ProtocolId::ESP));
      auto ic = initiator_config();
      auto rc = responder_config();
      ic.child_policy = esp_policy({esp});
      AuthRun r = run(ic, rc, ike);
      ASSERT_TRUE(r.responder && r.initiator);
      ASSERT_TRUE(r.initiator->ok()) << r.initiator->error().to_string();
      const IkeAuthResult& ir = r.initiator->value();
      const IkeAuthResult& rr = r.responder->result;
      EXPECT_EQ(ir.outcome, IkeAuthOutcome::Established);
      EXPECT_EQ(rr.outcome, IkeAuthOutcome::Established);
      EXPECT_EQ(ir.peer_id.data, text("responder.example"));
      EXPECT_EQ(rr.peer_id.data, text("initiator.example"));
      ASSERT_TRUE(ir.child && rr.child);
      EXPECT_EQ(ir.child->selection.suite, esp);
      expect_same_child(*ir.child, *rr.child);
      EXPECT_EQ(ir.child->selection.peer_spi, ir.child->spi_r);
      EXPECT_EQ(rr.child->selection.peer_spi, rr.child->spi_i);
      if (esp.integ == IntegId::AUTH_NONE) {
        EXPECT_TRUE(ir.child->keys.integ_i.empty());
      } else {
        EXPECT_FALSE(ir.child->keys.integ_i.empty());
      }
    }
  }
}

TEST(IkeAuth, RequestLayoutFollowsRfc7296) {
  auto ic = initiator_config();
  ic.idr = fqdn("responder.example");
  ic.cp_request = std::vector<CfgAttribute>{CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS)};
  AuthRun r = run(ic, responder_config());
  ASSERT_TRUE(r.init && !r.request.empty());
  auto m = codec::decode_message(r.request);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->header.exchange_type, codec::ExchangeType::IKE_AUTH);
  EXPECT_EQ(m->header.message_id, 1u);
  EXPECT_TRUE(m->header.is_initiator());
  EXPECT_FALSE(m->header.is_response());
  auto inner = inner_of(r.request, r.init->initiator, true);
  // 2.19: CP(CFG_REQUEST) comes before SAi2.
  EXPECT_EQ(types_of(inner), (std::vector<PayloadType>{PayloadType::IDi, PayloadType::IDr, PayloadType::AUTH,
                                                         PayloadType::CP, PayloadType::SA, PayloadType::TSi,
                                                         PayloadType::TSr, PayloadType::N}));
  EXPECT_EQ(inner.back().as<codec::NotifyPayload>()->type, NotifyType::INITIAL_CONTACT);
}

TEST(IkeAuth, AuthValuesMatchAnIndependentComputation) {
  auto ic = initiator_config();
  auto rc = responder_config();
  AuthRun r = run(ic, rc);
  ASSERT_TRUE(r.init && r.initiator && r.initiator->ok());
  const IkeSaInitResult& sa = r.init->initiator;
  PrfId prf = sa.selection.suite.prf;

  auto req_inner = inner_of(r.request, sa, true);
  const auto* auth_i = find(req_inner, PayloadType::AUTH);
  ASSERT_NE(auth_i, nullptr);
  EXPECT_EQ(auth_i->as<AuthPayload>()->method, codec::AuthMethod::SHARED_KEY_MIC);
  auto octets_i = crypto::signed_octets(prf, sa.request, sa.nr, sa.keys.sk_pi.view(), crypto::id_payload_body(ic.idi));
  ASSERT_TRUE(octets_i.ok());
  auto expect_i = crypto::psk_auth(prf, ic.psk, *octets_i);
  ASSERT_TRUE(expect_i.ok());
  EXPECT_EQ(auth_i->as<AuthPayload>()->data, *expect_i);

  auto resp_inner = inner_of(r.response, sa, false);
  const auto* auth_r = find(resp_inner, PayloadType::AUTH);
  ASSERT_NE(auth_r, nullptr);
  auto octets_r =
      crypto::signed_octets(prf, sa.response, sa.ni, sa.keys.sk_pr.view(), crypto::id_payload_body(rc.idr));
  ASSERT_TRUE(octets_r.ok());
  auto expect_r = crypto::psk_auth(prf, ic.psk, *octets_r);
  ASSERT_TRUE(expect_r.ok());
  EXPECT_EQ(auth_r->as<AuthPayload>()->data, *expect_r);
  EXPECT_NE(*expect_i, *expect_r);
}

TEST(IkeAuth, WrongPskIsAuthenticationFailed) {
  auto ic = initiator_config();
  ic.psk = secret("wrong key");
  AuthRun r = run(ic, responder_config());
  ASSERT_TRUE(r.responder && r.initiator);
  EXPECT_EQ(r.responder->result.outcome, IkeAuthOutcome::AuthenticationFailed);
  EXPECT_FALSE(r.responder->result.child);
  ASSERT_TRUE(r.initiator->ok()) << r.initiator->error().to_string();
  EXPECT_EQ(r.initiator->value().outcome, IkeAuthOutcome::AuthenticationFailed);
  EXPECT_EQ(r.initiator->value().notify, static_cast<uint16_t>(NotifyType::AUTHENTICATION_FAILED));
  // 2.21.2: the response carries the notify alone.
  auto inner = inner_of(r.response, r.init->initiator, false);
  ASSERT_EQ(inner.size(), 1u);
  EXPECT_EQ(inner[0].as<codec::NotifyPayload>()->type, NotifyType::AUTHENTICATION_FAILED);
}

TEST(IkeAuth, UnknownIdentityIsAuthenticationFailed) {
  auto ic = initiator_config();
  ic.idi = fqdn("stranger.example");
  AuthRun r = run(ic, responder_config());
  ASSERT_TRUE(r.responder && r.initiator && r.initiator->ok());
  EXPECT_EQ(r.responder->result.outcome, IkeAuthOutcome::AuthenticationFailed);
  EXPECT_EQ(r.initiator->value().outcome, IkeAuthOutcome::AuthenticationFailed);
}

TEST(IkeAuth, ChildNoProposalChosenKeepsTheIkeSa) {
  auto ic = initiator_config();
  auto rc = responder_config();
  ic.child_policy = esp_policy({esp_cbc()});
  rc.child_policy = esp_policy({esp_gcm()});
  AuthRun r = run(ic, rc);
  ASSERT_TRUE(r.responder && r.initiator);
  ASSERT_TRUE(r.initiator->ok()) << r.initiator->error().to_string();
  const IkeAuthResult& ir = r.initiator->value();
  EXPECT_EQ(r.responder->result.outcome, IkeAuthOutcome::ChildSaFailed);
  EXPECT_EQ(ir.outcome, IkeAuthOutcome::ChildSaFailed);
  EXPECT_EQ(ir.notify, static_cast<uint16_t>(NotifyType::NO_PROPOSAL_CHOSEN));
  EXPECT_FALSE(ir.child);
  // The IKE SA is authenticated: the responder's identity was verified.
  EXPECT_EQ(ir.peer_id.data, text("responder.example"));
  auto inner = inner_of(r.response, r.init->initiator, false);
  EXPECT_EQ(types_of(inner), (std::vector<PayloadType>{PayloadType::IDr, PayloadType::AUTH, PayloadType::N}));
}

TEST(IkeAuth, ResponderNarrowsTrafficSelectors) {
  auto rc = responder_config();
  rc.tsr = {prefix_selector(Bytes{10, 0, 0, 0}, 24)};
  AuthRun r = run(initiator_config(), rc);
  ASSERT_TRUE(r.responder && r.initiator && r.initiator->ok());
  const IkeAuthResult& ir = r.initiator->value();
  ASSERT_EQ(ir.outcome, IkeAuthOutcome::Established);
  ASSERT_TRUE(ir.child && r.responder->result.child);
  ASSERT_EQ(ir.child->tsr.size(), 1u);
  EXPECT_EQ(ir.child->tsr[0].start_address, (Bytes{10, 0, 0, 0}));
  EXPECT_EQ(ir.child->tsr[0].end_address, (Bytes{10, 0, 0, 255}));
  ASSERT_EQ(ir.child->tsi.size(), 1u);
  EXPECT_EQ(ir.child->tsi[0].end_address, (Bytes{255, 255, 255, 255}));
  expect_same_child(*ir.child, *r.responder->result.child);
}

TEST(IkeAuth, DisjointSelectorsAreTsUnacceptable) {
  auto ic = initiator_config();
  auto rc = responder_config();
  ic.tsr = {prefix_selector(Bytes{172, 16, 0, 0}, 16)};
  rc.tsr = {prefix_selector(Bytes{10, 0, 0, 0}, 24)};
  AuthRun r = run(ic, rc);
  ASSERT_TRUE(r.responder && r.initiator && r.initiator->ok());
  EXPECT_EQ(r.responder->result.outcome, IkeAuthOutcome::ChildSaFailed);
  EXPECT_EQ(r.initiator->value().outcome, IkeAuthOutcome::ChildSaFailed);
  EXPECT_EQ(r.initiator->value().notify, static_cast<uint16_t>(NotifyType::TS_UNACCEPTABLE));
}

TEST(IkeAuth, CpRequestGetsTheHooksAddress) {
  auto ic = initiator_config();
  auto rc = responder_config();
  ic.cp_request = std::vector<CfgAttribute>{CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS)};
  rc.cp_hook = [](const codec::CpPayload& req) -> std::optional<std::vector<CfgAttribute>> {
    for (const auto& a : req.attributes)
      if (a.type == CfgAttributeType::INTERNAL_IP4_ADDRESS)
        return std::vector<CfgAttribute>{CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS, Bytes{10, 0, 0, 5})};
    return std::nullopt;
  };
  AuthRun r = run(ic, rc);
  ASSERT_TRUE(r.responder && r.initiator && r.initiator->ok());
  const IkeAuthResult& ir = r.initiator->value();
  EXPECT_EQ(ir.outcome, IkeAuthOutcome::Established);
  ASSERT_EQ(ir.cp_attributes.size(), 1u);
  EXPECT_EQ(ir.cp_attributes[0].type, CfgAttributeType::INTERNAL_IP4_ADDRESS);
  EXPECT_EQ(ir.cp_attributes[0].value, (Bytes{10, 0, 0, 5}));
  auto inner = inner_of(r.response, r.init->initiator, false);
  EXPECT_EQ(types_of(inner), (std::vector<PayloadType>{PayloadType::IDr, PayloadType::AUTH, PayloadType::CP,
                                                        PayloadType::SA, PayloadType::TSi, PayloadType::TSr}));
}

TEST(IkeAuth, NoCpHookSendsNoCp) {
  auto ic = initiator_config();
  ic.cp_request = std::vector<CfgAttribute>{CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS)};
  AuthRun r = run(ic, responder_config());
  ASSERT_TRUE(r.initiator && r.initiator->ok());
  EXPECT_EQ(r.initiator->value().outcome, IkeAuthOutcome::Established);
  EXPECT_TRUE(r.initiator->value().cp_attributes.empty());
}

TEST(IkeAuth, SeededRunsAreReproducible) {
  AuthRun a = run(initiator_config(), responder_config());
  AuthRun b = run(initiator_config(), responder_config());
  EXPECT_FALSE(a.request.empty());
  EXPECT_EQ(a.request, b.request);
  EXPECT_EQ(a.response, b.response);
}

TEST(IkeAuth, TamperedResponseIsRejected) {
  auto ic = initiator_config();
  auto init_pair = run_ike_sa_init(ike_gcm());
  ASSERT_TRUE(init_pair);
  IkeAuthInitiator init(init_pair->initiator, ic, seeded(21));
  IkeAuthResponder resp(init_pair->responder, responder_config(), seeded(22));
  auto req = init.build_request();
  ASSERT_TRUE(req.ok());
  auto step = resp.process_request(*req);
  ASSERT_TRUE(step.ok());
  Bytes bad = step->response;
  bad.back() ^= 0x01;
  EXPECT_FALSE(init.process_response(bad).ok());
  // A response with the initiator's own keys and flag is not a response.
  EXPECT_FALSE(init.process_response(*req).ok());
}

TEST(TrafficSelectors, IntersectAndCover) {
  TrafficSelector any = prefix_selector(kAny4, 0);
  TrafficSelector net = prefix_selector(Bytes{10, 1, 2, 3}, 24);
  EXPECT_EQ(net.start_address, (Bytes{10, 1, 2, 0}));
  EXPECT_EQ(net.end_address, (Bytes{10, 1, 2, 255}));
  EXPECT_TRUE(covers(any, net));
  EXPECT_FALSE(covers(net, any));
  TrafficSelector tcp = net;
  tcp.ip_protocol_id = 6;
  tcp.start_port = 443;
  tcp.end_port = 443;
  auto both = intersect(any, tcp);
  ASSERT_TRUE(both);
  EXPECT_EQ(both->ip_protocol_id, 6);
  EXPECT_EQ(both->start_port, 443);
  TrafficSelector udp = net;
  udp.ip_protocol_id = 17;
  EXPECT_FALSE(intersect(tcp, udp));
  EXPECT_FALSE(intersect(net, prefix_selector(Bytes{10, 1, 3, 0}, 24)));
  EXPECT_TRUE(narrow({any}, {net, prefix_selector(Bytes{192, 168, 0, 0}, 16)}).size() == 2);
  TrafficSelector v6 = prefix_selector(Bytes(16, 0), 0);
  EXPECT_FALSE(intersect(any, v6));
}

}  // namespace
}  // namespace ikeh::engine
