// SPDX-License-Identifier: Apache-2.0
// IKE_AUTH with PSK as a role-split task: IKE_SA_INIT then IKE_AUTH between
// two engines in one process with seeded randomness. Agreement on the Child
// SA (RFC 7296 2.17), the AUTH value recomputed from the exact IKE_SA_INIT
// bytes (2.15), AUTHENTICATION_FAILED (2.21.2), a refused Child SA with the
// IKE SA kept (1.2, 2.21.3), traffic selector narrowing (2.9), the inner-level
// API the engine drives, identities and PSK lookups (3.5), the notifies of
// 3.10.1 in the FlexVPN order, and the CP exchange (2.19) with the address
// pool (3.15). Signatures are in ike_auth_signature_test.cc.
#include "harness/engine/ike_auth.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "harness/codec/message.h"
#include "harness/codec/payload.h"
#include "harness/crypto/auth.h"
#include "harness/engine/address_pool.h"
#include "tests/engine/ike_auth_fixture.h"

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

using namespace test;  // NOLINT(google-build-using-namespace)

IkeAuthInitiatorConfig initiator_config() { return psk_initiator_config(); }
IkeAuthResponderConfig responder_config() { return psk_responder_config(); }

TEST(IkeAuth, BothSidesAgreeOnTheChildSa) {
  for (Suite ike : {ike_gcm(), ike_cbc()}) {
    for (Suite esp : {esp_gcm(), esp_cbc()}) {
      SCOPED_TRACE(ike.to_string(ProtocolId::IKE) + " + " + esp.to_string(ProtocolId::ESP));
      auto ic = initiator_config();
      auto rc = responder_config();
      ic.child_policy = esp_policy({esp});
      AuthRun r = run(ic, rc, InitOptions{ike});
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
  auto expect_i = crypto::psk_auth(prf, ic.local_auth.psk, *octets_i);
  ASSERT_TRUE(expect_i.ok());
  EXPECT_EQ(auth_i->as<AuthPayload>()->data, *expect_i);

  auto resp_inner = inner_of(r.response, sa, false);
  const auto* auth_r = find(resp_inner, PayloadType::AUTH);
  ASSERT_NE(auth_r, nullptr);
  auto octets_r =
      crypto::signed_octets(prf, sa.response, sa.ni, sa.keys.sk_pr.view(), crypto::id_payload_body(rc.idr));
  ASSERT_TRUE(octets_r.ok());
  auto expect_r = crypto::psk_auth(prf, ic.local_auth.psk, *octets_r);
  ASSERT_TRUE(expect_r.ok());
  EXPECT_EQ(auth_r->as<AuthPayload>()->data, *expect_r);
  EXPECT_NE(*expect_i, *expect_r);
}

TEST(IkeAuth, WrongPskIsAuthenticationFailed) {
  auto ic = initiator_config();
  ic.local_auth.psk = secret("wrong key");
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
  rc.cp_hook = [](const IdPayload&, const codec::CpPayload& req)
      -> core::Result<std::optional<std::vector<CfgAttribute>>> {
    for (const auto& a : req.attributes)
      if (a.type == CfgAttributeType::INTERNAL_IP4_ADDRESS)
        return std::optional<std::vector<CfgAttribute>>(
            std::vector<CfgAttribute>{CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS, Bytes{10, 0, 0, 5})});
    return std::optional<std::vector<CfgAttribute>>();
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
  auto init_pair = run_ike_sa_init();
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

// ----- The inner-level API the engine drives -----

std::vector<uint8_t> encoded(const std::vector<Payload>& inner) { return codec::encode_payloads(inner, nullptr); }

TEST(IkeAuthInner, RoundTripWithoutProtection) {
  auto pair = run_ike_sa_init();
  ASSERT_TRUE(pair);
  IkeAuthInitiator init(pair->initiator, initiator_config(), seeded(21));
  IkeAuthResponder resp(pair->responder, responder_config(), seeded(22));
  auto req = init.build_inner();
  ASSERT_TRUE(req.ok()) << req.error().to_string();
  auto step = resp.process_inner(*req);
  ASSERT_TRUE(step.ok()) << step.error().to_string();
  EXPECT_TRUE(step->response.empty());
  EXPECT_EQ(types_of(step->inner), (std::vector<PayloadType>{PayloadType::IDr, PayloadType::AUTH, PayloadType::SA,
                                                              PayloadType::TSi, PayloadType::TSr}));
  auto res = init.process_inner(step->inner);
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->outcome, IkeAuthOutcome::Established);
  EXPECT_EQ(step->result.outcome, IkeAuthOutcome::Established);
  EXPECT_EQ(res->peer_auth_method, codec::AuthMethod::SHARED_KEY_MIC);
  EXPECT_TRUE(step->result.peer_initial_contact);
  ASSERT_TRUE(res->child && step->result.child);
  expect_same_child(*res->child, *step->result.child);
}

TEST(IkeAuthInner, ByteWrappersProtectExactlyTheInnerChain) {
  auto pair = run_ike_sa_init();
  ASSERT_TRUE(pair);
  auto ic = initiator_config();
  ic.cp_request = std::vector<CfgAttribute>{CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS)};
  // Same seeds: build_inner() and build_request() draw the same ESP SPI first.
  IkeAuthInitiator plain(pair->initiator, ic, seeded(21));
  IkeAuthInitiator wired(pair->initiator, ic, seeded(21));
  auto inner = plain.build_inner();
  auto wire = wired.build_request();
  ASSERT_TRUE(inner.ok() && wire.ok());
  EXPECT_EQ(encoded(inner_of(*wire, pair->initiator, true)), encoded(*inner));

  IkeAuthResponder r1(pair->responder, responder_config(), seeded(22));
  IkeAuthResponder r2(pair->responder, responder_config(), seeded(22));
  auto step_plain = r1.process_inner(*inner);
  auto step_wire = r2.process_request(*wire);
  ASSERT_TRUE(step_plain.ok() && step_wire.ok());
  EXPECT_EQ(encoded(inner_of(step_wire->response, pair->initiator, false)), encoded(step_plain->inner));
  EXPECT_EQ(encoded(step_wire->inner), encoded(step_plain->inner));
}

TEST(IkeAuthInner, CallOrderIsEnforced) {
  auto pair = run_ike_sa_init();
  ASSERT_TRUE(pair);
  IkeAuthInitiator init(pair->initiator, initiator_config(), seeded(21));
  EXPECT_FALSE(init.process_inner({}).ok());
  ASSERT_TRUE(init.build_inner().ok());
  EXPECT_FALSE(init.build_inner().ok());
  EXPECT_FALSE(init.build_request().ok());
}

TEST(IkeAuthInner, ResponderNeedsIdiAndAuth) {
  auto pair = run_ike_sa_init();
  ASSERT_TRUE(pair);
  IkeAuthInitiator init(pair->initiator, initiator_config(), seeded(21));
  auto req = init.build_inner();
  ASSERT_TRUE(req.ok());
  std::vector<Payload> without_auth;
  for (const auto& p : *req)
    if (p.type != PayloadType::AUTH) without_auth.push_back(p);
  IkeAuthResponder resp(pair->responder, responder_config(), seeded(22));
  auto step = resp.process_inner(without_auth);
  ASSERT_FALSE(step.ok());
  EXPECT_EQ(step.error().notify, notify_number(NotifyType::INVALID_SYNTAX));
}

// ----- Identities and PSK lookups -----

TEST(IkeAuthPsk, ResponderRefusesAnIdentityOtherThanTheConfiguredOne) {
  auto rc = responder_config();
  rc.remote_auth.id = fqdn("someone-else.example");
  AuthRun r = run(initiator_config(), rc);
  ASSERT_TRUE(r.responder && r.initiator && r.initiator->ok());
  EXPECT_EQ(r.responder->result.outcome, IkeAuthOutcome::AuthenticationFailed);
  EXPECT_EQ(r.initiator->value().outcome, IkeAuthOutcome::AuthenticationFailed);
  // The right identity passes.
  rc.remote_auth.id = fqdn("initiator.example");
  AuthRun ok = run(initiator_config(), rc);
  ASSERT_TRUE(ok.initiator && ok.initiator->ok());
  EXPECT_EQ(ok.initiator->value().outcome, IkeAuthOutcome::Established);
}

TEST(IkeAuthPsk, InitiatorRefusesAnUnexpectedResponderIdentity) {
  auto ic = initiator_config();
  ic.remote_auth.id = fqdn("gateway.example");
  AuthRun r = run(ic, responder_config());
  ASSERT_TRUE(r.responder && r.initiator);
  EXPECT_EQ(r.responder->result.outcome, IkeAuthOutcome::Established);
  ASSERT_FALSE(r.initiator->ok());
  EXPECT_EQ(r.initiator->error().notify, notify_number(NotifyType::AUTHENTICATION_FAILED));
}

TEST(IkeAuthPsk, ResponderThatDoesNotAcceptPskRefusesIt) {
  auto rc = responder_config();
  rc.remote_auth.accept_psk = false;
  AuthRun r = run(initiator_config(), rc);
  ASSERT_TRUE(r.responder);
  EXPECT_EQ(r.responder->result.outcome, IkeAuthOutcome::AuthenticationFailed);
}

TEST(IkeAuthPsk, DifferentKeysPerDirection) {
  // Each side signs with its own key and looks the peer's key up by ID.
  auto ic = initiator_config();
  auto rc = responder_config();
  ic.local_auth.psk = secret("initiator key");
  ic.psk_lookup = [](const IdPayload& id) -> std::optional<crypto::Secret> {
    if (id.data == text("responder.example")) return secret("responder key");
    return std::nullopt;
  };
  rc.local_auth.psk = secret("responder key");
  rc.psk_lookup = [](const IdPayload& id) -> std::optional<crypto::Secret> {
    if (id.data == text("initiator.example")) return secret("initiator key");
    return std::nullopt;
  };
  AuthRun r = run(ic, rc);
  ASSERT_TRUE(r.initiator && r.initiator->ok()) << r.initiator->error().to_string();
  EXPECT_EQ(r.initiator->value().outcome, IkeAuthOutcome::Established);

  // The initiator expecting another responder key fails the IKE SA.
  ic.psk_lookup = [](const IdPayload&) -> std::optional<crypto::Secret> { return secret("initiator key"); };
  AuthRun bad = run(ic, rc);
  ASSERT_TRUE(bad.responder && bad.initiator);
  EXPECT_EQ(bad.responder->result.outcome, IkeAuthOutcome::Established);
  ASSERT_FALSE(bad.initiator->ok());
  EXPECT_EQ(bad.initiator->error().notify, notify_number(NotifyType::AUTHENTICATION_FAILED));
}

TEST(IkeAuthPsk, LookupMissFallsBackToTheLocalKey) {
  auto rc = responder_config();
  rc.psk_lookup = [](const IdPayload&) -> std::optional<crypto::Secret> { return std::nullopt; };
  rc.local_auth.psk = secret("correct horse battery staple");
  AuthRun r = run(initiator_config(), rc);
  ASSERT_TRUE(r.initiator && r.initiator->ok());
  EXPECT_EQ(r.responder->result.outcome, IkeAuthOutcome::Established);
  EXPECT_EQ(r.initiator->value().outcome, IkeAuthOutcome::Established);
  // A different local key does not verify the initiator's AUTH.
  rc.local_auth.psk = secret("another key");
  AuthRun bad = run(initiator_config(), rc);
  ASSERT_TRUE(bad.responder);
  EXPECT_EQ(bad.responder->result.outcome, IkeAuthOutcome::AuthenticationFailed);
}

TEST(IkeAuthPsk, IdentityTypesTravelUnchanged) {
  const std::vector<IdPayload> ids = {
      make_id(IdType::ID_IPV4_ADDR, Bytes{192, 0, 2, 1}),
      make_id(IdType::ID_IPV6_ADDR, Bytes{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}),
      make_id(IdType::ID_FQDN, text("initiator.example")),
      make_id(IdType::ID_RFC822_ADDR, text("alice@example.org")),
      make_id(IdType::ID_DER_ASN1_DN, Bytes{0x30, 0x00}),
      make_id(IdType::ID_KEY_ID, Bytes{0xde, 0xad, 0xbe, 0xef}),
  };
  for (const auto& idi : ids) {
    for (const auto& idr : ids) {
      SCOPED_TRACE(codec::label(idi.id_type) + " / " + codec::label(idr.id_type));
      auto ic = initiator_config();
      auto rc = responder_config();
      ic.idi = idi;
      rc.idr = idr;
      rc.psk_lookup = [idi](const IdPayload& got) -> std::optional<crypto::Secret> {
        if (got.id_type == idi.id_type && got.data == idi.data) return secret("correct horse battery staple");
        return std::nullopt;
      };
      AuthRun r = run(ic, rc);
      ASSERT_TRUE(r.initiator && r.initiator->ok());
      EXPECT_EQ(r.initiator->value().outcome, IkeAuthOutcome::Established);
      EXPECT_EQ(r.initiator->value().peer_id.id_type, idr.id_type);
      EXPECT_EQ(r.initiator->value().peer_id.data, idr.data);
      EXPECT_EQ(r.responder->result.peer_id.id_type, idi.id_type);
      EXPECT_EQ(r.responder->result.peer_id.data, idi.data);
    }
  }
}

TEST(IkeAuthPsk, IdrIsOptionalInTheRequest) {
  auto ic = initiator_config();
  ic.idr.reset();
  AuthRun r = run(ic, responder_config());
  ASSERT_TRUE(r.init && r.initiator && r.initiator->ok());
  EXPECT_EQ(find(inner_of(r.request, r.init->initiator, true), PayloadType::IDr), nullptr);
  EXPECT_EQ(r.initiator->value().outcome, IkeAuthOutcome::Established);
}

// ----- Notifies: order, window size, transport mode -----

TEST(IkeAuthNotifies, RequestAndResponseFollowTheFlexVpnOrder) {
  auto ic = initiator_config();
  ic.idr = fqdn("responder.example");
  ic.cp_request = std::vector<CfgAttribute>{CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS)};
  ic.initial_contact = true;
  ic.window_size = 5;
  ic.transport_mode = true;
  ic.esp_tfc_padding_not_supported = true;
  ic.non_first_fragments_also = true;
  auto rc = responder_config();
  rc.cp_hook = [](const IdPayload&, const codec::CpPayload&) -> core::Result<std::optional<std::vector<CfgAttribute>>> {
    return std::optional<std::vector<CfgAttribute>>(
        std::vector<CfgAttribute>{CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS, Bytes{10, 9, 0, 1})});
  };
  rc.window_size = 3;
  rc.transport_mode = true;
  rc.esp_tfc_padding_not_supported = true;
  rc.non_first_fragments_also = true;
  AuthRun r = run(ic, rc);
  ASSERT_TRUE(r.init && r.responder && r.initiator && r.initiator->ok());

  auto req = inner_of(r.request, r.init->initiator, true);
  EXPECT_EQ(types_of(req), (std::vector<PayloadType>{PayloadType::IDi, PayloadType::IDr, PayloadType::AUTH,
                                                      PayloadType::CP, PayloadType::SA, PayloadType::TSi,
                                                      PayloadType::TSr, PayloadType::N, PayloadType::N,
                                                      PayloadType::N, PayloadType::N, PayloadType::N}));
  EXPECT_EQ(notifies_of(req), (std::vector<NotifyType>{NotifyType::INITIAL_CONTACT, NotifyType::SET_WINDOW_SIZE,
                                                        NotifyType::USE_TRANSPORT_MODE,
                                                        NotifyType::ESP_TFC_PADDING_NOT_SUPPORTED,
                                                        NotifyType::NON_FIRST_FRAGMENTS_ALSO}));
  // RFC 7296 3.10.1: the window size as four octets, network order.
  ASSERT_NE(find_notify(req, NotifyType::SET_WINDOW_SIZE), nullptr);
  EXPECT_EQ(find_notify(req, NotifyType::SET_WINDOW_SIZE)->data, (Bytes{0, 0, 0, 5}));
  for (const auto& p : req)
    if (const auto* n = p.as<codec::NotifyPayload>()) {
      EXPECT_EQ(n->protocol_id, ProtocolId::NONE);
      EXPECT_TRUE(n->spi.empty());
    }

  auto resp = inner_of(r.response, r.init->initiator, false);
  EXPECT_EQ(types_of(resp), (std::vector<PayloadType>{PayloadType::IDr, PayloadType::AUTH, PayloadType::CP,
                                                       PayloadType::SA, PayloadType::TSi, PayloadType::TSr,
                                                       PayloadType::N, PayloadType::N, PayloadType::N,
                                                       PayloadType::N}));
  EXPECT_EQ(notifies_of(resp), (std::vector<NotifyType>{NotifyType::SET_WINDOW_SIZE, NotifyType::USE_TRANSPORT_MODE,
                                                         NotifyType::ESP_TFC_PADDING_NOT_SUPPORTED,
                                                         NotifyType::NON_FIRST_FRAGMENTS_ALSO}));
  EXPECT_EQ(find_notify(resp, NotifyType::SET_WINDOW_SIZE)->data, (Bytes{0, 0, 0, 3}));

  const IkeAuthResult& ir = r.initiator->value();
  const IkeAuthResult& rr = r.responder->result;
  EXPECT_EQ(rr.peer_window_size, 5u);
  EXPECT_EQ(ir.peer_window_size, 3u);
  EXPECT_TRUE(rr.peer_initial_contact);
  EXPECT_FALSE(ir.peer_initial_contact);
  EXPECT_TRUE(rr.peer_esp_tfc_padding_not_supported && ir.peer_esp_tfc_padding_not_supported);
  EXPECT_TRUE(rr.peer_non_first_fragments_also && ir.peer_non_first_fragments_also);
  EXPECT_TRUE(ir.transport_mode && rr.transport_mode);
  ASSERT_TRUE(ir.child && rr.child);
  EXPECT_TRUE(ir.child->transport_mode);
  expect_same_child(*ir.child, *rr.child);
}

TEST(IkeAuthNotifies, DefaultsSendNoneAndReportWindowOne) {
  auto ic = initiator_config();
  ic.initial_contact = false;
  AuthRun r = run(ic, responder_config());
  ASSERT_TRUE(r.init && r.responder && r.initiator && r.initiator->ok());
  EXPECT_TRUE(notifies_of(inner_of(r.request, r.init->initiator, true)).empty());
  EXPECT_TRUE(notifies_of(inner_of(r.response, r.init->initiator, false)).empty());
  EXPECT_EQ(r.initiator->value().peer_window_size, 1u);
  EXPECT_EQ(r.responder->result.peer_window_size, 1u);
  EXPECT_FALSE(r.responder->result.peer_initial_contact);
  EXPECT_FALSE(r.initiator->value().transport_mode);
}

TEST(IkeAuthNotifies, TransportModeNeedsBothSides) {
  struct Case {
    bool asks, allows, expected;
  };
  for (Case c : {Case{true, false, false}, Case{false, true, false}, Case{true, true, true}}) {
    SCOPED_TRACE(std::to_string(c.asks) + std::to_string(c.allows));
    auto ic = initiator_config();
    auto rc = responder_config();
    ic.transport_mode = c.asks;
    rc.transport_mode = c.allows;
    AuthRun r = run(ic, rc);
    ASSERT_TRUE(r.init && r.responder && r.initiator && r.initiator->ok());
    auto resp = inner_of(r.response, r.init->initiator, false);
    EXPECT_EQ(find_notify(resp, NotifyType::USE_TRANSPORT_MODE) != nullptr, c.expected);
    EXPECT_EQ(r.initiator->value().transport_mode, c.expected);
    EXPECT_EQ(r.responder->result.transport_mode, c.expected);
    ASSERT_TRUE(r.initiator->value().child);
    EXPECT_EQ(r.initiator->value().child->transport_mode, c.expected);
  }
}

TEST(IkeAuthNotifies, MalformedSetWindowSizeIsInvalidSyntax) {
  for (Bytes bad : {Bytes{0, 0, 5}, Bytes{0, 0, 0, 0}, Bytes{0, 0, 0, 0, 5}}) {
    SCOPED_TRACE(core::to_hex(bad));
    auto pair = run_ike_sa_init();
    ASSERT_TRUE(pair);
    auto ic = initiator_config();
    ic.window_size = 4;
    IkeAuthInitiator init(pair->initiator, ic, seeded(21));
    auto req = init.build_inner();
    ASSERT_TRUE(req.ok());
    std::vector<Payload> broken = *req;
    ASSERT_NE(find_notify(broken, NotifyType::SET_WINDOW_SIZE), nullptr);
    find_notify(broken, NotifyType::SET_WINDOW_SIZE)->data = bad;
    auto rc = responder_config();
    rc.window_size = 2;
    IkeAuthResponder resp(pair->responder, rc, seeded(22));
    auto refused = resp.process_inner(broken);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().notify, notify_number(NotifyType::INVALID_SYNTAX));

    // The same on the initiator's side of a valid exchange.
    IkeAuthResponder resp2(pair->responder, rc, seeded(22));
    auto step = resp2.process_inner(*req);
    ASSERT_TRUE(step.ok());
    std::vector<Payload> answer = step->inner;
    ASSERT_NE(find_notify(answer, NotifyType::SET_WINDOW_SIZE), nullptr);
    find_notify(answer, NotifyType::SET_WINDOW_SIZE)->data = bad;
    auto res = init.process_inner(answer);
    ASSERT_FALSE(res.ok());
    EXPECT_EQ(res.error().notify, notify_number(NotifyType::INVALID_SYNTAX));
    auto good = init.process_inner(step->inner);
    ASSERT_TRUE(good.ok());
    EXPECT_EQ(good->peer_window_size, 2u);
  }
}

TEST(IkeAuthNotifies, RefusedChildStillAnnouncesTheWindow) {
  auto ic = initiator_config();
  auto rc = responder_config();
  ic.child_policy = esp_policy({esp_cbc()});
  rc.child_policy = esp_policy({esp_gcm()});
  rc.window_size = 8;
  AuthRun r = run(ic, rc);
  ASSERT_TRUE(r.init && r.initiator && r.initiator->ok());
  auto resp = inner_of(r.response, r.init->initiator, false);
  EXPECT_EQ(types_of(resp), (std::vector<PayloadType>{PayloadType::IDr, PayloadType::AUTH, PayloadType::N,
                                                       PayloadType::N}));
  EXPECT_EQ(notifies_of(resp),
            (std::vector<NotifyType>{NotifyType::NO_PROPOSAL_CHOSEN, NotifyType::SET_WINDOW_SIZE}));
  EXPECT_EQ(r.initiator->value().outcome, IkeAuthOutcome::ChildSaFailed);
  EXPECT_EQ(r.initiator->value().peer_window_size, 8u);
}

TEST(IkeAuthNotifies, WithoutAFirstChildTheRequestCarriesNoChildPayloads) {
  auto ic = initiator_config();
  ic.first_child = false;
  ic.cp_request = std::vector<CfgAttribute>{CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS)};
  ic.transport_mode = true;
  ic.window_size = 2;
  AuthRun r = run(ic, responder_config());
  ASSERT_TRUE(r.init && r.responder && r.initiator && r.initiator->ok());
  auto req = inner_of(r.request, r.init->initiator, true);
  EXPECT_EQ(types_of(req),
            (std::vector<PayloadType>{PayloadType::IDi, PayloadType::AUTH, PayloadType::N, PayloadType::N}));
  EXPECT_EQ(notifies_of(req), (std::vector<NotifyType>{NotifyType::INITIAL_CONTACT, NotifyType::SET_WINDOW_SIZE}));
  EXPECT_EQ(r.initiator->value().outcome, IkeAuthOutcome::Established);
  EXPECT_FALSE(r.initiator->value().child);
  EXPECT_FALSE(r.responder->result.child);
}

// ----- CP policy hook and the address pool (RFC 7296 2.19, 3.15) -----

struct PoolRun {
  std::shared_ptr<AddressPool> pool;
  std::shared_ptr<uint64_t> owner = std::make_shared<uint64_t>(0);
  IkeAuthResponderConfig responder;
};

PoolRun pool_responder(Bytes first, Bytes last) {
  AddressPoolConfig pc;
  pc.first = std::move(first);
  pc.last = std::move(last);
  auto pool = AddressPool::create(pc);
  EXPECT_TRUE(pool.ok()) << pool.error().to_string();
  PoolRun out;
  out.pool = std::make_shared<AddressPool>(std::move(pool).value());
  out.responder = responder_config();
  auto owner = out.owner;
  out.responder.cp_hook = make_cp_hook(out.pool, [owner] { return *owner; });
  return out;
}

IkeAuthInitiatorConfig asks_for_address(CfgAttributeType type = CfgAttributeType::INTERNAL_IP4_ADDRESS) {
  auto ic = initiator_config();
  ic.cp_request = std::vector<CfgAttribute>{CfgAttribute(type)};
  return ic;
}

TEST(IkeAuthCp, PoolAddressesThenExhaustionKeepsTheIkeSa) {
  PoolRun p = pool_responder(Bytes{10, 0, 0, 1}, Bytes{10, 0, 0, 2});
  for (uint64_t owner : {1, 2}) {
    *p.owner = owner;
    AuthRun r = run(asks_for_address(), p.responder);
    ASSERT_TRUE(r.initiator && r.initiator->ok());
    const IkeAuthResult& ir = r.initiator->value();
    EXPECT_EQ(ir.outcome, IkeAuthOutcome::Established);
    ASSERT_EQ(ir.cp_attributes.size(), 1u);
    EXPECT_EQ(ir.cp_attributes[0].value, (Bytes{10, 0, 0, static_cast<uint8_t>(owner)}));
    EXPECT_EQ(p.pool->address_of(owner), ir.cp_attributes[0].value);
    EXPECT_EQ(r.responder->result.cp_attributes.size(), 1u);
  }
  *p.owner = 3;
  AuthRun r = run(asks_for_address(), p.responder);
  ASSERT_TRUE(r.init && r.responder && r.initiator && r.initiator->ok());
  EXPECT_EQ(r.responder->result.outcome, IkeAuthOutcome::ChildSaFailed);
  EXPECT_EQ(r.responder->result.notify, notify_number(NotifyType::INTERNAL_ADDRESS_FAILURE));
  const IkeAuthResult& ir = r.initiator->value();
  EXPECT_EQ(ir.outcome, IkeAuthOutcome::ChildSaFailed);
  EXPECT_EQ(ir.notify, notify_number(NotifyType::INTERNAL_ADDRESS_FAILURE));
  // The IKE SA is authenticated: the responder's identity was verified.
  EXPECT_EQ(ir.peer_id.data, text("responder.example"));
  EXPECT_FALSE(ir.child);
  auto resp = inner_of(r.response, r.init->initiator, false);
  EXPECT_EQ(types_of(resp), (std::vector<PayloadType>{PayloadType::IDr, PayloadType::AUTH, PayloadType::N}));
  EXPECT_EQ(p.pool->in_use(), 2u);

  // A released address goes to the next owner.
  p.pool->release(1);
  AuthRun again = run(asks_for_address(), p.responder);
  ASSERT_TRUE(again.initiator && again.initiator->ok());
  ASSERT_EQ(again.initiator->value().cp_attributes.size(), 1u);
  EXPECT_EQ(again.initiator->value().cp_attributes[0].value, (Bytes{10, 0, 0, 1}));
}

TEST(IkeAuthCp, RefusedChildLeasesNothing) {
  PoolRun p = pool_responder(Bytes{10, 0, 0, 1}, Bytes{10, 0, 0, 9});
  p.responder.child_policy = esp_policy({esp_gcm()});
  auto ic = asks_for_address();
  ic.child_policy = esp_policy({esp_cbc()});
  AuthRun r = run(ic, p.responder);
  ASSERT_TRUE(r.initiator && r.initiator->ok());
  EXPECT_EQ(r.initiator->value().notify, notify_number(NotifyType::NO_PROPOSAL_CHOSEN));
  EXPECT_EQ(p.pool->in_use(), 0u);
}

TEST(IkeAuthCp, Ipv6PoolAnswersAnIpv6Request) {
  Bytes first{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
  Bytes last = first;
  last[15] = 0x20;
  PoolRun p = pool_responder(first, last);
  *p.owner = 7;
  AuthRun r = run(asks_for_address(CfgAttributeType::INTERNAL_IP6_ADDRESS), p.responder);
  ASSERT_TRUE(r.initiator && r.initiator->ok());
  const auto& attrs = r.initiator->value().cp_attributes;
  ASSERT_EQ(attrs.size(), 1u);
  EXPECT_EQ(attrs[0].type, CfgAttributeType::INTERNAL_IP6_ADDRESS);
  // RFC 7296 3.15.1: 16 octets of address and one of prefix length.
  ASSERT_EQ(attrs[0].value.size(), 17u);
  EXPECT_EQ(Bytes(attrs[0].value.begin(), attrs[0].value.begin() + 16), first);
  // An IPv4 request to that pool cannot be served.
  *p.owner = 8;
  AuthRun v4 = run(asks_for_address(), p.responder);
  ASSERT_TRUE(v4.initiator && v4.initiator->ok());
  EXPECT_EQ(v4.initiator->value().notify, notify_number(NotifyType::INTERNAL_ADDRESS_FAILURE));
}

TEST(IkeAuthCp, CpRequiredWithoutRequestIsFailedCpRequired) {
  PoolRun p = pool_responder(Bytes{10, 0, 0, 1}, Bytes{10, 0, 0, 9});
  p.responder.cp_required = true;
  AuthRun r = run(initiator_config(), p.responder);
  ASSERT_TRUE(r.init && r.responder && r.initiator && r.initiator->ok());
  EXPECT_EQ(r.responder->result.outcome, IkeAuthOutcome::ChildSaFailed);
  EXPECT_EQ(r.responder->result.notify, notify_number(NotifyType::FAILED_CP_REQUIRED));
  EXPECT_EQ(r.initiator->value().outcome, IkeAuthOutcome::ChildSaFailed);
  EXPECT_EQ(r.initiator->value().notify, notify_number(NotifyType::FAILED_CP_REQUIRED));
  EXPECT_EQ(notifies_of(inner_of(r.response, r.init->initiator, false)),
            (std::vector<NotifyType>{NotifyType::FAILED_CP_REQUIRED}));
  // With the request it is served.
  AuthRun ok = run(asks_for_address(), p.responder);
  ASSERT_TRUE(ok.initiator && ok.initiator->ok());
  EXPECT_EQ(ok.initiator->value().outcome, IkeAuthOutcome::Established);
}

TEST(IkeAuthCp, HookSeesThePeerIdentityAndItsErrorsDecide) {
  auto rc = responder_config();
  auto seen = std::make_shared<IdPayload>();
  rc.cp_hook = [seen](const IdPayload& peer, const codec::CpPayload&)
      -> core::Result<std::optional<std::vector<CfgAttribute>>> {
    *seen = peer;
    return core::make_error("policy", "no address for this user", notify_number(NotifyType::FAILED_CP_REQUIRED));
  };
  AuthRun r = run(asks_for_address(), rc);
  ASSERT_TRUE(r.initiator && r.initiator->ok());
  EXPECT_EQ(seen->data, text("initiator.example"));
  EXPECT_EQ(r.initiator->value().notify, notify_number(NotifyType::FAILED_CP_REQUIRED));

  // Another error is the task's own failure: nothing is sent.
  rc.cp_hook = [](const IdPayload&, const codec::CpPayload&) -> core::Result<std::optional<std::vector<CfgAttribute>>> {
    return core::make_error("policy", "backend unavailable");
  };
  auto pair = run_ike_sa_init();
  ASSERT_TRUE(pair);
  IkeAuthInitiator init(pair->initiator, asks_for_address(), seeded(21));
  IkeAuthResponder resp(pair->responder, rc, seeded(22));
  auto req = init.build_inner();
  ASSERT_TRUE(req.ok());
  EXPECT_FALSE(resp.process_inner(*req).ok());
}

TEST(IkeAuthCp, CfgReplyWithoutRequestIsRejected) {
  auto pair = run_ike_sa_init();
  ASSERT_TRUE(pair);
  IkeAuthInitiator init(pair->initiator, initiator_config(), seeded(21));
  IkeAuthResponder resp(pair->responder, responder_config(), seeded(22));
  auto req = init.build_inner();
  ASSERT_TRUE(req.ok());
  auto step = resp.process_inner(*req);
  ASSERT_TRUE(step.ok());
  // RFC 7296 2.19: a CFG_REPLY the initiator never asked for.
  std::vector<Payload> answer = step->inner;
  codec::CpPayload reply;
  reply.cfg_type = codec::CfgType::CFG_REPLY;
  reply.attributes = {CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS, Bytes{10, 0, 0, 1})};
  auto sa_at = std::find_if(answer.begin(), answer.end(), [](const Payload& p) { return p.type == PayloadType::SA; });
  answer.insert(sa_at, Payload(PayloadType::CP, reply));
  auto res = init.process_inner(answer);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().notify, notify_number(NotifyType::INVALID_SYNTAX));
  // The untouched answer is fine.
  auto good = init.process_inner(step->inner);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->outcome, IkeAuthOutcome::Established);
}

}  // namespace
}  // namespace ikeh::engine
