// SPDX-License-Identifier: Apache-2.0
// The engine in self mode: two engines in one process over a MemoryLink on
// virtual time, deterministic per seed. Each test drives whole exchanges
// through the engines' public API and checks both sides' state, the events
// and the datagrams on the link.
#include "harness/scenario/self_pair.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "harness/codec/message.h"
#include "harness/crypto/key_table.h"
#include "harness/crypto/sk.h"
#include "harness/scenario/engine_config.h"
#include "net/capture_reader.h"

namespace ikeh::scenario {
namespace {

using codec::CfgAttribute;
using codec::CfgAttributeType;
using codec::ExchangeType;
using codec::IdType;
using engine::ChildSaState;
using engine::EngineConfig;
using engine::Event;
using engine::EventKind;
using engine::IkeSaState;
using core::Bytes;
using core::BytesView;
using namespace std::chrono_literals;

codec::IdPayload fqdn(const std::string& name) {
  codec::IdPayload id;
  id.id_type = IdType::ID_FQDN;
  id.data.assign(name.begin(), name.end());
  return id;
}

crypto::Secret secret(const std::string& s) { return crypto::Secret(BytesView(reinterpret_cast<const uint8_t*>(s.data()), s.size())); }

CfgAttribute attribute(CfgAttributeType type, Bytes value) {
  CfgAttribute a;
  a.type = type;
  a.value = std::move(value);
  return a;
}

EngineConfig base_config(const std::string& local, const std::string& psk) {
  EngineConfig c;
  c.ike_policy.protocol = codec::ProtocolId::IKE;
  c.ike_policy.suites = {engine::ike_suite(codec::EncrId::ENCR_AES_GCM_16, 256, codec::IntegId::AUTH_NONE,
                                           codec::PrfId::PRF_HMAC_SHA2_256, codec::DhGroup::ECP_256)};
  c.child_policy.protocol = codec::ProtocolId::ESP;
  c.child_policy.suites = {
      engine::esp_suite(codec::EncrId::ENCR_AES_GCM_16, 256, codec::IntegId::AUTH_NONE, codec::EsnId::NO_ESN)};
  c.local_id = fqdn(local);
  c.local_auth.kind = engine::AuthKind::Psk;
  c.local_auth.psk = secret(psk);
  c.psks = {engine::PskEntry{std::nullopt, secret(psk)}};
  Bytes any4(4, 0);
  c.local_ts = {engine::prefix_selector(any4, 0)};
  c.remote_ts = {engine::prefix_selector(any4, 0)};
  c.retransmit.timeout_s = 4.0;
  return c;
}

SelfPairOptions base_options(uint64_t seed = 7) {
  SelfPairOptions o;
  o.initiator = base_config("spoke.example", "sesame-open-wide");
  o.responder = base_config("hub.example", "sesame-open-wide");
  o.seed = seed;
  return o;
}

struct PairRun {
  std::unique_ptr<SelfPair> pair;
  uint64_t ike = 0;
  std::vector<Event> i_events, r_events;
};

PairRun start(SelfPairOptions o) {
  PairRun run;
  auto p = SelfPair::create(std::move(o));
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().to_string());
  if (!p) return run;
  run.pair = std::move(p).value();
  run.pair->initiator().add_observer([&v = run.i_events](const Event& e) { v.push_back(e); });
  run.pair->responder().add_observer([&v = run.r_events](const Event& e) { v.push_back(e); });
  auto ike = run.pair->initiate();
  EXPECT_TRUE(ike.ok()) << (ike.ok() ? "" : ike.error().to_string());
  if (ike) run.ike = *ike;
  return run;
}

bool established(SelfPair& p, uint64_t ike) {
  auto i = p.initiator().ike_sa(ike);
  return i && i->state == IkeSaState::Established && !p.responder().ike_sas_in(IkeSaState::Established).empty();
}

bool settled(SelfPair& p, uint64_t ike) {
  auto i = p.initiator().ike_sa(ike);
  return i && (i->state == IkeSaState::Established || i->state == IkeSaState::Failed ||
               i->state == IkeSaState::Deleted);
}

bool has_event(const std::vector<Event>& events, EventKind kind, const std::string& needle) {
  return std::any_of(events.begin(), events.end(), [&](const Event& e) {
    return e.kind == kind && e.detail.find(needle) != std::string::npos;
  });
}

// Datagrams one side sent, in order, as the link recorded them.
std::vector<Bytes> sent_by(SelfPair& p, net::Direction d) {
  std::vector<Bytes> out;
  for (const auto& r : p.link().records())
    if (r.event == net::LinkRecord::Event::Sent && r.direction == d) out.push_back(r.bytes);
  return out;
}

TEST(SelfPair, PskHandshakeEstablishesBothSidesWithMatchingChildSa) {
  PairRun run = start(base_options());
  ASSERT_TRUE(run.pair);
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  auto i = *run.pair->initiator().ike_sa(run.ike);
  auto rs = run.pair->responder().ike_sas();
  ASSERT_EQ(rs.size(), 1u);
  const auto& r = rs[0];
  EXPECT_EQ(i.spi_i, r.spi_i);
  EXPECT_EQ(i.spi_r, r.spi_r);
  EXPECT_NE(i.spi_i, 0u);
  EXPECT_TRUE(i.original_initiator);
  EXPECT_FALSE(r.original_initiator);
  EXPECT_EQ(i.peer_id.data, fqdn("hub.example").data);
  EXPECT_EQ(r.peer_id.data, fqdn("spoke.example").data);
  ASSERT_EQ(i.children.size(), 1u);
  ASSERT_EQ(r.children.size(), 1u);
  const auto& ci = i.children[0];
  const auto& cr = r.children[0];
  EXPECT_EQ(ci.state, ChildSaState::Installed);
  // One side's inbound SPI is the other's outbound SPI, and both derived
  // the same KEYMAT (RFC 7296 2.17).
  EXPECT_EQ(ci.inbound_spi(), cr.outbound_spi());
  EXPECT_EQ(ci.outbound_spi(), cr.inbound_spi());
  EXPECT_EQ(ci.sa.keys.encr_i.view().size(), 36u);  // AES-256 key + 4-byte salt
  EXPECT_TRUE(std::equal(ci.sa.keys.encr_i.view().begin(), ci.sa.keys.encr_i.view().end(),
                         cr.sa.keys.encr_i.view().begin(), cr.sa.keys.encr_i.view().end()));
  EXPECT_TRUE(std::equal(ci.sa.keys.encr_r.view().begin(), ci.sa.keys.encr_r.view().end(),
                         cr.sa.keys.encr_r.view().begin(), cr.sa.keys.encr_r.view().end()));
  // Four datagrams: IKE_SA_INIT and IKE_AUTH, each a request and a response.
  EXPECT_EQ(sent_by(*run.pair, net::Direction::InitiatorToResponder).size(), 2u);
  EXPECT_EQ(sent_by(*run.pair, net::Direction::ResponderToInitiator).size(), 2u);
  EXPECT_TRUE(has_event(run.i_events, EventKind::IkeSaState, "Authenticating -> Established"));
  EXPECT_TRUE(has_event(run.r_events, EventKind::IkeSaState, "Authenticating -> Established"));
}

TEST(SelfPair, KeyTableRowsDecryptTheRecordedIkeAuth) {
  PairRun run = start(base_options());
  ASSERT_TRUE(run.pair);
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  auto rows = run.pair->initiator().key_table();
  ASSERT_EQ(rows.size(), 1u);
  auto suite = rows[0].suite();
  ASSERT_TRUE(suite.ok());
  // The IKE_AUTH request as it crossed the link opens with the exported keys.
  Bytes auth = sent_by(*run.pair, net::Direction::InitiatorToResponder)[1];
  auto m = codec::decode_message(auth);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->header.exchange_type, ExchangeType::IKE_AUTH);
  EXPECT_EQ(m->header.message_id, 1u);
  auto plain = crypto::unprotect(*suite, crypto::keys_for(rows[0].ike_sa_keys(), true), *m, auth);
  ASSERT_TRUE(plain.ok()) << plain.error().to_string();
  EXPECT_EQ(plain->first_inner, codec::PayloadType::IDi);
}

TEST(SelfPair, SameSeedSameBytesOtherSeedOtherBytes) {
  auto bytes_of = [](uint64_t seed) {
    PairRun run = start(base_options(seed));
    EXPECT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
    std::vector<Bytes> all;
    for (const auto& r : run.pair->link().records())
      if (r.event == net::LinkRecord::Event::Sent) all.push_back(r.bytes);
    return all;
  };
  auto a = bytes_of(42), b = bytes_of(42), c = bytes_of(43);
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a, b);
  ASSERT_EQ(c.size(), 4u);
  for (std::size_t k = 0; k < a.size(); ++k) EXPECT_NE(a[k], c[k]) << "datagram " << k;
}

TEST(SelfPair, CfgRequestGetsThePoolAddress) {
  auto o = base_options();
  o.initiator.cp_request = std::vector<CfgAttribute>{attribute(CfgAttributeType::INTERNAL_IP4_ADDRESS, {})};
  engine::AddressPoolConfig pool;
  pool.first = {10, 99, 0, 10};
  pool.last = {10, 99, 0, 20};
  o.responder.pool = pool;
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  auto i = *run.pair->initiator().ike_sa(run.ike);
  auto r = run.pair->responder().ike_sas()[0];
  ASSERT_TRUE(r.assigned_address);
  EXPECT_EQ(*r.assigned_address, (Bytes{10, 99, 0, 10}));
  auto got = std::find_if(i.cp_attributes.begin(), i.cp_attributes.end(),
                          [](const CfgAttribute& a) { return a.type == CfgAttributeType::INTERNAL_IP4_ADDRESS; });
  ASSERT_NE(got, i.cp_attributes.end());
  EXPECT_EQ(got->value, (Bytes{10, 99, 0, 10}));
  // RFC 7296 2.19: the initiator's selectors narrowed to its new address.
  ASSERT_EQ(i.children.at(0).sa.tsi.size(), 1u);
  EXPECT_EQ(i.children[0].sa.tsi[0].start_address, (Bytes{10, 99, 0, 10}));
  EXPECT_EQ(i.children[0].sa.tsi[0].end_address, (Bytes{10, 99, 0, 10}));
}

TEST(SelfPair, CookieRoundTripWhenTheThresholdIsReached) {
  auto o = base_options();
  o.responder.cookie_threshold = 0;  // every IKE_SA_INIT must bring a cookie
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  EXPECT_TRUE(has_event(run.r_events, EventKind::Decision, "CookieRequired"));
  EXPECT_TRUE(has_event(run.i_events, EventKind::Decision, "IKE_SA_INIT retried: COOKIE"));
  auto first = sent_by(*run.pair, net::Direction::InitiatorToResponder);
  ASSERT_GE(first.size(), 3u);
  auto retry = codec::decode_message(first[1]);
  ASSERT_TRUE(retry.ok());
  // RFC 7296 2.6: the retry starts with the cookie and keeps Message ID 0.
  ASSERT_FALSE(retry->payloads.empty());
  EXPECT_EQ(retry->payloads[0].type, codec::PayloadType::N);
  EXPECT_EQ(retry->header.message_id, 0u);
}

TEST(SelfPair, InvalidKeRoundTripSettlesOnTheResponderGroup) {
  auto o = base_options();
  o.initiator.ike_policy.suites.push_back(engine::ike_suite(codec::EncrId::ENCR_AES_GCM_16, 256,
                                                            codec::IntegId::AUTH_NONE, codec::PrfId::PRF_HMAC_SHA2_256,
                                                            codec::DhGroup::MODP_2048));
  o.responder.ike_policy.suites = {engine::ike_suite(codec::EncrId::ENCR_AES_GCM_16, 256, codec::IntegId::AUTH_NONE,
                                                     codec::PrfId::PRF_HMAC_SHA2_256, codec::DhGroup::MODP_2048)};
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  EXPECT_TRUE(has_event(run.i_events, EventKind::Decision, "INVALID_KE_PAYLOAD"));
  EXPECT_EQ(run.pair->initiator().ike_sa(run.ike)->group, codec::DhGroup::MODP_2048);
}

TEST(SelfPair, WrongPskFailsBothSidesWithAuthenticationFailed) {
  auto o = base_options();
  o.responder.psks = {engine::PskEntry{std::nullopt, secret("another-key-entirely")}};
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return settled(*run.pair, run.ike); }));
  EXPECT_EQ(run.pair->initiator().ike_sa(run.ike)->state, IkeSaState::Failed);
  EXPECT_EQ(run.pair->responder().ike_sas()[0].state, IkeSaState::Failed);
  EXPECT_TRUE(has_event(run.i_events, EventKind::IkeSaState, "AUTHENTICATION_FAILED"));
}

TEST(SelfPair, FragmentsIkeAuthAboveTheConfiguredSize) {
  auto o = base_options();
  // Many selectors make IKE_AUTH larger than 576 bytes.
  o.initiator.local_ts.clear();
  for (uint8_t k = 0; k < 40; ++k) o.initiator.local_ts.push_back(engine::prefix_selector(Bytes{10, k, 0, 0}, 16));
  o.responder.remote_ts = {engine::prefix_selector(Bytes{10, 0, 0, 0}, 8)};
  o.initiator.fragment_size = 576;
  o.responder.fragment_size = 576;
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  auto sent = sent_by(*run.pair, net::Direction::InitiatorToResponder);
  ASSERT_GT(sent.size(), 2u);
  for (std::size_t k = 1; k < sent.size(); ++k) {
    EXPECT_LE(sent[k].size(), 576u);
    auto m = codec::decode_message(sent[k]);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->payloads.back().type, codec::PayloadType::SKF);
  }
  EXPECT_EQ(run.pair->responder().ike_sas()[0].children[0].sa.tsi.size(), 40u);
}

TEST(SelfPair, LostIkeAuthRequestIsRetransmittedOnStrongSwansSchedule) {
  auto o = base_options();
  net::FaultRule drop;
  drop.match.direction = net::DirectionMatch::InitiatorToResponder;
  drop.match.packet_index = 2;  // the first IKE_AUTH request
  drop.action = net::FaultAction::Drop;
  o.faults = {drop};
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  // Sent at ~0 s, lost, sent again 4 s later (retransmit_timeout).
  EXPECT_GE(run.pair->clock().now(), std::chrono::seconds(4));
  EXPECT_LT(run.pair->clock().now(), std::chrono::seconds(5));
  EXPECT_EQ(run.pair->initiator().ike_sa(run.ike)->retransmissions, 1u);
}

TEST(SelfPair, GivesUpAfterTheLastRetransmission) {
  auto o = base_options();
  net::FaultRule drop;
  drop.match.direction = net::DirectionMatch::InitiatorToResponder;
  drop.action = net::FaultAction::Drop;
  o.faults = {drop};
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return settled(*run.pair, run.ike); }));
  EXPECT_EQ(run.pair->initiator().ike_sa(run.ike)->state, IkeSaState::Failed);
  // strongSwan's defaults: give-up 165.06 s after the first send.
  auto at = std::chrono::duration_cast<std::chrono::milliseconds>(run.pair->clock().now()).count();
  EXPECT_GE(at, 165060);
  EXPECT_LT(at, 165100);
  EXPECT_EQ(sent_by(*run.pair, net::Direction::InitiatorToResponder).size(), 6u);
}

TEST(SelfPair, DeleteChildThenIkeFromEitherSide) {
  PairRun run = start(base_options());
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  auto& i = run.pair->initiator();
  auto& r = run.pair->responder();
  uint32_t child = i.ike_sa(run.ike)->children[0].id;
  ASSERT_TRUE(i.delete_child(run.ike, child).ok());
  ASSERT_TRUE(run.pair->run_until([&] { return r.ike_sas()[0].children[0].state == ChildSaState::Deleted &&
                                                i.ike_sa(run.ike)->children[0].state == ChildSaState::Deleted; }));
  // The responder deletes the IKE SA with its own first request (ID 0).
  uint64_t rsa = r.ike_sas()[0].serial;
  ASSERT_TRUE(r.delete_ike(rsa).ok());
  ASSERT_TRUE(run.pair->run_until([&] {
    return i.ike_sa(run.ike)->state == IkeSaState::Deleted && r.ike_sa(rsa)->state == IkeSaState::Deleted;
  }));
  auto from_r = sent_by(*run.pair, net::Direction::ResponderToInitiator);
  auto last = codec::decode_message(from_r.back());
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->header.exchange_type, ExchangeType::INFORMATIONAL);
  EXPECT_FALSE(last->header.is_response());
  EXPECT_FALSE(last->header.is_initiator());
  EXPECT_EQ(last->header.message_id, 0u);
}

TEST(SelfPair, LivenessChecksFromBothSidesUseSeparateMessageIds) {
  PairRun run = start(base_options());
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  auto& i = run.pair->initiator();
  auto& r = run.pair->responder();
  uint64_t rsa = r.ike_sas()[0].serial;
  ASSERT_TRUE(i.liveness_check(run.ike).ok());
  ASSERT_TRUE(r.liveness_check(rsa).ok());
  ASSERT_TRUE(r.liveness_check(rsa).ok());
  run.pair->run(30s);
  std::vector<uint32_t> i_requests, r_requests;
  for (const auto& b : sent_by(*run.pair, net::Direction::InitiatorToResponder)) {
    auto m = codec::decode_message(b);
    if (m && !m->header.is_response()) i_requests.push_back(m->header.message_id);
  }
  for (const auto& b : sent_by(*run.pair, net::Direction::ResponderToInitiator)) {
    auto m = codec::decode_message(b);
    if (m && !m->header.is_response()) r_requests.push_back(m->header.message_id);
  }
  EXPECT_EQ(i_requests, (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(r_requests, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(i.ike_sa(run.ike)->state, IkeSaState::Established);
}

TEST(SelfPair, CfgSetGetsZeroLengthCfgAckOrNoCpWhenIgnored) {
  PairRun run = start(base_options());
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  auto& i = run.pair->initiator();
  CfgAttribute subnet = attribute(CfgAttributeType::INTERNAL_IP4_SUBNET, Bytes{192, 168, 1, 13, 255, 255, 255, 255});
  ASSERT_TRUE(i.send_cfg_set(run.ike, {subnet}).ok());
  run.pair->run(10s);
  auto ack = i.last_cfg_ack(run.ike);
  ASSERT_TRUE(ack);
  ASSERT_EQ(ack->size(), 1u);
  EXPECT_EQ((*ack)[0].type, CfgAttributeType::INTERNAL_IP4_SUBNET);
  EXPECT_TRUE((*ack)[0].value.empty());
  // A responder that ignores CFG_SET answers without CP (RFC 7296 3.15.1).
  run.pair->responder().set_cfg_set_hook([](uint64_t, const codec::IdPayload&, const std::vector<CfgAttribute>&) {
    return std::optional<std::vector<CfgAttribute>>();
  });
  ASSERT_TRUE(i.send_cfg_set(run.ike, {subnet}).ok());
  run.pair->run(10s);
  EXPECT_FALSE(i.last_cfg_ack(run.ike));
}

TEST(SelfPair, InitialContactReplacesTheOldIkeSaOfTheSameIdentity) {
  PairRun run = start(base_options());
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  auto first = run.pair->responder().ike_sas()[0].serial;
  auto again = run.pair->initiate();
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, *again); }));
  auto& r = run.pair->responder();
  EXPECT_EQ(r.ike_sa(first)->state, IkeSaState::Deleted);
  EXPECT_EQ(r.ike_sas_in(IkeSaState::Established).size(), 1u);
  EXPECT_TRUE(has_event(run.r_events, EventKind::Decision, "INITIAL_CONTACT"));
}

TEST(SelfPair, WithoutInitialContactBothIkeSasStay) {
  auto o = base_options();
  o.initiator.initial_contact = false;
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  auto again = run.pair->initiate();
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, *again); }));
  EXPECT_EQ(run.pair->responder().ike_sas_in(IkeSaState::Established).size(), 2u);
}

TEST(SelfPair, UnknownSpiRequestIsAnsweredWithInvalidIkeSpi) {
  PairRun run = start(base_options());
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  auto m = codec::make_message(ExchangeType::INFORMATIONAL, codec::flags::kInitiator, 5, 0x1122334455667788ull,
                               0x99aabbccddeeff00ull, {codec::Payload(codec::PayloadType::SK, codec::SkPayload{})});
  Bytes wire = codec::encode_message(m);
  std::size_t before = sent_by(*run.pair, net::Direction::ResponderToInitiator).size();
  run.pair->responder().receive(wire, engine::Route{run.pair->options().initiator_address, false});
  auto after = sent_by(*run.pair, net::Direction::ResponderToInitiator);
  ASSERT_EQ(after.size(), before + 1);
  auto answer = codec::decode_message(after.back());
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(answer->header.is_response());
  EXPECT_EQ(answer->header.message_id, 5u);
  EXPECT_EQ(answer->header.spi_i, 0x1122334455667788ull);
  const auto* n = answer->find_notify(codec::NotifyType::INVALID_IKE_SPI);
  EXPECT_NE(n, nullptr);
}

TEST(SelfPair, RetransmittedRequestIsAnsweredFromTheCacheNotReprocessed) {
  auto o = base_options();
  // Lose the first IKE_AUTH response: the request comes again and must get
  // the same bytes back, without a second authentication.
  net::FaultRule drop;
  drop.match.direction = net::DirectionMatch::ResponderToInitiator;
  drop.match.packet_index = 2;
  drop.action = net::FaultAction::Drop;
  o.faults = {drop};
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  auto from_r = sent_by(*run.pair, net::Direction::ResponderToInitiator);
  ASSERT_EQ(from_r.size(), 3u);
  EXPECT_EQ(from_r[1], from_r[2]);
  EXPECT_TRUE(has_event(run.r_events, EventKind::Retransmit, "answered from the cache"));
  EXPECT_EQ(run.pair->responder().ike_sas()[0].children.size(), 1u);
}

TEST(SelfPair, LargerWindowLetsSeveralRequestsFlyAtOnce) {
  auto o = base_options();
  o.initiator.window_size = 4;
  o.responder.window_size = 4;
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  auto& i = run.pair->initiator();
  EXPECT_EQ(i.ike_sa(run.ike)->peer_window, 4u);
  std::size_t before = sent_by(*run.pair, net::Direction::InitiatorToResponder).size();
  for (int k = 0; k < 3; ++k) ASSERT_TRUE(i.liveness_check(run.ike).ok());
  // All three leave before any answer comes back.
  EXPECT_EQ(sent_by(*run.pair, net::Direction::InitiatorToResponder).size(), before + 3);
  run.pair->run(10s);
  EXPECT_EQ(sent_by(*run.pair, net::Direction::ResponderToInitiator).size(), 2u + 3u);
}

// RFC 7296 2.1 and 2.3 under a hostile link: 30% loss, duplicates and
// reordering in both directions; every seeded run must still establish.
TEST(SelfPair, ThousandLossyRunsAllComplete) {
  int failures = 0;
  uint64_t retransmissions = 0, dropped = 0;
  for (uint64_t seed = 1; seed <= 1000; ++seed) {
    auto o = base_options(seed);
    for (auto* c : {&o.initiator, &o.responder}) {
      c->retransmit.timeout_s = 1.0;
      c->retransmit.tries = 20;
      c->retransmit.limit_s = 4.0;
    }
    net::FaultRule drop;
    drop.action = net::FaultAction::Drop;
    drop.match.probability = 0.3;
    net::FaultRule dup;
    dup.action = net::FaultAction::Duplicate;
    dup.match.probability = 0.1;
    net::FaultRule reorder;
    reorder.action = net::FaultAction::Reorder;
    reorder.match.probability = 0.1;
    o.faults = {drop, dup, reorder};
    PairRun run = start(std::move(o));
    bool ok = run.pair->run_until([&] { return established(*run.pair, run.ike); }, 300s);
    retransmissions += run.pair->initiator().ike_sa(run.ike)->retransmissions;
    for (const auto& ev : run.pair->link().faults().events())
      if (ev.action == net::FaultAction::Drop) ++dropped;
    if (!ok) {
      ++failures;
      ADD_FAILURE() << "seed " << seed << " did not establish";
    }
  }
  EXPECT_EQ(failures, 0);
  // The link really was hostile: about 30% of some 4,000+ datagrams lost.
  EXPECT_GT(dropped, 1000u);
  EXPECT_GT(retransmissions, 500u);
}

}  // namespace
}  // namespace ikeh::scenario

namespace ikeh::scenario {
namespace {

// Live Child SAs of one IKE SA.
std::vector<engine::ChildSaInfo> live_children(const engine::IkeSaInfo& sa) {
  std::vector<engine::ChildSaInfo> out;
  for (const auto& c : sa.children)
    if (c.state == ChildSaState::Installed) out.push_back(c);
  return out;
}

uint64_t responder_sa(SelfPair& p) { return p.responder().ike_sas_in(IkeSaState::Established).at(0); }

TEST(SelfPairCreateChild, NewChildWithPfsIsInstalledOnBothSides) {
  auto o = base_options();
  for (auto* c : {&o.initiator, &o.responder})
    c->child_policy.suites = {engine::esp_suite(codec::EncrId::ENCR_AES_GCM_16, 256, codec::IntegId::AUTH_NONE,
                                                codec::EsnId::NO_ESN, codec::DhGroup::CURVE25519)};
  o.initiator.first_child = true;
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  ASSERT_TRUE(run.pair->initiator().create_child(run.ike).ok());
  run.pair->run(10s);
  auto i = live_children(*run.pair->initiator().ike_sa(run.ike));
  auto r = live_children(*run.pair->responder().ike_sa(responder_sa(*run.pair)));
  ASSERT_EQ(i.size(), 2u);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(i[1].inbound_spi(), r[1].outbound_spi());
  EXPECT_TRUE(std::equal(i[1].sa.keys.encr_i.view().begin(), i[1].sa.keys.encr_i.view().end(),
                         r[1].sa.keys.encr_i.view().begin(), r[1].sa.keys.encr_i.view().end()));
  // With PFS the CREATE_CHILD_SA request carried a KE payload.
  bool ke_seen = false;
  for (const auto& e : run.i_events)
    if (e.kind == EventKind::MessageSent && e.exchange == ExchangeType::CREATE_CHILD_SA)
      for (const auto& p : e.payloads) ke_seen |= p.type == codec::PayloadType::KE;
  EXPECT_TRUE(ke_seen);
}

TEST(SelfPairCreateChild, ChildRekeyReplacesTheOldChildOnBothSides) {
  PairRun run = start(base_options());
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  auto& i = run.pair->initiator();
  uint32_t old = i.ike_sa(run.ike)->children[0].id;
  Bytes old_spi = i.ike_sa(run.ike)->children[0].inbound_spi();
  ASSERT_TRUE(i.rekey_child(run.ike, old).ok());
  run.pair->run(10s);
  auto li = live_children(*i.ike_sa(run.ike));
  auto lr = live_children(*run.pair->responder().ike_sa(responder_sa(*run.pair)));
  ASSERT_EQ(li.size(), 1u);
  ASSERT_EQ(lr.size(), 1u);
  EXPECT_NE(li[0].id, old);
  EXPECT_NE(li[0].inbound_spi(), old_spi);
  EXPECT_EQ(li[0].inbound_spi(), lr[0].outbound_spi());
  // The rekeyed selectors are the old ones (RFC 7296 2.9.2).
  EXPECT_EQ(li[0].sa.tsi.size(), 1u);
}

TEST(SelfPairCreateChild, IkeRekeyMovesChildrenAndDeletesTheOldSa) {
  PairRun run = start(base_options());
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  auto& i = run.pair->initiator();
  auto& r = run.pair->responder();
  auto before = *i.ike_sa(run.ike);
  ASSERT_TRUE(i.rekey_ike(run.ike).ok());
  run.pair->run(10s);
  auto old_i = *i.ike_sa(run.ike);
  EXPECT_EQ(old_i.state, IkeSaState::Deleted);
  ASSERT_NE(old_i.replaced_by, 0u);
  auto fresh_i = *i.ike_sa(old_i.replaced_by);
  EXPECT_EQ(fresh_i.state, IkeSaState::Established);
  EXPECT_NE(fresh_i.spi_i, before.spi_i);
  EXPECT_TRUE(fresh_i.original_initiator);
  ASSERT_EQ(live_children(fresh_i).size(), 1u);
  auto rs = r.ike_sas_in(IkeSaState::Established);
  ASSERT_EQ(rs.size(), 1u);
  auto fresh_r = *r.ike_sa(rs[0]);
  EXPECT_EQ(fresh_r.spi_i, fresh_i.spi_i);
  EXPECT_EQ(fresh_r.spi_r, fresh_i.spi_r);
  EXPECT_EQ(live_children(fresh_r).size(), 1u);
  // The rekeyed SA carries traffic: a liveness check over it is answered.
  ASSERT_TRUE(i.liveness_check(fresh_i.serial).ok());
  run.pair->run(10s);
  EXPECT_EQ(i.ike_sa(fresh_i.serial)->state, IkeSaState::Established);
  EXPECT_EQ(i.ike_sa(fresh_i.serial)->retransmissions, 0u);
  // Both sides export keys for the old and the new SA.
  EXPECT_EQ(i.key_table().size(), 2u);
}

// RFC 7296 2.8.1: both sides rekey the same Child SA at once; exactly one
// new Child SA survives, the same on both sides, and the old one goes.
TEST(SelfPairCreateChild, SimultaneousChildRekeyLeavesOneChild) {
  for (uint64_t seed : {3u, 4u, 5u, 6u, 7u, 8u}) {
    PairRun run = start(base_options(seed));
    ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
    auto& i = run.pair->initiator();
    auto& r = run.pair->responder();
    uint64_t rsa = responder_sa(*run.pair);
    ASSERT_TRUE(i.rekey_child(run.ike, i.ike_sa(run.ike)->children[0].id).ok());
    ASSERT_TRUE(r.rekey_child(rsa, r.ike_sa(rsa)->children[0].id).ok());
    run.pair->run(20s);
    auto li = live_children(*i.ike_sa(run.ike));
    auto lr = live_children(*r.ike_sa(rsa));
    ASSERT_EQ(li.size(), 1u) << "seed " << seed;
    ASSERT_EQ(lr.size(), 1u) << "seed " << seed;
    EXPECT_EQ(li[0].inbound_spi(), lr[0].outbound_spi()) << "seed " << seed;
    EXPECT_TRUE(has_event(run.i_events, EventKind::Decision, "rekey collision"));
    EXPECT_TRUE(has_event(run.r_events, EventKind::Decision, "rekey collision"));
  }
}

// RFC 7296 2.8.2: both sides rekey the IKE SA at once; one new IKE SA
// survives on both sides with the Child SA.
TEST(SelfPairCreateChild, SimultaneousIkeRekeyLeavesOneIkeSa) {
  for (uint64_t seed : {3u, 4u, 5u, 6u}) {
    PairRun run = start(base_options(seed));
    ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
    auto& i = run.pair->initiator();
    auto& r = run.pair->responder();
    uint64_t rsa = responder_sa(*run.pair);
    ASSERT_TRUE(i.rekey_ike(run.ike).ok());
    ASSERT_TRUE(r.rekey_ike(rsa).ok());
    run.pair->run(20s);
    auto ei = i.ike_sas_in(IkeSaState::Established);
    auto er = r.ike_sas_in(IkeSaState::Established);
    ASSERT_EQ(ei.size(), 1u) << "seed " << seed;
    ASSERT_EQ(er.size(), 1u) << "seed " << seed;
    auto si = *i.ike_sa(ei[0]);
    auto sr = *r.ike_sa(er[0]);
    EXPECT_EQ(si.spi_i, sr.spi_i) << "seed " << seed;
    EXPECT_EQ(si.spi_r, sr.spi_r) << "seed " << seed;
    EXPECT_EQ(live_children(si).size(), 1u) << "seed " << seed;
    EXPECT_EQ(live_children(sr).size(), 1u) << "seed " << seed;
  }
}

TEST(SelfPairCreateChild, LifetimesRekeyOnVirtualTime) {
  auto o = base_options();
  o.initiator.lifetimes.child_rekey_s = 3600;
  o.initiator.lifetimes.ike_rekey_s = 4 * 3600;
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  run.pair->run(std::chrono::hours(6));
  // One hour of virtual time per Child SA rekey (the one due at 4 h yields
  // to the IKE rekey and its moved Child SA is rekeyed an hour later): six
  // hours of schedule run in this test's real milliseconds.
  auto ei = run.pair->initiator().ike_sas_in(IkeSaState::Established);
  ASSERT_EQ(ei.size(), 1u);
  EXPECT_NE(ei[0], run.ike);
  EXPECT_EQ(live_children(*run.pair->initiator().ike_sa(ei[0])).size(), 1u);
  EXPECT_GE(run.pair->initiator().ike_sa(ei[0])->children.back().id, 5u);
}

TEST(SelfPairCreateChild, UnacceptableSelectorsAreRefusedAndTheIkeSaStays) {
  auto o = base_options();
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  // The responder now allows only 10.1.0.0/16 on its side; a new Child SA
  // asks for 192.168.0.0/16.
  auto& i = run.pair->initiator();
  const_cast<EngineConfig&>(run.pair->responder().config()).local_ts = {
      engine::prefix_selector(Bytes{10, 1, 0, 0}, 16)};
  const_cast<EngineConfig&>(i.config()).remote_ts = {engine::prefix_selector(Bytes{192, 168, 0, 0}, 16)};
  ASSERT_TRUE(i.create_child(run.ike).ok());
  run.pair->run(10s);
  EXPECT_TRUE(has_event(run.i_events, EventKind::Error, "TS_UNACCEPTABLE"));
  EXPECT_EQ(i.ike_sa(run.ike)->state, IkeSaState::Established);
  EXPECT_EQ(live_children(*i.ike_sa(run.ike)).size(), 1u);
}

}  // namespace
}  // namespace ikeh::scenario

namespace ikeh::scenario {
namespace {

TEST(SelfPairPaths, CertificatePairFromTheExampleConfigsAuthenticates) {
  auto i = load_engine_config(std::string(IKEH_SOURCE_DIR) + "/examples/configs/cert-initiator.json");
  auto r = load_engine_config(std::string(IKEH_SOURCE_DIR) + "/examples/configs/cert-responder.json");
  ASSERT_TRUE(i.ok()) << i.error().to_string();
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  SelfPairOptions o;
  o.initiator = *i;
  o.responder = *r;
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return settled(*run.pair, run.ike); }));
  auto sa = *run.pair->initiator().ike_sa(run.ike);
  ASSERT_EQ(sa.state, IkeSaState::Established);
  EXPECT_EQ(sa.peer_id.data, fqdn("hub.example").data);
  // The certificates travelled in CERT payloads and AUTH used RFC 7427.
  bool cert = false, auth14 = false;
  for (const auto& e : run.i_events)
    if (e.kind == EventKind::MessageReceived && e.exchange == ExchangeType::IKE_AUTH)
      for (const auto& p : e.payloads) {
        cert |= p.type == codec::PayloadType::CERT;
        if (const auto* a = p.as<codec::AuthPayload>(); a && p.type == codec::PayloadType::AUTH)
          auth14 |= a->method == codec::AuthMethod::DIGITAL_SIGNATURE;
      }
  EXPECT_TRUE(cert);
  EXPECT_TRUE(auth14);
}

TEST(SelfPairPaths, ForcedNatTraversalMovesIkeAuthToThe4500PortWithTheMarker) {
  auto o = base_options();
  o.initiator.force_natt = true;
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  std::vector<bool> marker;
  for (const auto& rec : run.pair->link().records())
    if (rec.event == net::LinkRecord::Event::Sent) marker.push_back(rec.non_esp_marker);
  // IKE_SA_INIT on 500 both ways, IKE_AUTH on 4500 both ways (RFC 7296 2.23:
  // the responder answers where the request came from).
  EXPECT_EQ(marker, (std::vector<bool>{false, false, true, true}));
  EXPECT_TRUE(run.pair->initiator().ike_sa(run.ike)->route.natt);
}

TEST(SelfPairPaths, ResponderAsksForCertificatesInIkeSaInit) {
  auto i = load_engine_config(std::string(IKEH_SOURCE_DIR) + "/examples/configs/cert-initiator.json");
  auto r = load_engine_config(std::string(IKEH_SOURCE_DIR) + "/examples/configs/cert-responder.json");
  ASSERT_TRUE(i.ok() && r.ok());
  SelfPairOptions o;
  o.initiator = *i;
  o.responder = *r;
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return settled(*run.pair, run.ike); }));
  auto response = codec::decode_message(sent_by(*run.pair, net::Direction::ResponderToInitiator).at(0));
  ASSERT_TRUE(response.ok());
  const auto* req = response->find(codec::PayloadType::CERTREQ);
  ASSERT_NE(req, nullptr);
  // One SHA-1 of the CA's SubjectPublicKeyInfo (RFC 7296 3.7).
  EXPECT_EQ(req->as<codec::CertReqPayload>()->data, r->remote_auth.trusted.at(0).spki_sha1());
  // Received-message events report the header's SPIs: SPIr is 0 in the
  // request, set in the response.
  for (const auto& e : run.r_events) {
    if (e.kind == EventKind::MessageReceived && e.exchange == ExchangeType::IKE_SA_INIT) {
      EXPECT_EQ(e.spi_r, 0u);
    }
  }
  for (const auto& e : run.i_events) {
    if (e.kind == EventKind::MessageReceived && e.exchange == ExchangeType::IKE_SA_INIT) {
      EXPECT_NE(e.spi_r, 0u);
    }
  }
}

TEST(SelfPairPaths, RedirectSupportedIsSentAndParsed) {
  for (bool announce : {true, false}) {
    auto o = base_options();
    o.initiator.redirect_supported = announce;
    PairRun run = start(std::move(o));
    ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
    EXPECT_EQ(run.pair->responder().ike_sas().at(0).peer_redirect_supported, announce);
    auto first = codec::decode_message(sent_by(*run.pair, net::Direction::InitiatorToResponder).at(0));
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->find_notify(codec::NotifyType::REDIRECT_SUPPORTED) != nullptr, announce);
  }
}

TEST(SelfPairPaths, TransportModeOnlyWhenBothSidesWantIt) {
  for (bool responder_allows : {true, false}) {
    auto o = base_options();
    o.initiator.transport_mode = true;
    o.responder.transport_mode = responder_allows;
    PairRun run = start(std::move(o));
    ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
    EXPECT_EQ(run.pair->initiator().ike_sa(run.ike)->children.at(0).transport_mode, responder_allows);
    EXPECT_EQ(run.pair->responder().ike_sas().at(0).children.at(0).transport_mode, responder_allows);
  }
}

TEST(SelfPairPaths, NoCommonIkeProposalFailsTheInitiator) {
  auto o = base_options();
  o.responder.ike_policy.suites = {engine::ike_suite(codec::EncrId::ENCR_AES_CBC, 128,
                                                     codec::IntegId::AUTH_HMAC_SHA2_256_128,
                                                     codec::PrfId::PRF_HMAC_SHA2_256, codec::DhGroup::ECP_256)};
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return settled(*run.pair, run.ike); }));
  EXPECT_EQ(run.pair->initiator().ike_sa(run.ike)->state, IkeSaState::Failed);
  EXPECT_TRUE(has_event(run.i_events, EventKind::IkeSaState, "NO_PROPOSAL_CHOSEN"));
  // The responder kept no state (RFC 7296 2.6: refusals are stateless).
  EXPECT_TRUE(run.pair->responder().ike_sas().empty());
}

TEST(SelfPairPaths, CorruptedIcvIsDroppedAndTheRetransmissionGetsThrough) {
  auto o = base_options();
  net::FaultRule corrupt;
  corrupt.match.direction = net::DirectionMatch::InitiatorToResponder;
  corrupt.match.packet_index = 2;  // the first IKE_AUTH request
  corrupt.action = net::FaultAction::Corrupt;
  corrupt.corruption.mode = net::Corruption::Mode::XorByte;
  corrupt.corruption.offset = 60;  // inside the ciphertext: the GCM tag no longer verifies
  corrupt.corruption.mask = 0x01;
  o.faults = {corrupt};
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  EXPECT_TRUE(has_event(run.r_events, EventKind::Error, "message dropped"));
  EXPECT_EQ(run.pair->initiator().ike_sa(run.ike)->retransmissions, 1u);
}

TEST(SelfPairPaths, RequestBeyondTheWindowIsDroppedAndReportedWithInvalidMessageId) {
  PairRun run = start(base_options());
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  auto rows = run.pair->initiator().key_table();
  ASSERT_EQ(rows.size(), 1u);
  auto suite = rows[0].suite();
  ASSERT_TRUE(suite.ok());
  // An INFORMATIONAL request with Message ID 50, protected with the real
  // keys: authentic, but far beyond the responder's window of 1.
  auto m = codec::make_message(ExchangeType::INFORMATIONAL, codec::flags::kInitiator, 50, rows[0].spi_i,
                               rows[0].spi_r, {codec::Payload(codec::PayloadType::SK, codec::SkPayload{})});
  auto wire = crypto::protect(*suite, crypto::keys_for(rows[0].ike_sa_keys(), true), m, codec::PayloadType::NONE, {});
  ASSERT_TRUE(wire.ok()) << wire.error().to_string();
  run.pair->responder().receive(*wire, engine::Route{run.pair->options().initiator_address, false});
  run.pair->run(10s);
  EXPECT_TRUE(has_event(run.r_events, EventKind::Error, "beyond the window"));
  bool reported = false;
  for (const auto& e : run.r_events)
    if (e.kind == EventKind::MessageSent && !e.response && e.exchange == ExchangeType::INFORMATIONAL)
      for (const auto& p : e.payloads)
        if (const auto* n = p.as<codec::NotifyPayload>(); n && n->type == codec::NotifyType::INVALID_MESSAGE_ID)
          reported = n->data == (Bytes{0, 0, 0, 50});
  EXPECT_TRUE(reported);
  // Not processed: no response to ID 50 went out, the SA is intact.
  for (const auto& e : run.r_events) EXPECT_FALSE(e.kind == EventKind::MessageSent && e.response && e.message_id == 50);
  EXPECT_EQ(run.pair->initiator().ike_sa(run.ike)->state, IkeSaState::Established);
}

}  // namespace
}  // namespace ikeh::scenario

namespace ikeh::scenario {
namespace {

TEST(SelfPairPaths, DeletedSasAreForgottenButTheirKeysStayExportable) {
  PairRun run = start(base_options());
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  auto& i = run.pair->initiator();
  ASSERT_TRUE(i.delete_ike(run.ike).ok());
  run.pair->run(10s);
  ASSERT_TRUE(i.ike_sa(run.ike));
  EXPECT_EQ(i.ike_sa(run.ike)->state, IkeSaState::Deleted);
  run.pair->run(engine::Engine::kForgetAfter);
  EXPECT_FALSE(i.ike_sa(run.ike));
  EXPECT_TRUE(run.pair->responder().ike_sas().empty());
  EXPECT_EQ(i.key_table().size(), 1u);
}

}  // namespace
}  // namespace ikeh::scenario

namespace ikeh::scenario {
namespace {

TEST(SelfPairPaths, ExhaustedPoolFailsTheChildSaWithInternalAddressFailureAndKeepsTheIkeSa) {
  auto o = base_options();
  o.initiator.initial_contact = false;
  o.initiator.cp_request = std::vector<CfgAttribute>{attribute(CfgAttributeType::INTERNAL_IP4_ADDRESS, {})};
  engine::AddressPoolConfig pool;
  pool.first = {10, 99, 0, 10};
  pool.last = {10, 99, 0, 10};  // one address
  o.responder.pool = pool;
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  auto second = run.pair->initiate();
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(run.pair->run_until([&] { return settled(*run.pair, *second); }));
  auto sa = *run.pair->initiator().ike_sa(*second);
  EXPECT_EQ(sa.state, IkeSaState::Established);
  EXPECT_TRUE(sa.children.empty());
  EXPECT_TRUE(has_event(run.i_events, EventKind::IkeSaState, "INTERNAL_ADDRESS_FAILURE"));
  // Deleting the first IKE SA returns its address to the pool.
  ASSERT_TRUE(run.pair->initiator().delete_ike(run.ike).ok());
  run.pair->run(10s);
  auto third = run.pair->initiate();
  ASSERT_TRUE(third.ok());
  ASSERT_TRUE(run.pair->run_until([&] { return settled(*run.pair, *third); }));
  EXPECT_EQ(run.pair->initiator().ike_sa(*third)->children.size(), 1u);
}

TEST(SelfPairPaths, PcapOfASelfRunHoldsEveryDatagramOnItsPorts) {
  auto o = base_options();
  o.initiator.force_natt = true;
  PairRun run = start(std::move(o));
  ASSERT_TRUE(run.pair->run_until([&] { return established(*run.pair, run.ike); }));
  std::string path = ::testing::TempDir() + "/self_pair.pcap";
  {
    auto w = reports::PcapWriter::open(path);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(run.pair->write_pcap(*w).ok());
  }
  auto reader = net::CaptureReader::open(path);
  ASSERT_TRUE(reader.ok());
  std::vector<net::CaptureFrame> frames;
  net::CaptureFrame f;
  while (reader->next(f) == net::ReadStatus::Frame)
    if (f.kind == net::FrameKind::Datagram) frames.push_back(f);
  std::vector<Bytes> sent;
  for (const auto& r : run.pair->link().records())
    if (r.event == net::LinkRecord::Event::Sent) sent.push_back(r.bytes);
  ASSERT_EQ(frames.size(), sent.size());
  for (std::size_t k = 0; k < frames.size(); ++k) {
    EXPECT_EQ(frames[k].src, k % 2 ? "10.0.0.2" : "10.0.0.1");
    EXPECT_EQ(frames[k].sport, k < 2 ? 500 : 4500);
    EXPECT_EQ(frames[k].datagram.ike_offset, k < 2 ? 0u : 4u);
    EXPECT_EQ(Bytes(frames[k].payload.begin() + frames[k].datagram.ike_offset, frames[k].payload.end()), sent[k])
        << "frame " << k;
  }
}

}  // namespace
}  // namespace ikeh::scenario
