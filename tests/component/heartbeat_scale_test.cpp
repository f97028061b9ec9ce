// 10,000 idle connections with the heartbeat on (iohIOCP): no thread is added, and every
// connection is pinged on schedule. The clients live in a child process (fork), because both ends
// in one process would pass the 20,000-descriptor limit. Linux only (fork).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <vector>

#include "Iocp.h"
#include "calibration.h"
#include "test_support.h"

#include <gtest/gtest.h>

using namespace Iocp;
using namespace testing_support;

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kConnections = 10000;
constexpr int kIntervalMs = 500;

// Child process: open kConnections connections to 127.0.0.1:port, report on `ready`, then wait
// (never reading) until the parent closes `stop`. Only system calls here: the parent has threads.
[[noreturn]] void clients(uint16_t port, int ready, int stop, int* fds) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int opened = 0;
  for (; opened < kConnections; ++opened) {
    fds[opened] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fds[opened] < 0 || connect(fds[opened], reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) break;
  }
  (void)!write(ready, &opened, sizeof opened);
  pollfd p{stop, POLLIN, 0};
  poll(&p, 1, 120000);  // Until the parent closes its end (or two minutes pass).
  _exit(0);
}

TEST(HeartbeatScale, TenThousandIdleConnectionsArePingedOnScheduleWithoutAddingThreads) {
  TIocpTCPServer server;
  server.Bindings.Add().IP = "127.0.0.1";
  server.IOHandlerOptions.IOHandlerType = iohIOCP;
  server.IOHandlerOptions.IOCP.IOCPThreads = 2;
  server.IOHandlerOptions.IOCP.FiberStackSize = 64 * 1024;
  server.Heartbeat.Enabled = true;
  server.Heartbeat.Interval = kIntervalMs;
  server.Heartbeat.Timeout = 60000;  // The clients never answer; nobody must be closed here.
  server.Heartbeat.Payload = "PING\r\n";
  std::mutex mu;
  std::vector<std::vector<Clock::time_point>> pings(kConnections + 1);
  std::atomic<int> serial{0}, disconnects{0};
  server.OnContextCreated = [&](TIocpContext* c) { c->Data = std::make_shared<int>(++serial); };
  // Counted as they come, so that waiting for them costs no scan of 10,000 lists.
  std::atomic<Clock::rep> watchFrom{Clock::time_point::max().time_since_epoch().count()};
  std::vector<int> pingsSinceWatchFrom(kConnections + 1, 0);
  std::atomic<int> everPinged{0}, watchedEnough{0};
  server.OnHeartbeat = [&](TIocpContext* c) {
    const int n = *static_cast<int*>(c->Data.get());
    const Clock::time_point now = Clock::now();
    std::lock_guard<std::mutex> lock(mu);
    if (n > kConnections) return;
    pings[n].push_back(now);
    if (pings[n].size() == 1) ++everPinged;
    if (now.time_since_epoch().count() >= watchFrom.load() && ++pingsSinceWatchFrom[n] == 3) ++watchedEnough;
  };
  server.OnDisconnect = [&](TIocpContext*) { ++disconnects; };
  server.OnExecute = [](TIocpContext* c) { c->Connection->IOHandler->ReadLn(); };
  const std::vector<int> threadsBefore = RunQueueWait::threadIds();
  server.Active = true;
  const int threadsServing = threadBaseline();
  std::vector<int> engineThreads;  // The server's own threads: the ones that ping.
  for (int id : RunQueueWait::threadIds()) {
    if (std::find(threadsBefore.begin(), threadsBefore.end(), id) == threadsBefore.end()) engineThreads.push_back(id);
  }

  int ready[2], stop[2];
  const Clock::time_point connectingFrom = Clock::now();  // Before any connection exists.
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(stop), 0);
  std::vector<int> fds(kConnections, -1);  // Allocated before fork: the child must not allocate.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    close(stop[1]);
    clients(server.Bindings[0].Port, ready[1], stop[0], fds.data());
  }
  close(ready[1]);
  close(stop[0]);
  int opened = 0;
  ASSERT_EQ(read(ready[0], &opened, sizeof opened), static_cast<ssize_t>(sizeof opened));
  ASSERT_EQ(opened, kConnections);
  ASSERT_TRUE(waitUntil([&] { return serial.load() == kConnections; })) << serial.load();

  // Watch three intervals once every connection has been pinged at least once: until each has
  // been pinged three more times (no fixed wait: it ends as soon as that holds).
  ASSERT_TRUE(waitUntil([&] { return everPinged.load() == kConnections; })) << everPinged.load();
  const int threadsNow = threadCount();  // While pinging (and before the yardsticks add theirs).
  long long ranBeforeUs = 0, ranAfterUs = 0;
  const long long waitedBeforeUs = RunQueueWait::totalUs(engineThreads, &ranBeforeUs);
  LatenessProbe probe;
  const Clock::time_point watchStart = Clock::now();
  watchFrom = watchStart.time_since_epoch().count();
  ASSERT_TRUE(waitUntil([&] { return watchedEnough.load() == kConnections; }))
      << watchedEnough.load() << " of " << kConnections << " connections pinged three times";
  probe.stop();
  const Clock::time_point watchEnd = Clock::now();
  const long long engineWaitedMs = (RunQueueWait::totalUs(engineThreads, &ranAfterUs) - waitedBeforeUs) / 1000;
  const long long windowMs = std::chrono::duration_cast<std::chrono::milliseconds>(watchEnd - watchStart).count();
  const long long engineRanPerIntervalMs = (ranAfterUs - ranBeforeUs) / 1000 / std::max(1LL, windowMs / kIntervalMs);
  close(stop[1]);  // The child exits; its connections close.
  int status = 0;
  waitpid(child, &status, 0);
  close(ready[0]);

  // On schedule, three ways. Never early: the k-th ping of a connection not before k intervals
  // since the connections were opened (each is due an interval after the previous one was sent).
  // The schedule itself: the typical (median) gap between two pings of a connection is the
  // interval, late at most what any timer may be late here (the probe). And nobody starved: the
  // worst gap is late at most that, plus the work of one round (the CPU time of the engine's
  // threads per interval: the pings due before this one), plus the time those threads waited for
  // a CPU in the window (pinging 10,000 connections every interval is real work: on a machine busy
  // with other things, it queues behind them).
  const long long allowedTypical = probe.allowedLatenessMs(kIntervalMs);
  const long long allowedWorst = allowedTypical + engineRanPerIntervalMs + engineWaitedMs;
  int early = 0;
  std::vector<long long> gaps;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (int i = 1; i <= kConnections; ++i) {
      for (std::size_t k = 0; k < pings[i].size(); ++k) {
        early += pings[i][k] < connectingFrom + std::chrono::milliseconds((k + 1) * kIntervalMs);
        if (k == 0 || pings[i][k - 1] < watchStart) continue;  // Both inside the window measured.
        if (pings[i][k] > watchEnd) break;
        gaps.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(pings[i][k] - pings[i][k - 1]).count());
      }
    }
  }
  ASSERT_GE(gaps.size(), std::size_t(2) * kConnections);  // Three pings each in the window.
  std::nth_element(gaps.begin(), gaps.begin() + long(gaps.size() / 2), gaps.end());
  const long long medianGapMs = gaps[gaps.size() / 2];
  const long long worstGapMs = *std::max_element(gaps.begin(), gaps.end());
  std::printf("[ figures  ] iohIOCP: %d idle connections with heartbeat: %d threads while serving, %d "
              "while pinging; gap between two pings of one connection: median %lld ms (allowed %d + %lld), "
              "worst %lld ms (allowed %d + %lld: also one round's work %lld, waiting for a CPU %lld)\n",
              kConnections, threadsServing, threadsNow, medianGapMs, kIntervalMs, allowedTypical, worstGapMs,
              kIntervalMs, allowedWorst, engineRanPerIntervalMs, engineWaitedMs);
  EXPECT_EQ(threadsNow, threadsServing) << "the heartbeat must not add threads";
  EXPECT_EQ(early, 0) << "pings before their time";
  EXPECT_LE(medianGapMs, kIntervalMs + allowedTypical) << "the schedule is off; " << probe.describe();
  EXPECT_LE(worstGapMs, kIntervalMs + allowedWorst) << "a connection starved; " << probe.describe();
  EXPECT_TRUE(waitUntil([&] { return disconnects.load() == kConnections; }));
  server.Active = false;
}

}  // namespace
