// SPDX-License-Identifier: Apache-2.0
// The reference for bench/handshake_bench: how many IKE_SA_INIT + IKE_AUTH
// handshakes per second an external responder (strongSwan's charon, started
// by bench/compare_handshake.sh) completes against our initiator over real
// UDP. The suite is the handshake benchmark's: PSK, AES-GCM-16-256,
// PRF_HMAC_SHA2_256, one Child SA with AES-GCM-16-256, and the group given.
//
//   strongswan_rate --peer 192.0.2.2 --local 192.0.2.1 --group ecp_256
//                   [--count 2000] [--warmup 100] [--window 8] [--timeout 120]
//
// The PSK comes from the environment variable IKEH_RATE_PSK (hex), never
// from the command line. One engine (scenario::UdpDriver) keeps up to
// --window handshakes in flight; the rate is the handshakes established
// after the first --warmup ones, divided by the wall time they took. IKE SAs
// are neither deleted nor sent with INITIAL_CONTACT, so the responder only
// ever answers IKE_SA_INIT and IKE_AUTH. The last line is
//   rate GROUP HANDSHAKES_PER_SECOND established=N failed=F seconds=S window=W
// Exit codes: 0 done, 1 handshakes failed or the run timed out, 2 usage.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "bench/bench_suite.h"
#include "harness/codec/registry.h"
#include "harness/core/bytes.h"
#include "harness/engine/engine.h"
#include "harness/scenario/udp_driver.h"

namespace {

using namespace ikeh;
using codec::DhGroup;
using core::Bytes;
using core::BytesView;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string peer;
  std::string local;
  DhGroup group = DhGroup::ECP_256;
  std::string group_name = "ECP_256";
  uint32_t count = 2000;
  uint32_t warmup = 100;
  uint32_t window = 8;
  double timeout_s = 120;
};

int usage(const std::string& why) {
  std::cerr << "strongswan_rate: " << why << "\n"
            << "usage: strongswan_rate --peer ADDR --local ADDR --group modp_2048|ecp_256|curve25519\n"
            << "                       [--count N] [--warmup N] [--window N] [--timeout SECONDS]\n"
            << "       (the PSK, hex, in the environment variable IKEH_RATE_PSK)\n";
  return 2;
}

std::optional<std::pair<DhGroup, std::string>> group_of(std::string_view name) {
  if (name == "modp_2048") return std::pair{DhGroup::MODP_2048, std::string("MODP_2048")};
  if (name == "ecp_256") return std::pair{DhGroup::ECP_256, std::string("ECP_256")};
  if (name == "curve25519") return std::pair{DhGroup::CURVE25519, std::string("CURVE25519")};
  return std::nullopt;
}

std::optional<Bytes> from_hex(std::string_view hex) {
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (hex.empty() || hex.size() % 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Bytes out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return out;
}

// The handshake benchmark's suite, with the identities and selectors of
// tests/interop/strongswan.py's psk_responder_conf (local_ts 10.98.0.0/24).
engine::EngineConfig initiator_config(DhGroup group, const Bytes& psk) {
  auto c = bench::psk_gcm_config("initiator.example.org", group, BytesView(psk));
  c.remote_id = bench::fqdn("responder.example.org");
  c.local_ts = {engine::prefix_selector(Bytes(4, 0), 0)};
  c.remote_ts = {engine::prefix_selector(Bytes{10, 98, 0, 0}, 24)};
  // Every handshake a fresh IKE SA between the same identities: without
  // INITIAL_CONTACT the responder keeps the earlier ones instead of deleting
  // them (RFC 7296 2.4), which would add INFORMATIONAL exchanges to the run.
  c.initial_contact = false;
  c.send_certreq = false;
  return c;
}

bool parse(int argc, char** argv, Options& o, std::string& why) {
  auto fail = [&why](std::string text) {
    why = std::move(text);
    return false;
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    auto number = [&](uint32_t& out) {
      auto v = value();
      if (!v) return false;
      char* end = nullptr;
      unsigned long n = std::strtoul(v->c_str(), &end, 10);
      if (v->empty() || *end || n == 0 || n > 10'000'000) return false;
      out = static_cast<uint32_t>(n);
      return true;
    };
    if (a == "--peer") {
      auto v = value();
      if (!v) return fail("--peer needs an address");
      o.peer = *v;
    } else if (a == "--local") {
      auto v = value();
      if (!v) return fail("--local needs an address");
      o.local = *v;
    } else if (a == "--group") {
      auto v = value();
      auto g = v ? group_of(*v) : std::nullopt;
      if (!g) return fail("--group must be modp_2048, ecp_256 or curve25519");
      o.group = g->first;
      o.group_name = g->second;
    } else if (a == "--count") {
      if (!number(o.count)) return fail("--count needs a positive number");
    } else if (a == "--warmup") {
      if (!number(o.warmup)) return fail("--warmup needs a positive number");
    } else if (a == "--window") {
      if (!number(o.window)) return fail("--window needs a positive number");
    } else if (a == "--timeout") {
      auto v = value();
      char* end = nullptr;
      o.timeout_s = v ? std::strtod(v->c_str(), &end) : 0;
      if (!v || *end || o.timeout_s <= 0) return fail("--timeout needs a positive number of seconds");
    } else {
      return fail("unknown argument \"" + std::string(a) + "\"");
    }
  }
  if (o.peer.empty() || o.local.empty()) return fail("--peer and --local are required");
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string why;
  if (!parse(argc, argv, o, why)) return usage(why);
  const char* psk_hex = std::getenv("IKEH_RATE_PSK");
  auto psk = psk_hex ? from_hex(psk_hex) : std::nullopt;
  if (!psk) return usage("IKEH_RATE_PSK must hold the PSK in hex");
  auto peer = scenario::address_bytes(o.peer);
  if (!peer) return usage("--peer: " + peer.error().to_string());

  scenario::UdpDriverOptions d;
  d.config = initiator_config(o.group, *psk);
  d.udp.local_address = o.local;
  d.udp.role = net::Side::Initiator;
  d.name = "initiator";
  d.peer = o.peer;
  auto created = scenario::UdpDriver::create(std::move(d));
  if (!created) {
    std::cerr << "strongswan_rate: " << created.error().to_string() << "\n";
    return 2;
  }
  auto& driver = **created;
  auto& engine = driver.engine();

  // Completion counts from the engine's state events: Established, or Failed
  // / Deleted before that.
  uint32_t started = 0, established = 0, failed = 0;
  std::string first_failure;
  std::unordered_set<uint64_t> in_flight;
  engine.add_observer([&](const engine::Event& e) {
    if (e.kind != engine::EventKind::IkeSaState || !in_flight.count(e.ike_sa)) return;
    if (e.ike_state == engine::IkeSaState::Established) {
      ++established;
    } else if (e.ike_state == engine::IkeSaState::Failed || e.ike_state == engine::IkeSaState::Deleted) {
      ++failed;
      if (first_failure.empty()) first_failure = e.detail;
    } else {
      return;
    }
    in_flight.erase(e.ike_sa);
  });

  const engine::Endpoint to{*peer, 500};
  const uint32_t total = o.warmup + o.count;
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.timeout_s));
  std::optional<Clock::time_point> timed_from;
  uint32_t established_before = 0;  // established when the timed part began
  Clock::time_point timed_to{};
  for (;;) {
    const uint32_t finished = established + failed;
    if (!timed_from && finished >= o.warmup) {
      timed_from = Clock::now();
      established_before = established;
    }
    if (finished >= total) {
      timed_to = Clock::now();
      break;
    }
    while (started < total && in_flight.size() < o.window) {
      auto serial = engine.initiate(to, 4500);
      if (!serial) {
        std::cerr << "strongswan_rate: cannot start an IKE SA: " << serial.error().to_string() << "\n";
        return 1;
      }
      in_flight.insert(*serial);
      ++started;
    }
    auto now = Clock::now();
    if (now >= deadline) break;
    // Back here whenever a handshake ends, to keep the window full.
    const uint32_t before = finished;
    driver.run([&] { return established + failed != before; }, deadline - now);
  }
  if (!timed_to.time_since_epoch().count()) {
    std::cerr << "strongswan_rate: timed out after " << o.timeout_s << " s with " << established << " of " << total
              << " handshakes established, " << failed << " failed"
              << (first_failure.empty() ? "" : " (first: " + first_failure + ")") << "\n";
    return 1;
  }
  const double seconds = std::chrono::duration<double>(timed_to - *timed_from).count();
  const uint32_t timed = established - established_before;
  if (failed) std::cerr << "strongswan_rate: " << failed << " handshakes failed (first: " << first_failure << ")\n";
  std::cout << "rate " << o.group_name << " " << (seconds > 0 ? timed / seconds : 0.0) << " established=" << established
            << " failed=" << failed << " seconds=" << seconds << " window=" << o.window << "\n";
  return failed ? 1 : 0;
}
