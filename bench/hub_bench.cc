// SPDX-License-Identifier: Apache-2.0
// The FlexVPN hub at scale (issue target: >= 1,000 sessions per second with
// ECP-256 on one core, <= 16 KiB per established idle session).
//
//   BM_HubSessions/spokes:<n>/log:<0|1>
//                        n spokes connect to one hub in self mode, one after
//                        the other on one thread: IKE_SA_INIT and IKE_AUTH
//                        with CFG_REQUEST -> CFG_REPLY from the hub's AAA
//                        group and pool, a Virtual-Access interface each, the
//                        hub's event log kept. ECP-256, AES-GCM-16-256, PSK
//                        from the keyring's "peer all". Both sides' work is
//                        timed (the spokes' too, so the hub alone is faster).
//                        sessions_per_s counts established hub sessions.
//                        Then the spokes' engine is destroyed and the heap in
//                        use (mallinfo2) is compared with the hub's before
//                        any spoke came: bytes_per_session is what one idle
//                        established session costs the hub (engine SA state
//                        and keys, the Hub's session, lease, interface and
//                        event lines). log:0 is a hub that keeps no event
//                        log in memory (Hub::Options::keep_events false, as
//                        a router with debugging off), log:1 keeps every
//                        line, as tests and reports do.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "bench/bench_suite.h"
#include "harness/engine/engine.h"
#include "harness/engine/seeded_random.h"
#include "harness/flexvpn/hub.h"
#include "harness/flexvpn/spoke.h"

namespace {

using namespace ikeh;
using core::Bytes;
using core::BytesView;

const std::string kPsk = "hub-bench-psk";
const engine::Endpoint kSpokeAddr{{10, 150, 3, 1}, 500};
const engine::Endpoint kHubAddr{{10, 150, 1, 1}, 500};

crypto::Secret secret(const std::string& s) {
  return crypto::Secret(BytesView(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

flexvpn::HubPolicy policy() {
  using namespace flexvpn;
  HubPolicy p;
  IdentityMatch any;
  any.kind = IdentityMatch::Kind::Address;
  any.address = {0, 0, 0, 0};
  KeyringPeer all;
  all.name = "all";
  all.address = any;
  all.psk = secret(kPsk);
  p.keyrings.push_back(Keyring{"kr-01", {all}});
  Profile prof;
  prof.name = "prof-01";
  prof.match_identity = {any};
  prof.keyring = "kr-01";
  prof.authorization = AuthorizationRef{"flex", std::string("flex")};
  prof.virtual_template = 2;
  p.profiles.push_back(prof);
  p.method_lists.push_back(MethodList{"flex", "local"});
  AuthorizationGroup g;
  g.name = "flex";
  g.pool = "flex-pool";
  g.route_set_interface = true;
  p.groups.push_back(g);
  // Room for the largest run: 10.64.0.1 .. 10.127.255.254.
  p.pools.push_back(Pool{"flex-pool", {10, 64, 0, 1}, {10, 127, 255, 254}});
  p.virtual_templates.push_back(VirtualTemplate{2, {192, 168, 1, 1}});
  return p;
}

engine::EngineConfig side(const Bytes& own_address) {
  auto c = bench::psk_gcm_config("unused", codec::DhGroup::ECP_256,
                                 BytesView(reinterpret_cast<const uint8_t*>(kPsk.data()), kPsk.size()));
  c.local_id.id_type = codec::IdType::ID_IPV4_ADDR;
  c.local_id.data = own_address;
  c.remote_id.reset();
  Bytes any4(4, 0);
  c.local_ts = {engine::prefix_selector(any4, 0)};
  c.remote_ts = {engine::prefix_selector(any4, 0)};
  return c;
}

struct Datagram {
  bool to_hub;
  Bytes bytes;
};

std::unique_ptr<engine::Engine> make(core::VirtualClock& clock, std::deque<Datagram>& wire, engine::EngineConfig c,
                                     const engine::Endpoint& local, bool spoke, uint64_t seed) {
  engine::EngineEnv env;
  env.clock = &clock;
  env.random = engine::seeded_random(seed);
  env.local = local;
  env.name = spoke ? "spoke" : "hub";
  env.send = [&wire, spoke](const engine::Route&, BytesView m) { wire.push_back({spoke, Bytes(m.begin(), m.end())}); };
  auto e = engine::Engine::create(std::move(c), std::move(env));
  if (!e) {
    std::fprintf(stderr, "hub_bench: %s\n", e.error().to_string().c_str());
    std::abort();
  }
  return std::move(e).value();
}

std::size_t heap_in_use() { return mallinfo2().uordblks; }

void BM_HubSessions(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const bool keep_events = state.range(1) != 0;
  double bytes_per_session = 0;
  std::size_t established = 0;
  for (auto _ : state) {
    state.PauseTiming();
    core::VirtualClock clock;
    std::deque<Datagram> wire;
    auto hub_config = side(kHubAddr.address);
    hub_config.psks.clear();  // the keyring's "peer all" keys every spoke
    auto hub_engine = make(clock, wire, flexvpn::hub_engine_config(std::move(hub_config)), kHubAddr, false, 2);
    flexvpn::Hub::Options options;
    options.keep_events = keep_events;
    auto hub = flexvpn::Hub::attach(*hub_engine, policy(), options);
    if (!hub) {
      state.SkipWithError(hub.error().to_string().c_str());
      return;
    }
    const std::size_t hub_only = heap_in_use();
    flexvpn::SpokeOptions so;
    so.initial_contact = false;  // one spoke engine plays every spoke: keep each SA
    auto spoke_engine = make(clock, wire, flexvpn::spoke_engine_config(side(kSpokeAddr.address), so), kSpokeAddr, true, 1);
    state.ResumeTiming();

    for (std::size_t i = 0; i < n; ++i) {
      (void)spoke_engine->initiate(kHubAddr);
      while (!wire.empty()) {
        Datagram d = std::move(wire.front());
        wire.pop_front();
        if (d.to_hub)
          hub_engine->receive(d.bytes, engine::Route{kSpokeAddr, false});
        else
          spoke_engine->receive(d.bytes, engine::Route{kHubAddr, false});
      }
    }

    state.PauseTiming();
    established = hub_engine->ike_sas_in(engine::IkeSaState::Established).size();
    spoke_engine.reset();
    wire.clear();
    const std::size_t with_sessions = heap_in_use();
    bytes_per_session = established ? static_cast<double>(with_sessions - hub_only) / established : 0;
    hub.value().reset();
    hub_engine.reset();
    state.ResumeTiming();
  }
  if (established != n) state.SkipWithError("not every spoke established its session");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.counters["sessions_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * n), benchmark::Counter::kIsRate);
  state.counters["bytes_per_session"] = bytes_per_session;
}

BENCHMARK(BM_HubSessions)
    ->ArgNames({"spokes", "log"})
    ->Args({1000, 0})
    ->Args({10000, 0})
    ->Args({1000, 1})
    ->Args({10000, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
