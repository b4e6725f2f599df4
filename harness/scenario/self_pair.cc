// SPDX-License-Identifier: Apache-2.0
#include "harness/scenario/self_pair.h"

#include <cstdio>
#include <string>
#include <utility>

#include "harness/engine/seeded_random.h"

namespace ikeh::scenario {

using engine::Endpoint;
using engine::Route;

SelfPair::SelfPair(SelfPairOptions options) : options_(std::move(options)) {}

core::Result<std::unique_ptr<SelfPair>> SelfPair::create(SelfPairOptions options) {
  std::unique_ptr<SelfPair> p(new SelfPair(std::move(options)));
  const auto& o = p->options_;
  p->link_ = std::make_unique<net::MemoryLink>(p->clock_, o.faults, o.seed, o.latency);
  SelfPair* self = p.get();

  auto side_env = [&](net::Side side, const Endpoint& local, uint64_t stream) {
    engine::EngineEnv env;
    env.clock = &self->clock_;
    // Distinct streams per side: the same seed must not give both sides the
    // same SPIs and nonces.
    env.random = engine::seeded_random(o.seed * 2 + stream);
    env.local = local;
    env.natt_port = 4500;
    env.name = side == net::Side::Initiator ? "initiator" : "responder";
    env.export_keys = o.export_keys;
    env.send = [self, side](const Route& to, core::BytesView message) { self->link_->send(side, message, to.natt); };
    return env;
  };
  auto i = engine::Engine::create(o.initiator, side_env(net::Side::Initiator, o.initiator_address, 0));
  if (!i) return i.error();
  auto r = engine::Engine::create(o.responder, side_env(net::Side::Responder, o.responder_address, 1));
  if (!r) return r.error();
  p->initiator_ = std::move(i).value();
  p->responder_ = std::move(r).value();

  auto deliver = [self](engine::Engine* to, Endpoint from_address) {
    return [self, to, from_address](const net::LinkDatagram& d) {
      Route from{from_address, d.non_esp_marker};
      if (d.non_esp_marker) from.remote.port = 4500;
      to->receive(d.bytes, from);
    };
  };
  p->link_->set_receiver(net::Side::Responder, deliver(p->responder_.get(), o.initiator_address));
  p->link_->set_receiver(net::Side::Initiator, deliver(p->initiator_.get(), o.responder_address));
  return p;
}

core::Result<uint64_t> SelfPair::initiate() { return initiator_->initiate(options_.responder_address, 4500); }

bool SelfPair::run_until(const std::function<bool()>& done, core::Duration limit) {
  core::TimePoint end = clock_.now() + limit;
  if (done()) return true;
  for (;;) {
    auto due = clock_.next_due();
    if (!due) {
      // Reorder rules may hold datagrams until more traffic comes; at a
      // standstill, let them go.
      link_->flush_held();
      due = clock_.next_due();
      if (!due) return done();
    }
    if (*due > end) {
      clock_.run_until(end);
      return done();
    }
    clock_.run_next();
    if (done()) return true;
  }
}

namespace {

std::string address_text(const core::Bytes& a) {
  std::string out;
  if (a.size() == 4) {
    for (std::size_t k = 0; k < 4; ++k) out += (k ? "." : "") + std::to_string(a[k]);
    return out;
  }
  char buf[8];
  for (std::size_t k = 0; k + 1 < a.size(); k += 2) {
    std::snprintf(buf, sizeof buf, "%s%x", k ? ":" : "", (a[k] << 8) | a[k + 1]);
    out += buf;
  }
  return out;
}

}  // namespace

core::Status SelfPair::write_pcap(reports::PcapWriter& writer) const {
  const std::string i = address_text(options_.initiator_address.address);
  const std::string r = address_text(options_.responder_address.address);
  for (const auto& rec : link_->records()) {
    if (rec.event != net::LinkRecord::Event::Sent) continue;
    bool from_i = rec.direction == net::Direction::InitiatorToResponder;
    uint16_t port = rec.non_esp_marker ? 4500 : 500;
    reports::Endpoint src{from_i ? i : r, port};
    reports::Endpoint dst{from_i ? r : i, port};
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(rec.time).count();
    auto st = writer.write_ike(src, dst, rec.bytes, us / 1000000, static_cast<uint32_t>(us % 1000000));
    if (!st) return st;
  }
  return {};
}

void SelfPair::run(core::Duration limit) {
  run_until([] { return false; }, limit);
}

}  // namespace ikeh::scenario
