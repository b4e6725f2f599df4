// SPDX-License-Identifier: Apache-2.0
// One engine stepped by hand, message by message: what it sends waits in a
// queue until the caller takes it, what it receives the caller hands in, and
// time moves only when the caller advances the VirtualClock, which several
// SteppedEngines may share so that a script runs them on one timeline. A
// script can read, change, drop, duplicate or reorder every datagram between
// two engines. The Python bindings' engine and self-mode pair are built on
// it; an engine, a hub (flexvpn/hub.h) or a spoke model can be attached to
// engine() as to any other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/bytes.h"
#include "harness/core/clock.h"
#include "harness/core/result.h"
#include "harness/engine/engine.h"
#include "harness/scenario/engine_config.h"

namespace ikeh::scenario {

// One datagram the engine handed to its transport: an IKE message without
// the non-ESP marker.
struct SteppedDatagram {
  core::Bytes data;
  // This engine's address, with its NAT-T port when destination.natt.
  engine::Endpoint source;
  // The peer's address and port, and whether it travels on the NAT-T port.
  engine::Route destination;
  core::TimePoint time{0};  // virtual time of sending
};

struct SteppedEngineOptions {
  // This engine's address as peers see it (NAT detection and cookies use
  // it). Unset: the configuration's network.local_address and local_port.
  std::optional<engine::Endpoint> local;
  // The NAT-T port. Unset: network.local_natt_port, else 4500.
  std::optional<uint16_t> natt_port;
  std::string name = "engine";  // names the engine in events
  // Seeds the random source (SPIs, nonces, DH private values, IVs) so a run
  // repeats byte for byte; unset: OpenSSL's DRBG (engine::system_random).
  std::optional<uint64_t> seed;
  // EngineEnv::export_keys: key_table() keeps forgotten IKE SAs' rows.
  bool export_keys = false;
  // Keep every engine event in events(); false keeps none.
  bool keep_events = true;
};

class SteppedEngine {
 public:
  // An engine on `clock` (shared with other SteppedEngines; null: a clock of
  // its own starting at 0). Errors: those of engine::Engine::create (a
  // configuration that fails validate()), a network.local_address that is
  // not numeric when options.local is unset.
  static core::Result<std::unique_ptr<SteppedEngine>> create(EndpointConfig config, SteppedEngineOptions options,
                                                             std::shared_ptr<core::VirtualClock> clock = nullptr);
  // The same without a network section (options.local unset: 0.0.0.0:500).
  static core::Result<std::unique_ptr<SteppedEngine>> create(engine::EngineConfig config,
                                                             SteppedEngineOptions options,
                                                             std::shared_ptr<core::VirtualClock> clock = nullptr);
  ~SteppedEngine();
  SteppedEngine(const SteppedEngine&) = delete;
  SteppedEngine& operator=(const SteppedEngine&) = delete;

  engine::Engine& engine() { return *engine_; }
  const engine::Engine& engine() const { return *engine_; }
  core::VirtualClock& clock() { return *clock_; }
  const std::shared_ptr<core::VirtualClock>& shared_clock() const { return clock_; }
  const NetworkConfig& network() const { return network_; }
  // This engine's address and NAT-T port, as resolved at creation.
  const engine::Endpoint& local() const { return local_; }
  uint16_t natt_port() const { return natt_port_; }

  // Starts an IKE SA with the configuration's network.remote_address,
  // remote_port and remote_natt_port. Errors: no remote_address, one that is
  // not numeric, and those of Engine::initiate.
  core::Result<uint64_t> initiate();

  // The datagrams sent since the last take(), oldest first; the queue is
  // empty afterwards.
  std::vector<SteppedDatagram> take();
  // How many datagrams wait to be taken.
  std::size_t queued() const { return queue_.size(); }
  // Hands one IKE message to the engine (Engine::receive), from `from`.
  void receive(core::BytesView message, const engine::Route& from);
  // Hands a datagram another SteppedEngine sent to this one: it arrives from
  // its source, on the NAT-T port when it was sent there.
  void receive(const SteppedDatagram& datagram);
  // Moves the clock on by `d` (a negative d moves nothing), firing every
  // timer due (retransmissions, lifetimes, every engine's on a shared
  // clock). Returns how many fired.
  std::size_t advance(core::Duration d) { return clock_->advance(d); }

  // The engine's events since creation or the last clear_events(), in order.
  const std::vector<engine::Event>& events() const { return events_; }
  void clear_events() { events_.clear(); }

 private:
  SteppedEngine() = default;

  std::shared_ptr<core::VirtualClock> clock_;
  NetworkConfig network_;
  engine::Endpoint local_;
  uint16_t natt_port_ = 4500;
  std::vector<SteppedDatagram> queue_;
  std::vector<engine::Event> events_;
  // Last: destroyed first, cancelling its timers while the clock and the
  // queue its callbacks use still exist.
  std::unique_ptr<engine::Engine> engine_;
};

}  // namespace ikeh::scenario
