// SPDX-License-Identifier: Apache-2.0
// Retransmission of outstanding requests (RFC 7296 2.1). Only the initiator
// of an exchange retransmits; it resends the request bit-for-bit identical
// from the IKE header on (all fragments of it, RFC 7383 2.6.1) with
// exponentially growing intervals, until the response arrives or it gives up
// and deletes the IKE SA.
//
// The schedule follows strongSwan's charon (retransmit_timeout, _base,
// _tries, _jitter, _limit): after send number k (k = 0 is the original, k =
// 1..tries the retransmissions) it waits timeout * base^k, truncated to whole
// milliseconds; when the wait after the last retransmission ends without a
// response it gives up. With the defaults (4.0 s, 1.8, 5 tries) the request is
// sent at 0, 4, 11.2, 24.16, 47.488 and 89.478 s, and the SA is given up at
// 165.06 s.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "harness/core/bytes.h"
#include "harness/core/clock.h"
#include "harness/core/result.h"

namespace ikeh::engine {

// strongSwan's settings, same names and units, same defaults (charon.opt).
struct RetransmitConfig {
  // Seconds to wait after the original send (charon.retransmit_timeout).
  double timeout_s = 4.0;
  // Growth factor of each interval (charon.retransmit_base).
  double base = 1.8;
  // Number of retransmissions before giving up (charon.retransmit_tries).
  uint32_t tries = 5;
  // Each interval is shortened by up to this percentage, at random
  // (charon.retransmit_jitter); 0 means never.
  double jitter_percent = 0.0;
  // Upper bound on one interval in seconds (charon.retransmit_limit); 0 means
  // no bound.
  double limit_s = 0.0;
};

// Checks a configuration: timeout > 0, base >= 1 (intervals must not
// shrink), 0 <= jitter < 100, limit >= 0, and every interval fits strongSwan's
// 32-bit millisecond counter. The error names the field.
core::Status validate(const RetransmitConfig& config);

// The timeline one request follows, computed from a configuration.
class RetransmitSchedule {
 public:
  // `config` must pass validate(); an invalid one yields intervals of 0.
  explicit RetransmitSchedule(RetransmitConfig config) : config_(config) {}

  const RetransmitConfig& config() const { return config_; }
  // The wait after send number `k` (0 = the original). `random01` in [0, 1)
  // picks the jitter; it is ignored when jitter_percent is 0. Same
  // arithmetic as strongSwan: whole milliseconds of timeout * base^k, capped
  // by the limit, then minus up to jitter_percent of it.
  core::Duration interval(uint32_t k, double random01 = 0.0) const;
  // Number of sends, the original included: tries + 1.
  uint32_t sends() const { return config_.tries + 1; }
  // Offsets from the original send of every send, without jitter:
  // {0, interval(0), interval(0) + interval(1), ...}, sends() values.
  std::vector<core::Duration> send_offsets() const;
  // Offset from the original send at which the request is given up, without
  // jitter: the sum of interval(0..tries).
  core::Duration give_up_offset() const;

 private:
  RetransmitConfig config_;
};

// Timers the Retransmitter runs on. Any scheduler fits (the VirtualClock in
// self mode, an event loop over the SystemClock on the network).
struct Timers {
  using TimerId = uint64_t;
  // Runs the callback once after the delay; returns an id for cancel().
  std::function<TimerId(core::Duration delay, std::function<void()> callback)> schedule_after;
  // Cancels a pending timer; returns false when it already fired or is unknown.
  std::function<bool(TimerId id)> cancel;
};

// Timers on a VirtualClock. The clock must outlive whatever uses them.
Timers timers_on(core::VirtualClock& clock);

// Sends and resends requests on the schedule and reports the give-up.
// Single-threaded; callbacks run from the timers' callbacks (and from send()
// for the original transmission). Destroying the Retransmitter cancels its
// timers.
class Retransmitter {
 public:
  // Called for every transmission: `attempt` 0 is the original, 1..tries the
  // retransmissions. `fragments` are the same bytes every time.
  using SendFn = std::function<void(uint32_t message_id, const std::vector<core::Bytes>& fragments, uint32_t attempt)>;
  // Called once when the wait after the last retransmission ends without a
  // response (RFC 7296 2.1: the IKE SA is then considered dead).
  using GiveUpFn = std::function<void(uint32_t message_id)>;
  // Source of uniform numbers in [0, 1) for the jitter; unused when
  // jitter_percent is 0. A seeded source keeps runs reproducible.
  using RandomFn = std::function<double()>;

  // Fails when `config` does not pass validate(), or a callback or timer hook
  // is empty.
  static core::Result<std::unique_ptr<Retransmitter>> create(Timers timers, RetransmitConfig config, SendFn send,
                                                             GiveUpFn give_up, RandomFn random01 = {});
  ~Retransmitter();
  Retransmitter(const Retransmitter&) = delete;
  Retransmitter& operator=(const Retransmitter&) = delete;

  // Sends the request at once (attempt 0) and arms its retransmission timer.
  // Fails (nothing sent) when a request with this ID is already in flight or
  // `fragments` is empty.
  core::Status send(uint32_t message_id, std::vector<core::Bytes> fragments);
  // The response to `message_id` arrived: cancels its timer and forgets it.
  // Returns false when no such request was in flight.
  bool on_response(uint32_t message_id);
  // Stops every request without giving up (the IKE SA is being deleted).
  void cancel_all();

  bool in_flight(uint32_t message_id) const { return flights_.count(message_id) != 0; }
  std::size_t in_flight_count() const { return flights_.size(); }
  // Transmissions so far of an in-flight request (1 after send()); 0 when
  // it is not in flight.
  uint32_t transmissions(uint32_t message_id) const;
  const RetransmitSchedule& schedule() const { return schedule_; }

 private:
  struct Flight {
    // Shared so a send callback that completes the request (on_response from
    // inside send) cannot pull the bytes from under the call.
    std::shared_ptr<const std::vector<core::Bytes>> fragments;
    uint32_t sent = 0;
    Timers::TimerId timer = 0;
    // Distinguishes this flight from an earlier one with the same ID (an
    // IKE_SA_INIT retry reuses 0), so a timer that a scheduler failed to
    // cancel can never act on the wrong flight.
    uint64_t generation = 0;
  };

  Retransmitter(Timers timers, RetransmitConfig config, SendFn send, GiveUpFn give_up, RandomFn random01);
  void arm(uint32_t message_id, Flight& flight);
  void on_timer(uint32_t message_id, uint64_t generation);

  Timers timers_;
  RetransmitSchedule schedule_;
  SendFn send_;
  GiveUpFn give_up_;
  RandomFn random01_;
  std::map<uint32_t, Flight> flights_;
  uint64_t next_generation_ = 1;
};

}  // namespace ikeh::engine
