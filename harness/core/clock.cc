// SPDX-License-Identifier: Apache-2.0
#include "harness/core/clock.h"

#include <algorithm>

namespace ikeh::core {

TimePoint SystemClock::now() const {
  return std::chrono::duration_cast<TimePoint>(std::chrono::steady_clock::now().time_since_epoch());
}

VirtualClock::TimerId VirtualClock::schedule(TimePoint at, Callback callback) {
  TimerId id = next_id_++;
  queue_.emplace(Key{at, id}, std::move(callback));
  due_.emplace(id, at);
  return id;
}

VirtualClock::TimerId VirtualClock::schedule_after(Duration delay, Callback callback) {
  return schedule(now_ + std::max(delay, Duration{0}), std::move(callback));
}

bool VirtualClock::cancel(TimerId id) {
  auto it = due_.find(id);
  if (it == due_.end()) return false;
  queue_.erase(Key{it->second, id});
  due_.erase(it);
  return true;
}

void VirtualClock::fire_first() {
  // Take the callback out before calling it, so the callback can cancel or
  // re-schedule freely without touching the node being run.
  auto node = queue_.extract(queue_.begin());
  due_.erase(node.key().second);
  now_ = std::max(now_, node.key().first);
  node.mapped()();
}

std::size_t VirtualClock::run_until(TimePoint t) {
  std::size_t fired = 0;
  while (!queue_.empty() && queue_.begin()->first.first <= t) {
    fire_first();
    ++fired;
  }
  now_ = std::max(now_, t);
  return fired;
}

bool VirtualClock::run_next() {
  if (queue_.empty()) return false;
  fire_first();
  return true;
}

std::size_t VirtualClock::run_all(std::size_t max_timers) {
  std::size_t fired = 0;
  while (fired < max_timers && run_next()) ++fired;
  return fired;
}

std::size_t VirtualClock::advance(Duration d) { return run_until(now_ + std::max(d, Duration{0})); }

std::optional<TimePoint> VirtualClock::next_due() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.begin()->first.first;
}

}  // namespace ikeh::core
