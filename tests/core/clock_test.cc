// SPDX-License-Identifier: Apache-2.0
#include "harness/core/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace ikeh::core {
namespace {

using namespace std::chrono_literals;

TEST(VirtualClock, TimeMovesOnlyWhenAdvanced) {
  VirtualClock c(5s);
  EXPECT_EQ(c.now(), TimePoint{5s});
  EXPECT_EQ(c.now(), TimePoint{5s});
  EXPECT_EQ(c.advance(250ms), 0u);
  EXPECT_EQ(c.now(), TimePoint{5250ms});
  c.advance_to(TimePoint{7s});
  EXPECT_EQ(c.now(), TimePoint{7s});
  // Time never goes back.
  c.advance_to(TimePoint{1s});
  EXPECT_EQ(c.now(), TimePoint{7s});
  c.advance(-3s);
  EXPECT_EQ(c.now(), TimePoint{7s});
}

TEST(VirtualClock, TimersFireInTimeOrderTiesInSchedulingOrder) {
  VirtualClock c;
  std::vector<std::string> fired;
  std::vector<TimePoint> at;
  auto rec = [&](std::string name) {
    return [&, name] {
      fired.push_back(name);
      at.push_back(c.now());
    };
  };
  c.schedule(TimePoint{3s}, rec("c"));
  c.schedule(TimePoint{1s}, rec("a1"));
  c.schedule(TimePoint{2s}, rec("b"));
  c.schedule(TimePoint{1s}, rec("a2"));
  c.schedule(TimePoint{1s}, rec("a3"));
  EXPECT_EQ(c.pending(), 5u);
  EXPECT_EQ(c.next_due(), TimePoint{1s});

  EXPECT_EQ(c.run_until(TimePoint{2s}), 4u);
  EXPECT_EQ(fired, (std::vector<std::string>{"a1", "a2", "a3", "b"}));
  EXPECT_EQ(at, (std::vector<TimePoint>{1s, 1s, 1s, 2s}));
  EXPECT_EQ(c.now(), TimePoint{2s});
  EXPECT_EQ(c.pending(), 1u);
}

TEST(VirtualClock, RunNextJumpsToTheNextTimer) {
  VirtualClock c;
  int n = 0;
  c.schedule(TimePoint{10s}, [&] { ++n; });
  EXPECT_TRUE(c.run_next());
  EXPECT_EQ(n, 1);
  EXPECT_EQ(c.now(), TimePoint{10s});
  EXPECT_FALSE(c.run_next());
  EXPECT_EQ(c.now(), TimePoint{10s});
  EXPECT_EQ(c.next_due(), std::nullopt);
}

TEST(VirtualClock, PastTimerFiresAtOnceWithoutMovingTimeBack) {
  VirtualClock c(10s);
  TimePoint seen{};
  c.schedule(TimePoint{2s}, [&] { seen = c.now(); });
  EXPECT_EQ(c.run_until(c.now()), 1u);
  EXPECT_EQ(seen, TimePoint{10s});
  c.schedule_after(-5s, [&] { seen = c.now() + 1s; });
  EXPECT_EQ(c.next_due(), TimePoint{10s});
}

TEST(VirtualClock, CancelRemovesOnlyPendingTimers) {
  VirtualClock c;
  int a = 0, b = 0;
  auto ia = c.schedule(TimePoint{1s}, [&] { ++a; });
  auto ib = c.schedule(TimePoint{1s}, [&] { ++b; });
  EXPECT_NE(ia, 0u);
  EXPECT_NE(ia, ib);
  EXPECT_TRUE(c.cancel(ia));
  EXPECT_FALSE(c.cancel(ia));
  EXPECT_FALSE(c.cancel(12345));
  c.advance(1s);
  EXPECT_EQ(a, 0);
  EXPECT_EQ(b, 1);
  EXPECT_FALSE(c.cancel(ib));  // already fired
}

TEST(VirtualClock, CallbacksMayScheduleAndCancel) {
  VirtualClock c;
  std::vector<int> order;
  VirtualClock::TimerId later = c.schedule(TimePoint{5s}, [&] { order.push_back(99); });
  c.schedule(TimePoint{1s}, [&] {
    order.push_back(1);
    c.cancel(later);
    // Due within the running run_until: fires in the same run.
    c.schedule_after(1s, [&] { order.push_back(2); });
    // Due at the same instant as this callback: after it, still in this run.
    c.schedule(c.now(), [&] { order.push_back(3); });
  });
  EXPECT_EQ(c.run_until(TimePoint{10s}), 3u);
  EXPECT_EQ(order, (std::vector<int>{1, 3, 2}));
  EXPECT_EQ(c.pending(), 0u);
}

TEST(VirtualClock, TimerCancellingItselfWhileRunningIsHarmless) {
  VirtualClock c;
  VirtualClock::TimerId id = 0;
  bool cancelled = true;
  id = c.schedule(TimePoint{1s}, [&] { cancelled = c.cancel(id); });
  c.run_all();
  EXPECT_FALSE(cancelled);
}

TEST(VirtualClock, RunAllStopsASelfRearmingTimer) {
  VirtualClock c;
  std::function<void()> tick = [&] { c.schedule_after(1s, tick); };
  c.schedule_after(1s, tick);
  EXPECT_EQ(c.run_all(100), 100u);
  EXPECT_EQ(c.pending(), 1u);
  EXPECT_EQ(c.now(), TimePoint{100s});
}

// strongSwan's default retransmission (retransmit_timeout 4 s, base 1.8,
// 5 tries: 4, 7.2, 12.96, 23.328, 41.99 s, then 75.58 s before giving up)
// spans about 165 s; on virtual time it runs at once and lands exactly.
TEST(VirtualClock, StrongSwanRetransmissionScheduleRunsInVirtualTime) {
  VirtualClock c;
  std::vector<TimePoint> sends;
  int tries = 0;
  bool gave_up = false;
  auto timeout_for = [](int n) {
    double s = 4.0;
    for (int i = 0; i < n; ++i) s *= 1.8;
    return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
  };
  std::function<void()> on_timeout = [&] {
    if (tries == 5) {
      gave_up = true;
      return;
    }
    sends.push_back(c.now());
    ++tries;
    c.schedule_after(timeout_for(tries), on_timeout);
  };
  sends.push_back(c.now());
  c.schedule_after(timeout_for(0), on_timeout);

  auto wall_start = std::chrono::steady_clock::now();
  EXPECT_EQ(c.run_all(), 6u);
  auto wall = std::chrono::steady_clock::now() - wall_start;

  EXPECT_TRUE(gave_up);
  ASSERT_EQ(sends.size(), 6u);
  EXPECT_EQ(sends[1], TimePoint{4s});
  EXPECT_EQ(sends[2], TimePoint{11200ms});
  auto total = std::chrono::duration<double>(c.now()).count();
  EXPECT_NEAR(total, 165.06, 0.01);
  EXPECT_LT(wall, 1s);
}

TEST(SystemClock, IsMonotonic) {
  SystemClock c;
  TimePoint a = c.now();
  TimePoint b = c.now();
  EXPECT_LE(a, b);
  EXPECT_GT(a.count(), 0);
}

}  // namespace
}  // namespace ikeh::core
