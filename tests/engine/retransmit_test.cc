// SPDX-License-Identifier: Apache-2.0
#include "harness/engine/retransmit.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "harness/core/bytes.h"
#include "harness/core/clock.h"

namespace ikeh::engine {
namespace {

using namespace std::chrono_literals;
using core::Bytes;
using core::Duration;
using core::TimePoint;
using core::VirtualClock;

// strongSwan's defaults, whole milliseconds: 4000, 7200, 12960, 23328,
// 41990 (41990.4 truncated), 75582 (75582.72 truncated).
const std::vector<Duration> kStrongswanIntervals{4000ms, 7200ms, 12960ms, 23328ms, 41990ms, 75582ms};
// Their running sums: the send times.
const std::vector<Duration> kStrongswanSends{0ms, 4000ms, 11200ms, 24160ms, 47488ms, 89478ms};
const Duration kStrongswanGiveUp = 165060ms;

struct Sent {
  TimePoint at;
  uint32_t message_id;
  std::vector<Bytes> fragments;
  uint32_t attempt;
};

struct Harness {
  VirtualClock clock{TimePoint{1000s}};  // any start: only offsets matter
  std::vector<Sent> sent;
  std::vector<std::pair<TimePoint, uint32_t>> gave_up;
  std::unique_ptr<Retransmitter> rt;

  explicit Harness(RetransmitConfig config = {}, Retransmitter::RandomFn random01 = {}) {
    auto r = Retransmitter::create(
        timers_on(clock), config,
        [this](uint32_t id, const std::vector<Bytes>& f, uint32_t attempt) {
          sent.push_back({clock.now(), id, f, attempt});
        },
        [this](uint32_t id) { gave_up.emplace_back(clock.now(), id); }, std::move(random01));
    EXPECT_TRUE(r.ok());
    if (r.ok()) rt = std::move(r).value();
  }
};

TEST(RetransmitSchedule, StrongswanDefaults) {
  RetransmitSchedule s{RetransmitConfig{}};
  EXPECT_EQ(s.sends(), 6u);
  for (uint32_t k = 0; k < kStrongswanIntervals.size(); ++k) EXPECT_EQ(s.interval(k), kStrongswanIntervals[k]) << k;
  EXPECT_EQ(s.send_offsets(), kStrongswanSends);
  EXPECT_EQ(s.give_up_offset(), kStrongswanGiveUp);
}

TEST(RetransmitSchedule, LimitCapsEachInterval) {
  RetransmitConfig c;
  c.limit_s = 10.0;
  RetransmitSchedule s{c};
  EXPECT_EQ(s.interval(0), 4000ms);
  EXPECT_EQ(s.interval(1), 7200ms);
  EXPECT_EQ(s.interval(2), 10000ms);
  EXPECT_EQ(s.interval(5), 10000ms);
  EXPECT_EQ(s.give_up_offset(), 4000ms + 7200ms + 4 * 10000ms);
}

TEST(RetransmitSchedule, JitterShortensByUpToThePercentage) {
  RetransmitConfig c;
  c.jitter_percent = 20.0;
  RetransmitSchedule s{c};
  EXPECT_EQ(s.interval(0, 0.0), 4000ms);
  EXPECT_EQ(s.interval(0, 0.5), 3600ms);   // 4000 - 800 * 0.5
  EXPECT_EQ(s.interval(1, 0.25), 6840ms);  // 7200 - 1440 * 0.25
}

TEST(RetransmitSchedule, ValidateNamesTheField) {
  RetransmitConfig c;
  EXPECT_TRUE(validate(c).ok());
  c.timeout_s = 0;
  EXPECT_EQ(validate(c).error().field, "timeout_s");
  c = {};
  c.base = 0.5;
  EXPECT_EQ(validate(c).error().field, "base");
  c = {};
  c.jitter_percent = 100;
  EXPECT_EQ(validate(c).error().field, "jitter_percent");
  c = {};
  c.limit_s = -1;
  EXPECT_EQ(validate(c).error().field, "limit_s");
  c = {};
  c.tries = 100;  // 4000 * 1.8^100 ms does not fit 32 bits
  EXPECT_EQ(validate(c).error().field, "tries");
  c.limit_s = 60;  // unless capped
  EXPECT_TRUE(validate(c).ok());
}

TEST(Retransmitter, StrongswanTimelineOnVirtualClock) {
  Harness h;
  const TimePoint t0 = h.clock.now();
  const std::vector<Bytes> request{Bytes{0x11, 0x22, 0x33}, Bytes{0x44, 0x55}};  // two fragments
  ASSERT_TRUE(h.rt->send(1, request).ok());
  h.clock.run_all();
  ASSERT_EQ(h.sent.size(), kStrongswanSends.size());
  for (std::size_t k = 0; k < h.sent.size(); ++k) {
    EXPECT_EQ(h.sent[k].at - t0, kStrongswanSends[k]) << k;
    EXPECT_EQ(h.sent[k].attempt, k);
    EXPECT_EQ(h.sent[k].message_id, 1u);
    // RFC 7296 2.1: bit-for-bit identical, every fragment.
    EXPECT_EQ(h.sent[k].fragments, request);
  }
  ASSERT_EQ(h.gave_up.size(), 1u);
  EXPECT_EQ(h.gave_up[0].first - t0, kStrongswanGiveUp);
  EXPECT_EQ(h.gave_up[0].second, 1u);
  EXPECT_FALSE(h.rt->in_flight(1));
  EXPECT_EQ(h.clock.pending(), 0u);
}

TEST(Retransmitter, NothingHappensBetweenScheduledTimes) {
  Harness h;
  const TimePoint t0 = h.clock.now();
  ASSERT_TRUE(h.rt->send(0, {Bytes{1}}).ok());
  h.clock.advance_to(t0 + 3999ms);
  EXPECT_EQ(h.sent.size(), 1u);
  h.clock.advance_to(t0 + 4000ms);
  EXPECT_EQ(h.sent.size(), 2u);
  EXPECT_EQ(h.rt->transmissions(0), 2u);
  h.clock.advance_to(t0 + kStrongswanGiveUp - 1ms);
  EXPECT_EQ(h.sent.size(), 6u);
  EXPECT_TRUE(h.gave_up.empty());
  h.clock.advance_to(t0 + kStrongswanGiveUp);
  EXPECT_EQ(h.gave_up.size(), 1u);
}

TEST(Retransmitter, ResponseCancelsTheTimer) {
  Harness h;
  const TimePoint t0 = h.clock.now();
  ASSERT_TRUE(h.rt->send(7, {Bytes{7}}).ok());
  h.clock.advance_to(t0 + 11200ms);  // original, 4 s, 11.2 s
  ASSERT_EQ(h.sent.size(), 3u);
  EXPECT_TRUE(h.rt->on_response(7));
  EXPECT_FALSE(h.rt->on_response(7));  // a duplicate response
  EXPECT_EQ(h.clock.pending(), 0u);
  h.clock.advance(1h);
  EXPECT_EQ(h.sent.size(), 3u);
  EXPECT_TRUE(h.gave_up.empty());
}

TEST(Retransmitter, SeveralRequestsInFlightRunIndependently) {
  Harness h;
  const TimePoint t0 = h.clock.now();
  ASSERT_TRUE(h.rt->send(2, {Bytes{2}}).ok());
  h.clock.advance_to(t0 + 1s);
  ASSERT_TRUE(h.rt->send(3, {Bytes{3}}).ok());
  EXPECT_EQ(h.rt->in_flight_count(), 2u);
  h.clock.advance_to(t0 + 5s);  // 2 resent at 4 s, 3 at 5 s
  ASSERT_EQ(h.sent.size(), 4u);
  EXPECT_EQ(h.sent[2].message_id, 2u);
  EXPECT_EQ(h.sent[2].at - t0, 4s);
  EXPECT_EQ(h.sent[3].message_id, 3u);
  EXPECT_EQ(h.sent[3].at - t0, 5s);
  EXPECT_TRUE(h.rt->on_response(2));
  h.clock.run_all();
  ASSERT_EQ(h.gave_up.size(), 1u);
  EXPECT_EQ(h.gave_up[0].second, 3u);
  EXPECT_EQ(h.gave_up[0].first - t0, 1s + kStrongswanGiveUp);
}

TEST(Retransmitter, RefusesDuplicateIdAndEmptyBytes) {
  Harness h;
  EXPECT_FALSE(h.rt->send(0, {}).ok());
  ASSERT_TRUE(h.rt->send(0, {Bytes{1}}).ok());
  EXPECT_FALSE(h.rt->send(0, {Bytes{2}}).ok());
  EXPECT_EQ(h.sent.size(), 1u);
  // After the response, the ID may be sent again (an IKE_SA_INIT retry).
  EXPECT_TRUE(h.rt->on_response(0));
  EXPECT_TRUE(h.rt->send(0, {Bytes{3}}).ok());
  h.clock.advance(4s);
  ASSERT_EQ(h.sent.size(), 3u);
  EXPECT_EQ(h.sent[2].fragments, (std::vector<Bytes>{Bytes{3}}));
}

TEST(Retransmitter, ResponseFromInsideSendCallback) {
  VirtualClock clock;
  std::unique_ptr<Retransmitter> rt;
  int sends = 0;
  auto r = Retransmitter::create(
      timers_on(clock), {},
      [&](uint32_t id, const std::vector<Bytes>& f, uint32_t) {
        ++sends;
        EXPECT_EQ(f.size(), 1u);
        rt->on_response(id);  // the answer arrives while sending
        EXPECT_EQ(f.size(), 1u);
      },
      [](uint32_t) { ADD_FAILURE() << "gave up"; });
  ASSERT_TRUE(r.ok());
  rt = std::move(r).value();
  ASSERT_TRUE(rt->send(5, {Bytes{5}}).ok());
  EXPECT_EQ(sends, 1);
  EXPECT_FALSE(rt->in_flight(5));
  EXPECT_EQ(clock.pending(), 0u);
}

TEST(Retransmitter, DestructionAndCancelAllStopTimers) {
  VirtualClock clock;
  int sends = 0;
  {
    auto r = Retransmitter::create(
        timers_on(clock), {}, [&](uint32_t, const std::vector<Bytes>&, uint32_t) { ++sends; }, [](uint32_t) {});
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r.value()->send(1, {Bytes{1}}).ok());
    ASSERT_TRUE(r.value()->send(2, {Bytes{2}}).ok());
    EXPECT_EQ(clock.pending(), 2u);
    r.value()->cancel_all();
    EXPECT_EQ(clock.pending(), 0u);
    ASSERT_TRUE(r.value()->send(3, {Bytes{3}}).ok());
  }
  EXPECT_EQ(clock.pending(), 0u);
  clock.advance(1h);
  EXPECT_EQ(sends, 3);
}

TEST(Retransmitter, JitterUsesTheRandomSource) {
  RetransmitConfig c;
  c.jitter_percent = 50.0;
  Harness h(c, [] { return 0.5; });  // every interval shortened by 25%
  const TimePoint t0 = h.clock.now();
  ASSERT_TRUE(h.rt->send(1, {Bytes{1}}).ok());
  h.clock.run_all();
  ASSERT_EQ(h.sent.size(), 6u);
  EXPECT_EQ(h.sent[1].at - t0, 3000ms);
  EXPECT_EQ(h.sent[2].at - t0, 3000ms + 5400ms);
}

TEST(Retransmitter, CreateRejectsBadInput) {
  VirtualClock clock;
  auto send = [](uint32_t, const std::vector<Bytes>&, uint32_t) {};
  auto give_up = [](uint32_t) {};
  RetransmitConfig bad;
  bad.base = 0.9;
  EXPECT_FALSE(Retransmitter::create(timers_on(clock), bad, send, give_up).ok());
  EXPECT_FALSE(Retransmitter::create(Timers{}, {}, send, give_up).ok());
  EXPECT_FALSE(Retransmitter::create(timers_on(clock), {}, {}, give_up).ok());
  EXPECT_FALSE(Retransmitter::create(timers_on(clock), {}, send, {}).ok());
  RetransmitConfig jitter;
  jitter.jitter_percent = 10;
  EXPECT_FALSE(Retransmitter::create(timers_on(clock), jitter, send, give_up).ok());
  EXPECT_TRUE(Retransmitter::create(timers_on(clock), {}, send, give_up).ok());
}

}  // namespace
}  // namespace ikeh::engine
