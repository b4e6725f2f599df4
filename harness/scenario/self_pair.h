// SPDX-License-Identifier: Apache-2.0
// Self mode: two engines in one process, an initiator side and a responder
// side, joined by a net::MemoryLink on one VirtualClock. Datagrams pass the
// link's fault injector; time moves only when the pair runs, so a
// 165-second retransmission schedule takes microseconds and a seeded run
// repeats byte for byte.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "harness/core/clock.h"
#include "harness/core/result.h"
#include "harness/engine/engine.h"
#include "net/fault.h"
#include "net/memory_link.h"
#include "reports/pcap_writer.h"

namespace ikeh::scenario {

struct SelfPairOptions {
  engine::EngineConfig initiator;
  engine::EngineConfig responder;
  // Drives both engines' randomness (the initiator's and the responder's
  // streams are derived from it) and the fault injector's.
  uint64_t seed = 1;
  std::vector<net::FaultRule> faults;
  core::Duration latency = std::chrono::milliseconds(1);
  // EngineEnv::export_keys for both engines.
  bool export_keys = true;
  // Addresses the engines see (NAT detection and cookies use them).
  engine::Endpoint initiator_address{{10, 0, 0, 1}, 500};
  engine::Endpoint responder_address{{10, 0, 0, 2}, 500};
};

class SelfPair {
 public:
  // Errors: either configuration fails validate().
  static core::Result<std::unique_ptr<SelfPair>> create(SelfPairOptions options);

  engine::Engine& initiator() { return *initiator_; }
  engine::Engine& responder() { return *responder_; }
  core::VirtualClock& clock() { return clock_; }
  net::MemoryLink& link() { return *link_; }
  const SelfPairOptions& options() const { return options_; }

  // Starts an IKE SA from the initiator side; returns its serial there.
  core::Result<uint64_t> initiate();
  // Fires timers (deliveries, retransmissions, lifetimes) until `done`
  // returns true (checked after each timer) or virtual time passes `limit`
  // from now. Returns whether `done` held.
  bool run_until(const std::function<bool()>& done, core::Duration limit = std::chrono::seconds(600));
  // Fires timers until none is pending or `limit` has passed.
  void run(core::Duration limit = std::chrono::seconds(600));

  // Writes every datagram as it left its sender (before link faults), from
  // and to the configured addresses, UDP 500 or 4500 with the non-ESP
  // marker, at its virtual time. Errors: the writer's first error.
  core::Status write_pcap(reports::PcapWriter& writer) const;

 private:
  explicit SelfPair(SelfPairOptions options);

  SelfPairOptions options_;
  core::VirtualClock clock_;
  std::unique_ptr<net::MemoryLink> link_;
  std::unique_ptr<engine::Engine> initiator_;
  std::unique_ptr<engine::Engine> responder_;
};

}  // namespace ikeh::scenario
