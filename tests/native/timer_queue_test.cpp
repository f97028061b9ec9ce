// The engine's timer queue on its own: order, cancellation, re-arming.
#include <gtest/gtest.h>

#include <vector>

#include "timer_queue.h"

using iocp_native::Clock;
using iocp_native::TimerQueue;
using iocp_native::TimerTarget;

namespace {
using ms = std::chrono::milliseconds;
TimerTarget waitFor(uint64_t id) { return TimerTarget{TimerTarget::Kind::Wait, id}; }
TimerTarget liveness(uint64_t id) { return TimerTarget{TimerTarget::Kind::Liveness, id}; }
}  // namespace

TEST(TimerQueue, ArmsForTheEarliestDeadlineAndPopsInOrder) {
  std::vector<Clock::time_point> armed;
  TimerQueue q([&](Clock::time_point when) { armed.push_back(when); });
  const Clock::time_point t0 = Clock::now();
  q.add(t0 + ms(30), waitFor(3));
  q.add(t0 + ms(10), liveness(1));  // Earlier: re-arms.
  q.add(t0 + ms(20), waitFor(2));      // Not the earliest: no re-arm.
  EXPECT_EQ(armed, (std::vector<Clock::time_point>{t0 + ms(30), t0 + ms(10)}));
  EXPECT_EQ(q.size(), 3u);

  const std::vector<TimerTarget> due = q.popExpired(t0 + ms(20));
  EXPECT_EQ(due, (std::vector<TimerTarget>{liveness(1), waitFor(2)}));
  EXPECT_EQ(armed.back(), t0 + ms(30));  // Re-armed for what is left.
  EXPECT_EQ(q.popExpired(t0 + ms(29)), std::vector<TimerTarget>{});
  EXPECT_EQ(q.popExpired(t0 + ms(30)), std::vector<TimerTarget>{waitFor(3)});
  EXPECT_EQ(armed.back(), Clock::time_point::max());  // Empty: disarmed.
}

TEST(TimerQueue, CancelledEntriesNeverFireAndCancellingAFiredOneIsHarmless) {
  TimerQueue q([](Clock::time_point) {});
  const Clock::time_point t0 = Clock::now();
  const TimerQueue::Handle a = q.add(t0 + ms(5), waitFor(1));
  const TimerQueue::Handle b = q.add(t0 + ms(5), waitFor(2));  // Same deadline: both kept.
  EXPECT_TRUE(a);
  EXPECT_FALSE(TimerQueue::Handle{});
  q.cancel(a);
  EXPECT_EQ(q.popExpired(t0 + ms(5)), std::vector<TimerTarget>{waitFor(2)});
  q.cancel(b);  // Already fired.
  q.cancel(a);  // Twice.
  EXPECT_EQ(q.size(), 0u);
}

TEST(TimerQueue, TargetsKeepTheirKind) {
  TimerQueue q([](Clock::time_point) {});
  const Clock::time_point t0 = Clock::now();
  q.add(t0, TimerTarget{TimerTarget::Kind::AcceptRetry, 0});
  q.add(t0, waitFor(0));
  const std::vector<TimerTarget> due = q.popExpired(t0);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].kind, TimerTarget::Kind::AcceptRetry);
  EXPECT_EQ(due[1].kind, TimerTarget::Kind::Wait);
}
