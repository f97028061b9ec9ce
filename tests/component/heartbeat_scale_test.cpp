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

#include <atomic>
#include <cstdio>
#include <mutex>
#include <vector>

#include "Iocp.h"
#include "test_support.h"

#include <gtest/gtest.h>

using namespace Iocp;
using namespace testing_support;

namespace {

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
  std::vector<std::vector<std::chrono::steady_clock::time_point>> pings(kConnections + 1);
  std::atomic<int> serial{0}, disconnects{0};
  server.OnContextCreated = [&](TIocpContext* c) { c->Data = std::make_shared<int>(++serial); };
  server.OnHeartbeat = [&](TIocpContext* c) {
    const int n = *static_cast<int*>(c->Data.get());
    std::lock_guard<std::mutex> lock(mu);
    if (n <= kConnections) pings[n].push_back(std::chrono::steady_clock::now());
  };
  server.OnDisconnect = [&](TIocpContext*) { ++disconnects; };
  server.OnExecute = [](TIocpContext* c) { c->Connection->IOHandler->ReadLn(); };
  server.Active = true;
  const int threadsServing = threadBaseline();

  int ready[2], stop[2];
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
  ASSERT_TRUE(waitUntil([&] { return serial.load() == kConnections; }, 30000)) << serial.load();

  // Watch three intervals once every connection has been pinged at least once.
  ASSERT_TRUE(waitUntil([&] {
    std::lock_guard<std::mutex> lock(mu);
    for (int i = 1; i <= kConnections; ++i) if (pings[i].empty()) return false;
    return true;
  }, 3 * kIntervalMs));
  const auto watchFrom = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(3 * kIntervalMs + kIntervalMs / 2));
  const int threadsNow = threadCount();
  close(stop[1]);  // The child exits; its connections close.
  int status = 0;
  waitpid(child, &status, 0);
  close(ready[0]);

  int offSchedule = 0, tooFew = 0;
  long long worstGapMs = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (int i = 1; i <= kConnections; ++i) {
      int inWindow = 0;
      for (std::size_t k = 1; k < pings[i].size(); ++k) {
        if (pings[i][k] < watchFrom) continue;
        ++inWindow;
        const long long gap = std::chrono::duration_cast<std::chrono::milliseconds>(pings[i][k] - pings[i][k - 1]).count();
        worstGapMs = std::max(worstGapMs, gap);
        // On schedule: the next ping within one interval of when it was due (and never early
        // by half an interval or more).
        offSchedule += gap < kIntervalMs / 2 || gap > 2 * kIntervalMs;
      }
      tooFew += inWindow < 3;
    }
  }
  std::printf("[ figures  ] iohIOCP: %d idle connections with heartbeat: %d threads while serving, %d "
              "while pinging; worst gap between two pings of one connection %lld ms (Interval %d)\n",
              kConnections, threadsServing, threadsNow, worstGapMs, kIntervalMs);
  EXPECT_EQ(threadsNow, threadsServing) << "the heartbeat must not add threads";
  EXPECT_EQ(offSchedule, 0);
  EXPECT_EQ(tooFew, 0) << "every connection is pinged every interval";
  EXPECT_TRUE(waitUntil([&] { return disconnects.load() == kConnections; }, 30000));
  server.Active = false;
}

}  // namespace
