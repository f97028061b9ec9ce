// Liveness on loopback: heartbeat pings and timeouts, the idle timeout, TCP keepalive and user
// timeout, and the reason every such close carries. Vanished peers on a real (namespaced) network
// are in vanished_peer_test.cpp.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "calibration.h"
#include "server_fixture.h"

using namespace Iocp;
using namespace testing_support;

namespace {

using Clock = std::chrono::steady_clock;

long long msBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

class Liveness : public ServerTest {
 protected:
  // Records when each connection disconnected, why, and its peer port (which RawSocket is it).
  void recordDisconnects() {
    server->OnDisconnect = [this](TIocpContext* c) {
      std::lock_guard<std::mutex> lock(mu);
      reasons.push_back(c->DisconnectReason());
      at.push_back(Clock::now());
      peerPorts.push_back(c->Binding->PeerPort);
    };
  }
  std::vector<std::string> reasonsSoFar() {
    std::lock_guard<std::mutex> lock(mu);
    return reasons;
  }
  long long msFromTo(Clock::time_point t0, std::size_t i) {
    std::lock_guard<std::mutex> lock(mu);
    return msBetween(t0, at[i]);
  }

  // The echo handler, noting when the server read each line (for checks on the traffic's gaps).
  void echoNotingReads() {
    server->OnExecute = [this](TIocpContext* c) {
      auto* io = c->Connection->IOHandler;
      const std::string line = io->ReadLn();
      {
        std::lock_guard<std::mutex> lock(mu);
        readAt[line] = Clock::now();
      }
      io->WriteLn(line);
    };
  }
  Clock::time_point readTime(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu);
    return readAt.at(line);
  }

  std::mutex mu;
  std::vector<std::string> reasons;
  std::vector<Clock::time_point> at;
  std::vector<int> peerPorts;
  std::map<std::string, Clock::time_point> readAt;

  // Heartbeat on with a "PING" line, OnDisconnect recorded, the echo handler; returns the port.
  uint16_t startPinging(int intervalMs, int timeoutMs, TIocpHeartbeatMode mode = hbAlways) {
    server->Heartbeat.Enabled = true;
    server->Heartbeat.Interval = intervalMs;
    server->Heartbeat.Timeout = timeoutMs;
    server->Heartbeat.Mode = mode;
    server->Heartbeat.Payload = "PING\r\n";
    // The pings' times are the engine's timers only without Nagle: with it (Indy's default) a ping
    // waits for the ACK of the echo written before it, which the peer may delay (seen: one ping 63
    // ms late while the lateness probe saw 0.9 ms at worst).
    server->UseNagle = false;
    recordDisconnects();
    echoNotingReads();
    return start();
  }
};
INSTANTIATE_FOR_BOTH_ENGINES(Liveness);

// The schedule, checked where it is exact and calibrated where it cannot be: the k-th ping never
// comes before k intervals have passed since the connection began (the server schedules each one
// an interval after the previous one was sent), and each comes at most the allowed lateness after
// it was due. The pings span more than Interval + Timeout: a server that did not count the answers
// would have closed the connection on the way.
TEST_P(Liveness, HeartbeatPingsEveryIntervalAndAnAnsweringPeerStays) {
  constexpr int kInterval = 100, kTimeout = 500, kPings = 7;
  static_assert(kPings * kInterval > kInterval + kTimeout, "must outlast one heartbeat timeout");
  const auto stop = stopAtEnd();
  const uint16_t port = startPinging(kInterval, kTimeout);
  LatenessProbe probe;
  const Clock::time_point t0 = Clock::now();  // Before the connection exists.
  RawSocket s("127.0.0.1", port);
  std::vector<Clock::time_point> pings;
  while (pings.size() < std::size_t(kPings)) {
    const std::string line = s.recvLine(kEventuallyMs);
    if (line.empty()) break;
    if (line != "PING") continue;  // Our own answers, echoed.
    pings.push_back(Clock::now());
    s.send("PONG\r\n");  // Anything from the peer answers the ping.
  }
  probe.stop();
  ASSERT_EQ(pings.size(), std::size_t(kPings)) << "the pings stopped; closed: " << ::testing::PrintToString(reasonsSoFar());
  const long long allowed = probe.allowedLatenessMs(kInterval);
  std::printf("[ figures  ] %s: pings at Interval = %d ms came after", iocp() ? "iohIOCP" : "iohDefault", kInterval);
  for (std::size_t k = 0; k < pings.size(); ++k) {
    std::printf(" %lld", msBetween(k ? pings[k - 1] : t0, pings[k]));
    EXPECT_GE(msBetween(t0, pings[k]), (long long)(k + 1) * kInterval) << "ping " << k + 1 << " came early";
    if (k > 0) {
      EXPECT_LE(msBetween(pings[k - 1], pings[k]), kInterval + allowed) << "ping " << k + 1 << "; " << probe.describe();
    }
  }
  std::printf(" ms (allowed lateness %lld ms)\n", allowed);
  s.send("still\r\n");
  std::string line;
  while (line == "" || line == "PING" || line == "PONG") {
    line = s.recvLine(kEventuallyMs);
    if (line.empty()) break;
  }
  EXPECT_EQ(line, "still");
  EXPECT_TRUE(reasonsSoFar().empty()) << "an answering peer must stay connected";
}

TEST_P(Liveness, ASilentPeerIsClosedWithHeartbeatTimeoutWithinIntervalPlusTimeout) {
  constexpr int kInterval = 100, kTimeout = 200;
  const auto stop = stopAtEnd();
  const uint16_t port = startPinging(kInterval, kTimeout);
  LatenessProbe probe;
  const Clock::time_point t0 = Clock::now();
  RawSocket s("127.0.0.1", port);  // Connected, alive, but never answers.
  ASSERT_TRUE(waitUntil([&] { return reasonsSoFar().size() == 1; }));
  probe.stop();
  const long long took = msFromTo(t0, 0);
  const long long allowed = probe.allowedLatenessMs(kInterval + kTimeout);
  std::printf("[ figures  ] %s: silent peer closed after %lld ms (Interval %d + Timeout %d, allowed lateness %lld)\n",
              iocp() ? "iohIOCP" : "iohDefault", took, kInterval, kTimeout, allowed);
  EXPECT_EQ(reasonsSoFar()[0], "heartbeat timeout");
  EXPECT_GE(took, kInterval + kTimeout) << "closed before the first ping could have timed out";
  EXPECT_LE(took, kInterval + kTimeout + allowed) << probe.describe();
}

// Steady traffic keeps the pings away. Whether a ping is deserved is decided from what the server
// saw: a ping may only come after the server has received nothing for an interval, so one that
// comes while every gap between the lines the server read was shorter is a fault, on any machine.
// (The test cannot keep a starved machine's gaps short; it can tell when it did not.)
TEST_P(Liveness, OnlyWhenIdleSendsNoPingToAPeerThatKeepsTalking) {
  constexpr int kInterval = 200, kLines = 40;
  const auto stop = stopAtEnd();
  const uint16_t port = startPinging(kInterval, 10 * kInterval, hbWhenIdle);
  const Clock::time_point t0 = Clock::now();
  RawSocket s("127.0.0.1", port);
  std::vector<Clock::time_point> sent;  // sent[i]: line i went out.
  std::vector<Clock::time_point> pings;
  int echoes = 0;
  for (int i = 0; i < kLines; ++i) {  // A line every 20 ms or so: ten per interval.
    sent.push_back(Clock::now());
    s.send("x" + std::to_string(i) + "\r\n");
    for (std::string line; line != "x" + std::to_string(i);) {
      line = s.recvLine(kEventuallyMs);
      ASSERT_FALSE(line.empty()) << "no echo of line " << i;
      if (line == "PING") pings.push_back(Clock::now());
    }
    ++echoes;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // The longest the server can have gone without receiving, before each ping: from a line's
  // sending to the server's reading of the next one (the start of the connection counts as a
  // receive; so does each line's arrival, which lies between its sending and its reading).
  auto longestSilenceBefore = [&](Clock::time_point q) {
    long long longest = 0;
    Clock::time_point from = t0;
    for (int i = 0; i < kLines && sent[i] < q; ++i) {
      longest = std::max(longest, msBetween(from, std::min(q, readTime("x" + std::to_string(i)))));
      from = sent[i];
    }
    return std::max(longest, msBetween(from, q));
  };
  for (const Clock::time_point& q : pings) {
    EXPECT_GE(longestSilenceBefore(q), kInterval) << "a ping " << msBetween(t0, q)
                                                  << " ms in, while the peer kept talking";
  }
  EXPECT_EQ(echoes, kLines);
  // Silence: now the ping comes, an interval after the last line arrived (never earlier), and at
  // most the allowed lateness after that.
  LatenessProbe probe;
  const Clock::time_point lastSent = sent.back();
  const Clock::time_point lastRead = readTime("x" + std::to_string(kLines - 1));
  std::string line;
  while (line != "PING") {
    line = s.recvLine(kEventuallyMs);
    if (line.empty()) break;
  }
  const Clock::time_point ping = Clock::now();
  probe.stop();
  ASSERT_EQ(line, "PING");
  std::printf("[ figures  ] %s: %zu pings during the talk (%d lines); after it the ping came %lld ms after the "
              "last line (Interval %d)\n", iocp() ? "iohIOCP" : "iohDefault", pings.size(), kLines,
              msBetween(lastRead, ping), kInterval);
  EXPECT_GE(msBetween(lastSent, ping), kInterval);
  EXPECT_LE(msBetween(lastRead, ping), kInterval + probe.allowedLatenessMs(kInterval)) << probe.describe();
  EXPECT_TRUE(reasonsSoFar().empty());
}

TEST_P(Liveness, OnHeartbeatWritesTheProtocolsOwnPing) {
  server->Heartbeat.Enabled = true;
  server->Heartbeat.Interval = 150;
  server->Heartbeat.Timeout = 5000;
  std::atomic<int> calls{0};
  const auto stop = stopAtEnd();
  server->OnHeartbeat = [&](TIocpContext* c) {
    ++calls;
    c->Connection->IOHandler->WriteLn("HB " + std::to_string(c->Binding->PeerPort));
  };
  echo();
  const uint16_t port = start();
  RawSocket s("127.0.0.1", port);
  const std::string line = s.recvLine(kEventuallyMs);
  EXPECT_EQ(line, "HB " + std::to_string(s.localPort()));
  EXPECT_GE(calls.load(), 1);
}

// The worker completes a line every 20 ms or so and so is never idle for IdleTimeout, unless the
// machine stalled it that long: then the server may close it too, and the test checks that it
// really went that long without a completed read.
TEST_P(Liveness, IdleTimeoutClosesASlowlorisThatNeverCompletesALine) {
  constexpr int kIdleTimeout = 300;
  server->IdleTimeout = kIdleTimeout;
  recordDisconnects();
  const auto stop = stopAtEnd();
  echoNotingReads();
  const uint16_t port = start();
  LatenessProbe probe;
  std::vector<Clock::time_point> workerReads{Clock::now()};  // Its start counts as progress.
  RawSocket worker("127.0.0.1", port);
  const Clock::time_point t0 = Clock::now();
  RawSocket slowloris("127.0.0.1", port);
  bool workerEchoed = true;
  for (int i = 0; reasonsSoFar().empty() && msSince(t0) < kEventuallyMs; ++i) {
    // One byte at a time, no line ever completes. The idle timeout may close it between the
    // loop's check and this send (a reset then fails the send under Windows): judged below.
    slowloris.sendUnlessClosed("a");
    worker.send("w" + std::to_string(i) + "\r\n");
    if (worker.recvLine(kEventuallyMs) != "w" + std::to_string(i)) {
      workerEchoed = false;  // Closed: judged below.
      break;
    }
    workerReads.push_back(readTime("w" + std::to_string(i)));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  probe.stop();
  ASSERT_TRUE(waitUntil([&] { return !reasonsSoFar().empty(); }));
  std::unique_lock<std::mutex> lock(mu);
  const long long allowed = probe.allowedLatenessMs(kIdleTimeout);
  for (std::size_t k = 0; k < reasons.size(); ++k) {
    if (peerPorts[k] == slowloris.localPort()) {
      const long long took = msBetween(t0, at[k]);
      std::printf("[ figures  ] %s: slowloris closed after %lld ms (IdleTimeout %d, allowed lateness %lld; %s)\n",
                  iocp() ? "iohIOCP" : "iohDefault", took, kIdleTimeout, allowed, probe.describe().c_str());
      EXPECT_EQ(reasons[k], "idle timeout");
      EXPECT_GE(took, kIdleTimeout);
      EXPECT_LE(took, kIdleTimeout + allowed) << probe.describe();
    } else {
      long long longest = 0;  // Between two completed reads of the worker's, or since the last.
      for (std::size_t r = 1; r < workerReads.size(); ++r) {
        longest = std::max(longest, msBetween(workerReads[r - 1], workerReads[r]));
      }
      longest = std::max(longest, msBetween(workerReads.back(), at[k]));
      EXPECT_GE(longest, kIdleTimeout) << "the worker was closed (" << reasons[k] << ") while it kept completing lines";
    }
  }
  const auto closed = [&](const RawSocket& s) { return std::count(peerPorts.begin(), peerPorts.end(), int(s.localPort())); };
  ASSERT_EQ(closed(slowloris), 1);
  const bool workerOpen = closed(worker) == 0;
  lock.unlock();  // The echo handler takes it.
  if (workerOpen) {
    EXPECT_TRUE(workerEchoed);
    worker.send("still\r\n");
    EXPECT_EQ(worker.recvLine(kEventuallyMs), "still");
  }
}

// KeepAlive, UserTimeout, ReceiveBufferSize and SendBufferSize reach every accepted socket.
TEST_P(Liveness, SocketOptionsAreAppliedToAcceptedSockets) {
  server->KeepAlive.Enabled = true;
  server->KeepAlive.Time = 30000;
  server->KeepAlive.Interval = 5000;
  server->UserTimeout = 7000;
  server->ReceiveBufferSize = 16384;
  server->SendBufferSize = 24576;
  std::atomic<std::intptr_t> handle{-1};
  const auto stop = stopAtEnd();
  server->OnConnect = [&](TIocpContext* c) { handle = c->Binding->Handle; };
  echo();
  const uint16_t port = start();
  RawSocket s("127.0.0.1", port);
  ASSERT_TRUE(waitUntil([&] { return handle.load() != -1; }));
  const SocketOptions o = readSocketOptions(handle.load());
  EXPECT_EQ(o.keepAlive, 1);
  // Where the OS reports them (not Windows: its keepalive times and TCP_MAXRT are write-only).
  if (o.keepAliveIdleSeconds != -1) {
    EXPECT_EQ(o.keepAliveIdleSeconds, 30);
  }
  if (o.keepAliveIntervalSeconds != -1) {
    EXPECT_EQ(o.keepAliveIntervalSeconds, 5);
  }
  if (o.userTimeoutMs != -1) {
    EXPECT_EQ(o.userTimeoutMs, 7000);
  }
  if (descriptorLimitsApply()) {  // POSIX: every one of them is readable.
    EXPECT_NE(o.userTimeoutMs, -1);
    EXPECT_NE(o.keepAliveIdleSeconds, -1);
  }
  // Linux reports twice the buffer size set (its bookkeeping included), Windows the value.
  EXPECT_TRUE(o.receiveBuffer == 16384 || o.receiveBuffer == 2 * 16384) << o.receiveBuffer;
  EXPECT_TRUE(o.sendBuffer == 24576 || o.sendBuffer == 2 * 24576) << o.sendBuffer;
}

TEST_P(Liveness, AnOverLongLineEndsTheConnectionAsProtocolLimit) {
  recordDisconnects();
  const auto stop = stopAtEnd();
  server->OnExecute = [](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    io->MaxLineLength = 16;
    io->WriteLn(io->ReadLn());
  };
  const uint16_t port = start();
  RawSocket s("127.0.0.1", port);
  s.send(std::string(100, 'z') + "\r\n");
  ASSERT_TRUE(waitUntil([&] { return reasonsSoFar().size() == 1; }));
  EXPECT_EQ(reasonsSoFar()[0], "protocol limit");
}

// --- The client side -------------------------------------------------------------------------

// Tests of the client alone: the server's engine does not matter, so they run once (iohIOCP).
class ClientLiveness : public Liveness {
 protected:
  static constexpr int kInterval = 100, kTimeout = 200;
  // A client that pings every kInterval with "PING" and gives up kTimeout after an unanswered one.
  static void pingOften(TIocpTCPClient& c) {
    c.Heartbeat.Enabled = true;
    c.Heartbeat.Interval = kInterval;
    c.Heartbeat.Timeout = kTimeout;
    c.Heartbeat.Payload = "PING\r\n";
    c.ReadTimeout = kEventuallyMs;
  }
};
INSTANTIATE_TEST_SUITE_P(Engines, ClientLiveness, ::testing::Values(iohIOCP), engineName);

// "At once": the server has no heartbeat and no idle timeout here, so nothing but the client's FIN
// can end the connection, and the client waits for the server's close at most
// CleanDisconnectTimeout, set far beyond the test's patience: a client that sent its FIN only when
// that ran out would fail here. The reason shows that unread data did not turn it into a reset.
TEST_P(Liveness, CleanDisconnectLetsTheServerSeeAGracefulCloseAtOnce) {
  recordDisconnects();
  EventLog lines;
  std::atomic<bool> greeted{false};
  const auto stop = stopAtEnd();
  server->OnConnect = [&](TIocpContext* c) {
    c->Connection->IOHandler->Write(std::string(64 * 1024, 'g'));  // The client never reads this.
    greeted = true;
  };
  server->OnExecute = [&](TIocpContext* c) { lines.add(c->Connection->IOHandler->ReadLn()); };
  start();
  auto c = client();
  c->Options.CleanDisconnect = true;
  c->Options.Goodbye = "QUIT\r\n";
  c->Options.CleanDisconnectTimeout = 2 * kEventuallyMs;
  ASSERT_TRUE(waitUntil([&] { return greeted.load(); }));
  const auto t0 = Clock::now();
  std::thread disconnecting([&] { c->Disconnect(); });  // Returns once the server has closed too.
  const bool seen = waitUntil([&] { return reasonsSoFar().size() == 1; });
  disconnecting.join();
  ASSERT_TRUE(seen) << "the server did not see the client's close";
  std::printf("[ figures  ] %s: OnDisconnect %lld ms after the client's clean Disconnect\n",
              iocp() ? "iohIOCP" : "iohDefault", msFromTo(t0, 0));
  EXPECT_EQ(reasonsSoFar()[0], "peer closed");
  EXPECT_EQ(lines.snapshot(), std::vector<std::string>{"QUIT"});
}

TEST_P(ClientLiveness, ClientHeartbeatGivesUpOnASilentServer) {
  const auto stop = stopAtEnd();
  server->OnExecute = [](TIocpContext* c) { c->Connection->IOHandler->ReadLn(); };  // Never answers.
  start();
  TIocpTCPClient c;
  testing_support::tlsIfTesting(c);
  pingOften(c);
  std::atomic<int> pings{0};
  c.OnHeartbeat = [&](TIocpTCPClient*) { ++pings; };
  LatenessProbe probe;
  const auto t0 = Clock::now();  // Before the client's heartbeat starts.
  c.Connect("127.0.0.1", server->Bindings[0].Port);
  std::string what;
  try {
    c.IOHandler->ReadLn();
  } catch (const EIdNotConnected& e) {
    what = e.what();
  }
  const long long took = msSince(t0);
  probe.stop();
  std::printf("[ figures  ] the client gave up on a silent server after %lld ms (Interval %d + Timeout %d)\n", took,
              kInterval, kTimeout);
  EXPECT_EQ(what, "Not Connected (heartbeat timeout)");
  EXPECT_GE(took, kInterval + kTimeout);
  EXPECT_LE(took, kInterval + kTimeout + probe.allowedLatenessMs(kInterval + kTimeout)) << probe.describe();
  EXPECT_GE(pings.load(), 1);
}

// Five echoed pings take at least five intervals, longer than Interval + Timeout: a client that
// did not count the echoes as answers would have given up on the way.
TEST_P(ClientLiveness, ClientHeartbeatKeepsAnAnsweringServer) {
  constexpr int kPings = 5;
  static_assert(kPings * kInterval > kInterval + kTimeout, "must outlast one heartbeat timeout");
  const auto stop = stopAtEnd();
  echo();  // Echoes the client's pings: that is the server's answer.
  start();
  TIocpTCPClient c;
  testing_support::tlsIfTesting(c);
  pingOften(c);
  c.Connect("127.0.0.1", server->Bindings[0].Port);
  for (int echoed = 0; echoed < kPings;) {
    std::string line;
    ASSERT_NO_THROW(line = c.IOHandler->ReadLn()) << "after " << echoed << " echoed pings";
    echoed += line == "PING";
  }
  EXPECT_TRUE(c.Connected());
}

}  // namespace
