// The heartbeat / idle-timeout state machine on its own, on made-up times.
#include <gtest/gtest.h>

#include "liveness.h"

using iocp_native::Clock;
using iocp_native::HeartbeatMode;
using iocp_native::Liveness;
using iocp_native::LivenessOptions;
using Step = Liveness::Step;

namespace {
using ms = std::chrono::milliseconds;
const Clock::time_point t0{std::chrono::hours(1)};

LivenessOptions heartbeat(int intervalMs, int timeoutMs, HeartbeatMode mode = HeartbeatMode::Always) {
  LivenessOptions o;
  o.heartbeat = true;
  o.heartbeatIntervalMs = intervalMs;
  o.heartbeatTimeoutMs = timeoutMs;
  o.heartbeatMode = mode;
  return o;
}
}  // namespace

TEST(Liveness, PingsEveryIntervalWhileThePeerAnswers) {
  Liveness l(heartbeat(100, 300), t0);
  EXPECT_EQ(l.due(), t0 + ms(100));
  EXPECT_EQ(l.step(t0 + ms(99)), Step::None);
  EXPECT_EQ(l.step(t0 + ms(100)), Step::Ping);
  EXPECT_EQ(l.step(t0 + ms(100)), Step::None);  // Recorded as sent: not twice.
  l.received(t0 + ms(150));                      // The answer.
  EXPECT_EQ(l.due(), t0 + ms(200));              // Always: on schedule, traffic or not.
  EXPECT_EQ(l.step(t0 + ms(200)), Step::Ping);
  l.received(t0 + ms(210));
  EXPECT_EQ(l.step(t0 + ms(300)), Step::Ping);
}

TEST(Liveness, ASilentPeerTimesOutTimeoutAfterTheFirstUnansweredPing) {
  Liveness l(heartbeat(100, 250), t0);
  EXPECT_EQ(l.step(t0 + ms(100)), Step::Ping);  // Unanswered from here.
  EXPECT_EQ(l.due(), t0 + ms(200));             // The next ping comes first ...
  EXPECT_EQ(l.step(t0 + ms(200)), Step::Ping);  // ... and does not restart the timeout.
  EXPECT_EQ(l.step(t0 + ms(300)), Step::Ping);
  EXPECT_EQ(l.due(), t0 + ms(350));
  EXPECT_EQ(l.step(t0 + ms(349)), Step::None);
  EXPECT_EQ(l.step(t0 + ms(350)), Step::HeartbeatTimeout);  // Interval + Timeout after the start.
}

TEST(Liveness, AnythingReceivedAnswersThePing) {
  Liveness l(heartbeat(100, 250), t0);
  for (int at : {100, 200, 300}) EXPECT_EQ(l.step(t0 + ms(at)), Step::Ping) << at;
  l.received(t0 + ms(340));                     // Answered just in time.
  EXPECT_EQ(l.step(t0 + ms(350)), Step::None);
  for (int at : {400, 500, 600}) EXPECT_EQ(l.step(t0 + ms(at)), Step::Ping) << at;
  EXPECT_EQ(l.step(t0 + ms(649)), Step::None);
  EXPECT_EQ(l.step(t0 + ms(650)), Step::HeartbeatTimeout);  // Timeout after the 400 ms ping.
}

TEST(Liveness, WhenIdleWaitsAnIntervalAfterTheLastByteReceived) {
  Liveness l(heartbeat(100, 1000, HeartbeatMode::WhenIdle), t0);
  l.received(t0 + ms(80));
  EXPECT_EQ(l.due(), t0 + ms(180));
  EXPECT_EQ(l.step(t0 + ms(150)), Step::None);  // Always would ping here (at 100).
  l.received(t0 + ms(170));
  EXPECT_EQ(l.step(t0 + ms(269)), Step::None);
  EXPECT_EQ(l.step(t0 + ms(270)), Step::Ping);
  EXPECT_EQ(l.due(), t0 + ms(370));  // Silent since: the next interval counts from the ping.
}

TEST(Liveness, IdleTimeoutCountsCompletedCallsNotBytes) {
  LivenessOptions o;
  o.idleTimeoutMs = 500;
  Liveness l(o, t0);
  EXPECT_EQ(l.due(), t0 + ms(500));
  l.received(t0 + ms(400));  // Bytes trickling in (a slowloris) do not count.
  EXPECT_EQ(l.step(t0 + ms(500)), Step::IdleTimeout);
  l.progressed(t0 + ms(500));  // A read or write call completed.
  EXPECT_EQ(l.step(t0 + ms(999)), Step::None);
  EXPECT_EQ(l.due(), t0 + ms(1000));
  EXPECT_EQ(l.step(t0 + ms(1000)), Step::IdleTimeout);
}

TEST(Liveness, NothingIsDueWhenOff) {
  Liveness l(LivenessOptions{}, t0);
  EXPECT_EQ(l.due(), Clock::time_point::max());
  EXPECT_EQ(l.step(t0 + std::chrono::hours(24)), Step::None);
}

TEST(Liveness, IdleTimeoutWinsOverAPingDueAtTheSameMoment) {
  LivenessOptions o = heartbeat(100, 1000);
  o.idleTimeoutMs = 100;
  Liveness l(o, t0);
  EXPECT_EQ(l.step(t0 + ms(100)), Step::IdleTimeout);
}
