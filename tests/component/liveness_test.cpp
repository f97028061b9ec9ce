// Liveness on loopback: heartbeat pings and timeouts, the idle timeout, TCP keepalive and user
// timeout, and the reason every such close carries. Vanished peers on a real (namespaced) network
// are in vanished_peer_test.cpp.
#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "server_fixture.h"

using namespace Iocp;
using namespace testing_support;

namespace {

class Liveness : public ServerTest {
 protected:
  // Records when each connection disconnected and why.
  void recordDisconnects() {
    server->OnDisconnect = [this](TIocpContext* c) {
      std::lock_guard<std::mutex> lock(mu);
      reasons.push_back(c->DisconnectReason());
      at.push_back(std::chrono::steady_clock::now());
    };
  }
  std::vector<std::string> reasonsSoFar() {
    std::lock_guard<std::mutex> lock(mu);
    return reasons;
  }
  long long msFromTo(std::chrono::steady_clock::time_point t0, std::size_t i) {
    std::lock_guard<std::mutex> lock(mu);
    return std::chrono::duration_cast<std::chrono::milliseconds>(at[i] - t0).count();
  }

  std::mutex mu;
  std::vector<std::string> reasons;
  std::vector<std::chrono::steady_clock::time_point> at;

  // Heartbeat on with a "PING" line, OnDisconnect recorded, the echo handler; returns the port.
  uint16_t startPinging(int intervalMs, int timeoutMs, TIocpHeartbeatMode mode = hbAlways) {
    server->Heartbeat.Enabled = true;
    server->Heartbeat.Interval = intervalMs;
    server->Heartbeat.Timeout = timeoutMs;
    server->Heartbeat.Mode = mode;
    server->Heartbeat.Payload = "PING\r\n";
    recordDisconnects();
    echo();
    return start();
  }
};
INSTANTIATE_FOR_BOTH_ENGINES(Liveness);

TEST_P(Liveness, HeartbeatPingsEveryIntervalAndAnAnsweringPeerStays) {
  const auto stop = stopAtEnd();
  const uint16_t port = startPinging(200, 1000);
  RawSocket s("127.0.0.1", port);
  std::vector<long long> pings;
  const auto t0 = std::chrono::steady_clock::now();
  while (msSince(t0) < 1300) {
    const std::string line = s.recvLine(100);
    if (line == "PING") {
      pings.push_back(msSince(t0));
      s.send("PONG\r\n");  // The echo handler sends it back; anything from us answers the ping.
    }
  }
  std::printf("[ figures  ] %s: %zu pings in 1.3 s at Interval = 200 ms\n", iocp() ? "iohIOCP" : "iohDefault",
              pings.size());
  ASSERT_GE(pings.size(), 4u);
  EXPECT_LE(pings.size(), 7u);
  for (std::size_t i = 1; i < pings.size(); ++i) {
    const long long gap = pings[i] - pings[i - 1];
    EXPECT_GE(gap, 150) << "ping " << i;  // On schedule, within one interval.
    EXPECT_LE(gap, 200 + 200 * kSlowdown) << "ping " << i;
  }
  EXPECT_TRUE(reasonsSoFar().empty()) << "an answering peer must stay connected";
}

TEST_P(Liveness, ASilentPeerIsClosedWithHeartbeatTimeoutWithinIntervalPlusTimeout) {
  const auto stop = stopAtEnd();
  const uint16_t port = startPinging(200, 400);
  const auto t0 = std::chrono::steady_clock::now();
  RawSocket s("127.0.0.1", port);  // Connected, alive, but never answers.
  ASSERT_TRUE(waitUntil([&] { return reasonsSoFar().size() == 1; }, 3000));
  const long long took = msFromTo(t0, 0);
  std::printf("[ figures  ] %s: silent peer closed after %lld ms (Interval 200 + Timeout 400)\n",
              iocp() ? "iohIOCP" : "iohDefault", took);
  EXPECT_EQ(reasonsSoFar()[0], "heartbeat timeout");
  EXPECT_GE(took, 550);
  EXPECT_LE(took, 600 + 400 * kSlowdown);
}

TEST_P(Liveness, OnlyWhenIdleSendsNoPingToAPeerThatKeepsTalking) {
  const auto stop = stopAtEnd();
  const uint16_t port = startPinging(300, 2000, hbWhenIdle);
  RawSocket s("127.0.0.1", port);
  int pings = 0, echoes = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (msSince(t0) < 1500) {  // Five intervals of steady traffic: a line every 50 ms.
    s.send("x\r\n");
    const std::string line = s.recvLine(200);
    pings += line == "PING";
    echoes += line == "x";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(pings, 0) << "a connection receiving traffic must not be pinged";
  EXPECT_GT(echoes, 10);
  // Silence: now the ping comes, one interval after the last line.
  const auto quiet = std::chrono::steady_clock::now();
  std::string line;
  while (line != "PING" && msSince(quiet) < 2000) line = s.recvLine(2000);
  EXPECT_EQ(line, "PING");
  EXPECT_LE(msSince(quiet), 300 + 400 * kSlowdown);
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
  const std::string line = s.recvLine(2000);
  EXPECT_EQ(line.rfind("HB ", 0), 0u) << line;
  EXPECT_GE(calls.load(), 1);
}

TEST_P(Liveness, IdleTimeoutClosesASlowlorisThatNeverCompletesALine) {
  server->IdleTimeout = 500;
  recordDisconnects();
  const auto stop = stopAtEnd();
  echo();
  const uint16_t port = start();
  RawSocket worker("127.0.0.1", port);  // Completes a line every 100 ms: never idle.
  RawSocket slowloris("127.0.0.1", port);
  const auto t0 = std::chrono::steady_clock::now();
  while (reasonsSoFar().empty() && msSince(t0) < 3000) {
    slowloris.send("a");  // One byte at a time, no line ever completes.
    worker.send("w\r\n");
    EXPECT_EQ(worker.recvLine(1000), "w");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(reasonsSoFar().size(), 1u) << "only the slowloris is idle";
  const long long took = msFromTo(t0, 0);
  std::printf("[ figures  ] %s: slowloris closed after %lld ms (IdleTimeout 500)\n",
              iocp() ? "iohIOCP" : "iohDefault", took);
  EXPECT_EQ(reasonsSoFar()[0], "idle timeout");
  EXPECT_GE(took, 450);
  EXPECT_LE(took, 500 + 700 * kSlowdown);
  worker.send("still\r\n");
  EXPECT_EQ(worker.recvLine(1000), "still");
}

TEST_P(Liveness, KeepAliveAndUserTimeoutAreAppliedToAcceptedSockets) {
  server->KeepAlive.Enabled = true;
  server->KeepAlive.Time = 30000;
  server->KeepAlive.Interval = 5000;
  server->UserTimeout = 7000;
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
  // A client that pings every 200 ms with "PING" and gives up 400 ms after an unanswered one.
  static void pingEvery200ms(TIocpTCPClient& c) {
    c.Heartbeat.Enabled = true;
    c.Heartbeat.Interval = 200;
    c.Heartbeat.Timeout = 400;
    c.Heartbeat.Payload = "PING\r\n";
    c.ReadTimeout = 5000;
  }
};
INSTANTIATE_TEST_SUITE_P(Engines, ClientLiveness, ::testing::Values(iohIOCP), engineName);

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
  ASSERT_TRUE(waitUntil([&] { return greeted.load(); }));
  const auto t0 = std::chrono::steady_clock::now();
  c->Disconnect();
  ASSERT_TRUE(waitUntil([&] { return reasonsSoFar().size() == 1; }, 2000));
  const long long took = msFromTo(t0, 0);
  std::printf("[ figures  ] %s: OnDisconnect %lld ms after the client's clean Disconnect\n",
              iocp() ? "iohIOCP" : "iohDefault", took);
  EXPECT_EQ(reasonsSoFar()[0], "peer closed");  // Unread data did not turn it into a reset.
  EXPECT_LE(took, 100 * kSlowdown);
  EXPECT_EQ(lines.snapshot(), std::vector<std::string>{"QUIT"});
}

TEST_P(ClientLiveness, ClientHeartbeatGivesUpOnASilentServer) {
  const auto stop = stopAtEnd();
  server->OnExecute = [](TIocpContext* c) { c->Connection->IOHandler->ReadLn(); };  // Never answers.
  start();
  TIocpTCPClient c;
  pingEvery200ms(c);
  std::atomic<int> pings{0};
  c.OnHeartbeat = [&](TIocpTCPClient*) { ++pings; };
  c.Connect("127.0.0.1", server->Bindings[0].Port);
  const auto t0 = std::chrono::steady_clock::now();
  std::string what;
  try {
    c.IOHandler->ReadLn();
  } catch (const EIdNotConnected& e) {
    what = e.what();
  }
  const long long took = msSince(t0);
  EXPECT_EQ(what, "Not Connected (heartbeat timeout)");
  EXPECT_GE(took, 550);
  EXPECT_LE(took, 600 + 400 * kSlowdown);
  EXPECT_GE(pings.load(), 1);
}

TEST_P(ClientLiveness, ClientHeartbeatKeepsAnAnsweringServer) {
  const auto stop = stopAtEnd();
  echo();  // Echoes the client's pings: that is the server's answer.
  start();
  TIocpTCPClient c;
  pingEvery200ms(c);
  c.Connect("127.0.0.1", server->Bindings[0].Port);
  int echoed = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (msSince(t0) < 1200) echoed += c.IOHandler->ReadLn() == "PING";
  EXPECT_GE(echoed, 4);
  EXPECT_TRUE(c.Connected());
}

}  // namespace
