// SPDX-License-Identifier: Apache-2.0
// SteppedEngine: an engine whose datagrams wait for the caller and whose
// time moves only when told. Two of them on one clock are stepped through a
// whole IKE SA by hand; retransmission, determinism per seed, the network
// section and the lifetime of engines on a shared clock are checked.
#include "harness/scenario/stepped_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "harness/codec/message.h"

namespace ikeh::scenario {
namespace {

using codec::ExchangeType;
using core::Bytes;
using core::BytesView;
using engine::EngineConfig;
using engine::Event;
using engine::EventKind;
using engine::IkeSaState;
using namespace std::chrono_literals;

codec::IdPayload fqdn(const std::string& name) {
  codec::IdPayload id;
  id.id_type = codec::IdType::ID_FQDN;
  id.data.assign(name.begin(), name.end());
  return id;
}

crypto::Secret secret(const std::string& s) {
  return crypto::Secret(BytesView(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

EngineConfig config(const std::string& local) {
  EngineConfig c;
  c.ike_policy.protocol = codec::ProtocolId::IKE;
  c.ike_policy.suites = {engine::ike_suite(codec::EncrId::ENCR_AES_GCM_16, 256, codec::IntegId::AUTH_NONE,
                                           codec::PrfId::PRF_HMAC_SHA2_256, codec::DhGroup::ECP_256)};
  c.child_policy.protocol = codec::ProtocolId::ESP;
  c.child_policy.suites = {
      engine::esp_suite(codec::EncrId::ENCR_AES_GCM_16, 256, codec::IntegId::AUTH_NONE, codec::EsnId::NO_ESN)};
  c.local_id = fqdn(local);
  c.local_auth.kind = engine::AuthKind::Psk;
  c.local_auth.psk = secret("stepped-test-key");
  c.psks = {engine::PskEntry{std::nullopt, secret("stepped-test-key")}};
  Bytes any4(4, 0);
  c.local_ts = {engine::prefix_selector(any4, 0)};
  c.remote_ts = {engine::prefix_selector(any4, 0)};
  c.retransmit.timeout_s = 4.0;
  return c;
}

SteppedEngineOptions options(const std::string& name, Bytes address, uint64_t seed) {
  SteppedEngineOptions o;
  o.local = engine::Endpoint{std::move(address), 500};
  o.name = name;
  o.seed = seed;
  return o;
}

struct Two {
  std::shared_ptr<core::VirtualClock> clock = std::make_shared<core::VirtualClock>();
  std::unique_ptr<SteppedEngine> i, r;
};

Two make_two(uint64_t seed = 3) {
  Two t;
  auto i = SteppedEngine::create(config("spoke.example"), options("initiator", {10, 0, 0, 1}, seed * 2), t.clock);
  EXPECT_TRUE(i.ok()) << (i.ok() ? "" : i.error().to_string());
  auto r = SteppedEngine::create(config("hub.example"), options("responder", {10, 0, 0, 2}, seed * 2 + 1), t.clock);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  if (i) t.i = std::move(i).value();
  if (r) t.r = std::move(r).value();
  return t;
}

codec::Message decoded(const SteppedDatagram& d) {
  auto m = codec::decode_message(d.data);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().to_string());
  return m ? std::move(m).value() : codec::Message{};
}

// Moves one datagram from `from` to `to`; returns it decoded.
codec::Message hand_over(SteppedEngine& from, SteppedEngine& to) {
  auto out = from.take();
  EXPECT_EQ(out.size(), 1u);
  if (out.empty()) return {};
  to.receive(out[0]);
  return decoded(out[0]);
}

TEST(SteppedEngine, TwoEnginesSteppedByHandEstablishAnIkeSa) {
  Two t = make_two();
  ASSERT_TRUE(t.i && t.r);
  auto ike = t.i->engine().initiate(engine::Endpoint{{10, 0, 0, 2}, 500});
  ASSERT_TRUE(ike.ok());
  // Nothing is delivered on its own: the request waits in the queue.
  ASSERT_EQ(t.i->queued(), 1u);
  EXPECT_EQ(t.r->engine().ike_sas().size(), 0u);
  auto sent = t.i->take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(t.i->queued(), 0u);
  EXPECT_EQ(sent[0].source.address, (Bytes{10, 0, 0, 1}));
  EXPECT_EQ(sent[0].source.port, 500);
  EXPECT_EQ(sent[0].destination.remote.address, (Bytes{10, 0, 0, 2}));
  EXPECT_FALSE(sent[0].destination.natt);
  auto init_req = decoded(sent[0]);
  EXPECT_EQ(init_req.header.exchange_type, ExchangeType::IKE_SA_INIT);
  EXPECT_FALSE(init_req.header.is_response());
  t.r->receive(sent[0]);

  auto init_resp = hand_over(*t.r, *t.i);
  EXPECT_EQ(init_resp.header.exchange_type, ExchangeType::IKE_SA_INIT);
  EXPECT_TRUE(init_resp.header.is_response());
  auto auth_req = hand_over(*t.i, *t.r);
  EXPECT_EQ(auth_req.header.exchange_type, ExchangeType::IKE_AUTH);
  EXPECT_EQ(auth_req.header.message_id, 1u);
  auto auth_resp = hand_over(*t.r, *t.i);
  EXPECT_EQ(auth_resp.header.exchange_type, ExchangeType::IKE_AUTH);
  EXPECT_TRUE(auth_resp.header.is_response());

  auto i = t.i->engine().ike_sa(*ike);
  ASSERT_TRUE(i);
  EXPECT_EQ(i->state, IkeSaState::Established);
  EXPECT_EQ(t.r->engine().ike_sas_in(IkeSaState::Established).size(), 1u);
  EXPECT_EQ(i->spi_r, init_resp.header.spi_r);
  EXPECT_EQ(t.i->queued() + t.r->queued(), 0u);
  // The events were kept: both sides logged their way to Established and
  // every message they sent.
  auto count = [](const std::vector<Event>& es, EventKind k) {
    return std::count_if(es.begin(), es.end(), [k](const Event& e) { return e.kind == k; });
  };
  EXPECT_EQ(count(t.i->events(), EventKind::MessageSent), 2);
  EXPECT_EQ(count(t.r->events(), EventKind::MessageReceived), 2);
  EXPECT_TRUE(std::any_of(t.r->events().begin(), t.r->events().end(), [](const Event& e) {
    return e.kind == EventKind::IkeSaState && e.ike_state == IkeSaState::Established;
  }));
  t.i->clear_events();
  EXPECT_TRUE(t.i->events().empty());
}

TEST(SteppedEngine, RetransmissionWaitsForTheClock) {
  Two t = make_two();
  ASSERT_TRUE(t.i && t.r);
  ASSERT_TRUE(t.i->engine().initiate(engine::Endpoint{{10, 0, 0, 2}, 500}).ok());
  auto first = t.i->take();  // dropped
  ASSERT_EQ(first.size(), 1u);
  t.i->advance(3900ms);
  EXPECT_EQ(t.i->queued(), 0u);
  EXPECT_GE(t.i->advance(200ms), 1u);
  auto again = t.i->take();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].data, first[0].data);  // RFC 7296 2.1: the same bytes
  EXPECT_EQ(again[0].time, core::TimePoint{4s});
  EXPECT_EQ(t.r->clock().now(), core::TimePoint{4100ms});  // one clock for both
}

TEST(SteppedEngine, SameSeedSameBytes) {
  auto first_bytes = [](uint64_t seed) {
    Two t = make_two(seed);
    EXPECT_TRUE(t.i->engine().initiate(engine::Endpoint{{10, 0, 0, 2}, 500}).ok());
    auto d = t.i->take();
    return d.empty() ? Bytes{} : d[0].data;
  };
  EXPECT_EQ(first_bytes(5), first_bytes(5));
  EXPECT_NE(first_bytes(5), first_bytes(6));
}

TEST(SteppedEngine, NetworkSectionGivesAddressesAndPeer) {
  EndpointConfig c;
  c.engine = config("spoke.example");
  c.network.local_address = "192.0.2.10";
  c.network.local_port = 1500;
  c.network.local_natt_port = 14500;
  SteppedEngineOptions o;
  o.seed = 1;
  auto s = SteppedEngine::create(c, o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->local().address, (Bytes{192, 0, 2, 10}));
  EXPECT_EQ((*s)->local().port, 1500);
  EXPECT_EQ((*s)->natt_port(), 14500);
  auto none = (*s)->initiate();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().where, "network.remote_address");

  c.network.remote_address = "198.51.100.1";
  c.network.remote_port = 2500;
  auto p = SteppedEngine::create(c, o);
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE((*p)->initiate().ok());
  auto d = (*p)->take();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].destination.remote.address, (Bytes{198, 51, 100, 1}));
  EXPECT_EQ(d[0].destination.remote.port, 2500);
  EXPECT_EQ(d[0].source.port, 1500);

  c.network.local_address = "gw.example";
  auto bad = SteppedEngine::create(c, o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().where, "network.local_address");
}

TEST(SteppedEngine, InvalidConfigurationIsAnError) {
  EngineConfig c = config("x.example");
  c.window_size = 0;
  auto s = SteppedEngine::create(c, SteppedEngineOptions{});
  EXPECT_FALSE(s.ok());
}

TEST(SteppedEngine, AnEngineGoneFromASharedClockLeavesNoTimerBehind) {
  Two t = make_two();
  ASSERT_TRUE(t.i && t.r);
  ASSERT_TRUE(t.i->engine().initiate(engine::Endpoint{{10, 0, 0, 2}, 500}).ok());
  t.r->receive(t.i->take()[0]);
  EXPECT_GT(t.clock->pending(), 0u);
  t.i.reset();  // its retransmission timer goes with it
  t.clock->advance(600s);
  // The responder's half-open SA timed out on the same clock; its answer is
  // still queued for whoever takes it.
  EXPECT_EQ(t.r->take().size(), 1u);
}

}  // namespace
}  // namespace ikeh::scenario
