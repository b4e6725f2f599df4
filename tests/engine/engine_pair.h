// SPDX-License-Identifier: Apache-2.0
// Two engines in one process joined by a queue of datagrams: seeded random
// sources, a virtual clock, every event and datagram of each side recorded.
// Delivery is explicit so a test can look at (or drop) what is in flight.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <vector>

#include "harness/codec/message.h"
#include "harness/core/clock.h"
#include "harness/engine/engine.h"
#include "harness/engine/seeded_random.h"
#include "tests/engine/ike_auth_fixture.h"

namespace ikeh::engine::test {

inline EngineConfig pair_config(const std::string& local, const std::string& remote) {
  EngineConfig c;
  c.ike_policy.suites = {ike_gcm()};
  c.local_id = fqdn(local);
  c.local_auth.psk = secret("correct horse battery staple");
  c.psks.push_back(PskEntry{fqdn(remote), secret("correct horse battery staple")});
  c.child_policy = esp_policy({esp_gcm()});
  c.local_ts = {prefix_selector(kAny4, 0)};
  c.remote_ts = {prefix_selector(kAny4, 0)};
  return c;
}

struct EnginePair {
  struct Datagram {
    bool to_responder = true;
    Route from;
    Bytes bytes;
  };

  core::VirtualClock clock;
  std::unique_ptr<Engine> i;
  std::unique_ptr<Engine> r;
  std::deque<Datagram> in_flight;
  std::vector<Event> events_i;
  std::vector<Event> events_r;
  std::vector<Bytes> sent_i;  // every datagram each side handed to its send callback
  std::vector<Bytes> sent_r;

  explicit EnginePair(EngineConfig ci = pair_config("initiator.example", "responder.example"),
                      EngineConfig cr = pair_config("responder.example", "initiator.example")) {
    i = make(std::move(ci), kInitiatorAddr, true, 1);
    r = make(std::move(cr), kResponderAddr, false, 2);
  }

  std::unique_ptr<Engine> make(EngineConfig c, const Endpoint& local, bool initiator, uint64_t seed) {
    EngineEnv env;
    env.clock = &clock;
    env.random = seeded_random(seed);
    env.local = local;
    env.name = initiator ? "initiator" : "responder";
    env.send = [this, initiator](const Route& to, core::BytesView m) {
      Datagram d;
      d.to_responder = initiator;
      d.from = Route{initiator ? kInitiatorAddr : kResponderAddr, to.natt};
      if (to.natt) d.from.remote.port = 4500;
      d.bytes.assign(m.begin(), m.end());
      (initiator ? sent_i : sent_r).push_back(d.bytes);
      in_flight.push_back(std::move(d));
    };
    auto e = Engine::create(std::move(c), std::move(env));
    EXPECT_TRUE(e.ok()) << e.error().to_string();
    if (!e) return nullptr;
    auto engine = std::move(e).value();
    auto* events = initiator ? &events_i : &events_r;
    engine->add_observer([events](const Event& ev) { events->push_back(ev); });
    return engine;
  }

  // Delivers everything in flight, and what that provokes, in order.
  void deliver_all() {
    for (int n = 0; !in_flight.empty() && n < 1000; ++n) {
      Datagram d = std::move(in_flight.front());
      in_flight.pop_front();
      (d.to_responder ? r : i)->receive(d.bytes, d.from);
    }
  }

  // Drops what is in flight (a lost datagram).
  void drop_all() { in_flight.clear(); }

  // Starts an IKE SA from i to r and runs it until nothing is in flight.
  uint64_t connect() {
    auto serial = i->initiate(kResponderAddr);
    EXPECT_TRUE(serial.ok());
    deliver_all();
    return serial ? *serial : 0;
  }

  // Fires the next timer (a retransmission) and delivers what it sends.
  bool tick() {
    if (!clock.run_next()) return false;
    deliver_all();
    return true;
  }
};

inline std::vector<const Event*> of_kind(const std::vector<Event>& events, EventKind k) {
  std::vector<const Event*> out;
  for (const auto& e : events)
    if (e.kind == k) out.push_back(&e);
  return out;
}

// The notify types of an unprotected message's payload chain.
inline std::vector<codec::NotifyType> outer_notifies(const Bytes& wire) {
  auto m = codec::decode_message(wire);
  EXPECT_TRUE(m.ok());
  if (!m) return {};
  return notifies_of(m->payloads);
}

inline bool has_payload(const std::vector<codec::Payload>& chain, codec::PayloadType t) {
  return find(chain, t) != nullptr;
}

}  // namespace ikeh::engine::test
