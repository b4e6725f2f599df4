// SPDX-License-Identifier: Apache-2.0
#include "harness/engine/retransmit.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <utility>

namespace ikeh::engine {
namespace {

core::Error config_error(std::string field, std::string reason) {
  core::Error e;
  e.where = "retransmit config";
  e.field = std::move(field);
  e.reason = std::move(reason);
  return e;
}

core::Error flight_error(uint32_t message_id, std::string reason) {
  core::Error e;
  e.where = "retransmitter";
  e.field = "message_id " + std::to_string(message_id);
  e.reason = std::move(reason);
  return e;
}

// strongSwan counts intervals in a uint32_t of milliseconds.
constexpr double kMaxMs = 4294967295.0;

// timeout * base^k in whole milliseconds, computed in strongSwan's order
// (timeout * 1000.0 * pow(base, k), then truncated) so both round alike.
double base_ms(const RetransmitConfig& c, uint32_t k) { return c.timeout_s * 1000.0 * std::pow(c.base, k); }

}  // namespace

core::Status validate(const RetransmitConfig& c) {
  if (!(c.timeout_s > 0.0)) return config_error("timeout_s", "must be above 0 s");
  if (!(c.base >= 1.0)) return config_error("base", "must be at least 1 (intervals must not shrink, RFC 7296 2.1)");
  if (!(c.jitter_percent >= 0.0 && c.jitter_percent < 100.0)) {
    return config_error("jitter_percent", "must be in [0, 100)");
  }
  if (!(c.limit_s >= 0.0)) return config_error("limit_s", "must be 0 (no limit) or above");
  if (c.limit_s * 1000.0 > kMaxMs) return config_error("limit_s", "exceeds 2^32 - 1 ms");
  // Intervals grow with k, so the last one bounds them all (unless capped).
  if (c.limit_s == 0.0 && !(base_ms(c, c.tries) <= kMaxMs)) {
    return config_error("tries", "interval after retransmission " + std::to_string(c.tries) + " exceeds 2^32 - 1 ms");
  }
  return {};
}

// ----- RetransmitSchedule -----

core::Duration RetransmitSchedule::interval(uint32_t k, double random01) const {
  if (!validate(config_)) return core::Duration{0};
  const double raw = base_ms(config_, k);
  uint32_t ms = raw > kMaxMs ? static_cast<uint32_t>(kMaxMs) : static_cast<uint32_t>(raw);
  if (config_.limit_s > 0.0) ms = std::min(ms, static_cast<uint32_t>(config_.limit_s * 1000.0));
  if (config_.jitter_percent > 0.0) {
    const double r = std::clamp(random01, 0.0, 1.0);
    const double max_jitter = (ms / 100.0) * config_.jitter_percent;
    ms = static_cast<uint32_t>(ms - max_jitter * r);
  }
  return std::chrono::milliseconds{ms};
}

std::vector<core::Duration> RetransmitSchedule::send_offsets() const {
  std::vector<core::Duration> out;
  out.reserve(sends());
  core::Duration t{0};
  for (uint32_t k = 0; k < sends(); ++k) {
    out.push_back(t);
    t += interval(k);
  }
  return out;
}

core::Duration RetransmitSchedule::give_up_offset() const {
  core::Duration t{0};
  for (uint32_t k = 0; k <= config_.tries; ++k) t += interval(k);
  return t;
}

// ----- Timers -----

Timers timers_on(core::VirtualClock& clock) {
  Timers t;
  t.schedule_after = [&clock](core::Duration delay, std::function<void()> cb) {
    return clock.schedule_after(delay, std::move(cb));
  };
  t.cancel = [&clock](Timers::TimerId id) { return clock.cancel(id); };
  return t;
}

// ----- Retransmitter -----

core::Result<std::unique_ptr<Retransmitter>> Retransmitter::create(Timers timers, RetransmitConfig config,
                                                                  SendFn send, GiveUpFn give_up, RandomFn random01) {
  if (auto s = validate(config); !s) return s.error();
  if (!timers.schedule_after || !timers.cancel) return config_error("timers", "schedule_after and cancel are required");
  if (!send) return config_error("send", "a send callback is required");
  if (!give_up) return config_error("give_up", "a give-up callback is required");
  if (config.jitter_percent > 0.0 && !random01) {
    return config_error("jitter_percent", "jitter needs a random source");
  }
  return std::unique_ptr<Retransmitter>(
      new Retransmitter(std::move(timers), config, std::move(send), std::move(give_up), std::move(random01)));
}

Retransmitter::Retransmitter(Timers timers, RetransmitConfig config, SendFn send, GiveUpFn give_up,
                             RandomFn random01)
    : timers_(std::move(timers)),
      schedule_(config),
      send_(std::move(send)),
      give_up_(std::move(give_up)),
      random01_(std::move(random01)) {}

// The timers' callbacks hold `this`; none may outlive the object.
Retransmitter::~Retransmitter() { cancel_all(); }

core::Status Retransmitter::send(uint32_t message_id, std::vector<core::Bytes> fragments) {
  if (fragments.empty()) return flight_error(message_id, "no bytes to send");
  if (in_flight(message_id)) return flight_error(message_id, "a request with this ID is already in flight");
  Flight& f = flights_[message_id];
  f.fragments = std::make_shared<const std::vector<core::Bytes>>(std::move(fragments));
  f.generation = next_generation_++;
  f.sent = 1;
  auto bytes = f.fragments;
  // Arm before sending: the send callback may complete the request at once.
  arm(message_id, f);
  send_(message_id, *bytes, 0);
  return {};
}

bool Retransmitter::on_response(uint32_t message_id) {
  auto it = flights_.find(message_id);
  if (it == flights_.end()) return false;
  timers_.cancel(it->second.timer);
  flights_.erase(it);
  return true;
}

void Retransmitter::cancel_all() {
  for (auto& [id, f] : flights_) timers_.cancel(f.timer);
  flights_.clear();
}

uint32_t Retransmitter::transmissions(uint32_t message_id) const {
  auto it = flights_.find(message_id);
  return it == flights_.end() ? 0 : it->second.sent;
}

void Retransmitter::arm(uint32_t message_id, Flight& f) {
  // The wait after send number sent - 1 (0 = the original).
  const double r = schedule_.config().jitter_percent > 0.0 ? random01_() : 0.0;
  const auto delay = schedule_.interval(f.sent - 1, r);
  const uint64_t generation = f.generation;
  f.timer = timers_.schedule_after(delay, [this, message_id, generation] { on_timer(message_id, generation); });
}

void Retransmitter::on_timer(uint32_t message_id, uint64_t generation) {
  auto it = flights_.find(message_id);
  if (it == flights_.end() || it->second.generation != generation) return;
  Flight& f = it->second;
  // f.sent - 1 retransmissions so far; strongSwan gives up once the wait
  // after retransmission number `tries` has passed.
  if (f.sent > schedule_.config().tries) {
    flights_.erase(it);
    give_up_(message_id);
    return;
  }
  const uint32_t attempt = f.sent++;
  auto bytes = f.fragments;
  arm(message_id, f);
  // RFC 7296 2.1: the very same bytes, every fragment.
  send_(message_id, *bytes, attempt);
}

}  // namespace ikeh::engine
