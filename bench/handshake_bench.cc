// SPDX-License-Identifier: Apache-2.0
// The engine's speed target: complete IKE_SA_INIT + IKE_AUTH handshakes
// (PSK, AES-GCM-16-256, PRF_HMAC_SHA2_256, one Child SA with AES-GCM-16-256)
// in self mode, next to the Diffie-Hellman work those handshakes cannot
// avoid, timed alone in the same process.
//
//   BM_Handshake/<group>       one handshake per iteration on a fresh
//                              SelfPair (new seed, so new SPIs, nonces and
//                              DH values): initiate, run until both sides are
//                              Established. Creating the pair and tearing it
//                              down happen with the timer paused.
//   BM_HandshakeWithSetup/<group>
//                              the same with the pair's creation and teardown
//                              timed too: what one self-mode run costs.
//   BM_DhFloor/<group>         the DH operations both sides do per handshake,
//                              the way the engine does them: each side draws
//                              a private value from a seeded source and builds
//                              its key pair with KeyExchange::from_private()
//                              (g^x and the public value), then computes g^ir
//                              with shared_secret() (which checks the peer's
//                              value first, RFC 6989).
//   BM_SymmetricFloor          the rest of the cryptography both sides do per
//                              handshake of this suite, timed alone: SKEYSEED
//                              and the seven SK_* keys, the two SK contexts,
//                              the Child SA keys, four NAT-D hashes, the
//                              signed octets and PSK AUTH (own and peer's),
//                              and one IKE_AUTH body protected and opened;
//                              what no engine can avoid besides the DH.
//   BM_Paired/<group>          BM_DhFloor and BM_Handshake alternated inside
//                              one loop, each timed on the thread's CPU clock:
//                              on a shared machine whose speed drifts from
//                              second to second, the two halves of the ratio
//                              see the same conditions. Counters: floor_us,
//                              handshake_us and ratio (floor / handshake).
//
// items_per_second is handshakes per second on one core; bench/
// compare_handshake.sh prints the ratio handshake / floor (target >= 0.8).
#include <benchmark/benchmark.h>

#include <time.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "bench/bench_suite.h"
#include "harness/codec/registry.h"
#include "harness/crypto/auth.h"
#include "harness/crypto/dh.h"
#include "harness/crypto/kdf.h"
#include "harness/crypto/sk.h"
#include "harness/engine/engine.h"
#include "harness/engine/seeded_random.h"
#include "harness/scenario/self_pair.h"

namespace {

using namespace ikeh;
using codec::DhGroup;
using core::Bytes;
using core::BytesView;

crypto::Secret secret(const std::string& s) {
  return crypto::Secret(BytesView(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

const std::string kPsk = "handshake-bench-psk";

engine::EngineConfig side_config(const std::string& local, DhGroup group) {
  auto c = bench::psk_gcm_config(local, group, BytesView(reinterpret_cast<const uint8_t*>(kPsk.data()), kPsk.size()));
  Bytes any4(4, 0);
  c.local_ts = {engine::prefix_selector(any4, 0)};
  c.remote_ts = {engine::prefix_selector(any4, 0)};
  return c;
}

scenario::SelfPairOptions pair_options(DhGroup group, uint64_t seed) {
  scenario::SelfPairOptions o;
  o.initiator = side_config("initiator.bench", group);
  o.responder = side_config("responder.bench", group);
  o.seed = seed;
  return o;
}

std::unique_ptr<scenario::SelfPair> make_pair(DhGroup group, uint64_t seed) {
  auto p = scenario::SelfPair::create(pair_options(group, seed));
  if (!p) {
    std::cerr << "handshake_bench: " << p.error().to_string() << "\n";
    std::abort();
  }
  return std::move(p).value();
}

bool both_established(scenario::SelfPair& p) {
  return !p.initiator().ike_sas_in(engine::IkeSaState::Established).empty() &&
         !p.responder().ike_sas_in(engine::IkeSaState::Established).empty();
}

std::string group_name(DhGroup group) {
  auto info = crypto::dh_group_info(group);
  return info ? info->name : "?";
}

// Runs one handshake on a fresh pair; false when it did not complete.
bool handshake(scenario::SelfPair& p) {
  return p.initiate().ok() && p.run_until([&] { return both_established(p); });
}

void BM_Handshake(benchmark::State& state, DhGroup group) {
  uint64_t seed = 1;
  // One untimed handshake first: a failure is reported rather than timed,
  // and OpenSSL's lazy per-group setup stays out of the figure.
  if (!handshake(*make_pair(group, seed++))) {
    state.SkipWithError("the handshake did not complete");
    return;
  }
  std::unique_ptr<scenario::SelfPair> done;
  for (auto _ : state) {
    // Creating the two engines (and tearing down the previous pair) is
    // setup, not handshake: BM_HandshakeWithSetup counts it.
    state.PauseTiming();
    done.reset();
    auto p = make_pair(group, seed++);
    state.ResumeTiming();
    if (!handshake(*p)) {
      state.SkipWithError("the handshake did not complete");
      break;
    }
    done = std::move(p);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(group_name(group));
}

void BM_HandshakeWithSetup(benchmark::State& state, DhGroup group) {
  uint64_t seed = 1;
  if (!handshake(*make_pair(group, seed++))) {
    state.SkipWithError("the handshake did not complete");
    return;
  }
  for (auto _ : state) {
    auto p = make_pair(group, seed++);
    if (!handshake(*p)) {
      state.SkipWithError("the handshake did not complete");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(group_name(group));
}

// As the engine's draw_key_exchange(): private values that from_private()
// refuses (out of range) are drawn again.
crypto::KeyExchange key_pair(const engine::RandomSource& random, DhGroup group, std::size_t private_size) {
  for (int i = 0; i < 64; ++i) {
    crypto::Secret priv(private_size);
    random(priv.data(), priv.size());
    auto ke = crypto::KeyExchange::from_private(group, priv.view());
    if (ke) return std::move(ke).value();
  }
  std::abort();
}

// Initiator: its key pair for the IKE_SA_INIT request. Responder: its key
// pair and g^ir. Initiator: g^ir from the response.
void dh_floor_once(const engine::RandomSource& random, DhGroup group, std::size_t private_size) {
  auto ke_i = key_pair(random, group, private_size);
  auto ke_r = key_pair(random, group, private_size);
  auto g_ir_r = ke_r.shared_secret(ke_i.public_value());
  auto g_ir_i = ke_i.shared_secret(ke_r.public_value());
  if (!g_ir_r || !g_ir_i) std::abort();
  benchmark::DoNotOptimize(g_ir_r);
  benchmark::DoNotOptimize(g_ir_i);
}

void BM_DhFloor(benchmark::State& state, DhGroup group) {
  auto info = crypto::dh_group_info(group);
  if (!info) {
    state.SkipWithError(info.error().reason.c_str());
    return;
  }
  auto random = engine::seeded_random(12345);
  for (auto _ : state) dh_floor_once(random, group, info->private_size);
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(info->name);
}

double thread_cpu_us() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

void BM_Paired(benchmark::State& state, DhGroup group) {
  auto info = crypto::dh_group_info(group);
  if (!info) {
    state.SkipWithError(info.error().reason.c_str());
    return;
  }
  uint64_t seed = 1;
  if (!handshake(*make_pair(group, seed++))) {
    state.SkipWithError("the handshake did not complete");
    return;
  }
  auto random = engine::seeded_random(12345);
  double floor_us = 0, handshake_us = 0;
  std::unique_ptr<scenario::SelfPair> done;
  double setup_us = 0;
  for (auto _ : state) {
    double s0 = thread_cpu_us();
    done.reset();
    auto p = make_pair(group, seed++);
    double t0 = thread_cpu_us();
    setup_us += t0 - s0;
    dh_floor_once(random, group, info->private_size);
    double t1 = thread_cpu_us();
    bool ok = handshake(*p);
    double t2 = thread_cpu_us();
    if (!ok) {
      state.SkipWithError("the handshake did not complete");
      break;
    }
    floor_us += t1 - t0;
    handshake_us += t2 - t1;
    done = std::move(p);
  }
  double n = static_cast<double>(state.iterations());
  if (n > 0 && handshake_us > 0) {
    state.counters["floor_us"] = floor_us / n;
    state.counters["handshake_us"] = handshake_us / n;
    state.counters["ratio"] = floor_us / handshake_us;
    state.counters["setup_us"] = setup_us / n;
  }
  state.SetLabel(info->name);
}

// One side's share of BM_SymmetricFloor; `body` is an IKE_AUTH inner chain
// of the usual PSK size, sealed by this side and opened by the other.
struct SideCrypto {
  crypto::IkeSaKeys keys;
  std::optional<crypto::SkContext> out, in;
};

bool side_crypto(const crypto::KeySuite& suite, const crypto::EncrInfo& esp, BytesView ni, BytesView nr,
                 BytesView g_ir, bool initiator, SideCrypto& side) {
  using codec::PrfId;
  const PrfId prf = suite.prf.id;
  auto seed = crypto::skeyseed(prf, ni, nr, g_ir);
  if (!seed) return false;
  auto keys = crypto::derive_ike_sa_keys(suite, seed->view(), ni, nr, 1, 2);
  if (!keys) return false;
  side.keys = std::move(*keys);
  auto out = crypto::SkContext::create(suite, crypto::keys_for(side.keys, initiator));
  auto in = crypto::SkContext::create(suite, crypto::keys_for(side.keys, !initiator));
  if (!out || !in) return false;
  side.out.emplace(std::move(*out));
  side.in.emplace(std::move(*in));
  auto child = crypto::derive_child_sa_keys(prf, side.keys.sk_d.view(), esp, std::nullopt, ni, nr);
  if (!child) return false;
  engine::Endpoint here{Bytes{127, 0, 0, 1}, 500};
  for (int i = 0; i < 4; ++i)
    if (!engine::nat_detection_hash(1, i < 2 ? 0 : 2, here)) return false;
  // Own AUTH (prove) and the peer's (verify): signed octets and prf twice each.
  static const crypto::Secret psk = secret(kPsk);
  Bytes message(300, 0x5a), id{1, 0, 0, 0, 'b', 'e', 'n', 'c', 'h'};
  for (bool own : {true, false}) {
    bool signer_is_initiator = own == initiator;
    const auto& sk_p = signer_is_initiator ? side.keys.sk_pi : side.keys.sk_pr;
    auto octets = crypto::signed_octets(prf, message, signer_is_initiator ? nr : ni, sk_p.view(), id);
    if (!octets || !crypto::psk_auth(prf, psk, *octets)) return false;
  }
  return true;
}

void BM_SymmetricFloor(benchmark::State& state) {
  auto suite = crypto::make_suite(codec::EncrId::ENCR_AES_GCM_16, 256, codec::IntegId::AUTH_NONE,
                                  codec::PrfId::PRF_HMAC_SHA2_256);
  auto esp = crypto::encr_info(codec::EncrId::ENCR_AES_GCM_16, 256);
  if (!suite || !esp) {
    state.SkipWithError("the bench suite is not available");
    return;
  }
  Bytes ni(32, 1), nr(32, 2), g_ir(32, 3);
  std::vector<codec::Payload> chain{codec::make_notify(codec::NotifyType::INITIAL_CONTACT),
                                    codec::make_nonce(Bytes(32, 4)), codec::make_nonce(Bytes(200, 5))};
  codec::PayloadType first = codec::PayloadType::NONE;
  Bytes body = codec::encode_payloads(chain, &first);
  auto message = [](bool response) {
    return codec::make_message(codec::ExchangeType::IKE_AUTH,
                               response ? codec::flags::kResponse : codec::flags::kInitiator, 1, 1, 2,
                               {codec::Payload(codec::PayloadType::SK, codec::SkPayload{})});
  };
  for (auto _ : state) {
    SideCrypto i, r;
    if (!side_crypto(*suite, *esp, ni, nr, g_ir, true, i) || !side_crypto(*suite, *esp, ni, nr, g_ir, false, r)) {
      state.SkipWithError("a crypto step failed");
      break;
    }
    // The IKE_AUTH request and response, each sealed and opened once.
    for (bool response : {false, true}) {
      SideCrypto& from = response ? r : i;
      SideCrypto& to = response ? i : r;
      auto wire = crypto::protect(*from.out, message(response), first, body);
      if (!wire) break;
      auto m = codec::decode_message(*wire);
      if (!m || !crypto::unprotect(*to.in, *m, *wire)) {
        state.SkipWithError("the IKE_AUTH body did not open");
        break;
      }
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SymmetricFloor)->Unit(benchmark::kMicrosecond);

#define GROUP_BENCH(fn)                                                                      \
  BENCHMARK_CAPTURE(fn, modp_2048, DhGroup::MODP_2048)->Unit(benchmark::kMicrosecond);       \
  BENCHMARK_CAPTURE(fn, ecp_256, DhGroup::ECP_256)->Unit(benchmark::kMicrosecond);           \
  BENCHMARK_CAPTURE(fn, curve25519, DhGroup::CURVE25519)->Unit(benchmark::kMicrosecond)
GROUP_BENCH(BM_DhFloor);
GROUP_BENCH(BM_Handshake);
GROUP_BENCH(BM_HandshakeWithSetup);
GROUP_BENCH(BM_Paired);

}  // namespace

BENCHMARK_MAIN();
