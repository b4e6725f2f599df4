// SPDX-License-Identifier: Apache-2.0
// Time as an injected dependency. The engine reads time and sets timers only
// through a Clock, so self mode can run on a VirtualClock where a 165-second
// retransmission schedule or an SA lifetime expiry takes microseconds and
// every run fires the same timers in the same order.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

namespace ikeh::core {

using Duration = std::chrono::nanoseconds;
// Nanoseconds since the clock's own epoch (the steady clock's for SystemClock,
// the construction time given for VirtualClock). Only differences between
// TimePoints of one clock mean anything.
using TimePoint = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // The current time. Never decreases between calls on one clock.
  virtual TimePoint now() const = 0;
};

// Wall time from std::chrono::steady_clock (monotonic, unaffected by clock
// changes), for runs against an external peer.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
};

// Time that moves only when told to, with timers fired in time order. Ties
// (timers due at the same TimePoint) fire in the order they were scheduled.
// Single-threaded and deterministic: no threads, no sleeping.
//
// Callbacks run with now() equal to their due time (or to the time of the
// call that fired them, for a timer scheduled in the past). A callback may
// schedule and cancel timers, including itself; a timer it schedules at or
// before the end of the running run_until() fires in that same run.
class VirtualClock final : public Clock {
 public:
  using TimerId = uint64_t;
  using Callback = std::function<void()>;

  explicit VirtualClock(TimePoint start = TimePoint{0}) : now_(start) {}

  TimePoint now() const override { return now_; }

  // Schedules `callback` at `at`. A time in the past is not an error: the
  // timer is due at once and fires on the next run_next()/run_until()/advance.
  // Returns an id, never 0, unique for the life of this clock.
  TimerId schedule(TimePoint at, Callback callback);
  // schedule(now() + delay, callback); a negative delay is treated as zero.
  TimerId schedule_after(Duration delay, Callback callback);
  // The id the next schedule() returns, so a callback can be told its own
  // id before it is scheduled.
  TimerId next_id() const { return next_id_; }
  // Removes a pending timer. Returns false when `id` has already fired, was
  // cancelled, or was never issued (nothing changes then).
  bool cancel(TimerId id);

  // Fires every timer due at or before `t`, in time order, then sets now() to
  // `t`. Returns how many timers fired. A `t` before now() fires the timers
  // already due and leaves now() unchanged: time never goes back.
  std::size_t run_until(TimePoint t);
  // Fires the earliest pending timer, moving now() forward to its due time
  // when that is later. Returns false (and changes nothing) when no timer is
  // pending.
  bool run_next();
  // Fires timers until none is pending. Returns how many fired. A callback
  // that always re-arms itself would never let this return, so it stops
  // after `max_timers` and returns that count; pending() tells it stopped early.
  std::size_t run_all(std::size_t max_timers = 1'000'000);

  // run_until(now() + d); a negative d moves nothing and fires what is due.
  std::size_t advance(Duration d);
  // run_until(t): the name reads better where a caller sets the time.
  std::size_t advance_to(TimePoint t) { return run_until(t); }

  // Number of timers scheduled and neither fired nor cancelled.
  std::size_t pending() const { return due_.size(); }
  // Due time of the earliest pending timer; nullopt when none is pending.
  std::optional<TimePoint> next_due() const;

 private:
  // Key (due time, id): ids grow with each schedule(), so map order is time
  // order with ties in scheduling order.
  using Key = std::pair<TimePoint, TimerId>;

  void fire_first();

  TimePoint now_;
  TimerId next_id_ = 1;
  std::map<Key, Callback> queue_;
  std::unordered_map<TimerId, TimePoint> due_;
};

}  // namespace ikeh::core
