// Indy's execute loop: after each OnExecute, what is pending moves into the InputBuffer (Indy's
// Connected() does a zero-timeout read), so handlers that poll InputBufferIsEmpty work, in both
// engines. With iohIOCP a polling handler must not hold its completion thread: an OnExecute that
// did nothing waits for input or a short time, and IndySleep parks the fiber.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>

#include "server_fixture.h"
#include "wait_until.h"

using namespace Iocp;
using namespace testing_support;

namespace {

class ExecuteLoop : public ServerTest {
 protected:
  // One I/O thread and no work threads: a handler that held its thread would stop every other.
  void oneThread() {
    server->IOHandlerOptions.IOCP.IOCPThreads = 1;
    server->IOHandlerOptions.IOCP.WorkOpThreads = 0;
  }
  // Everything up to and including the first LF, or what came before the end or kEventuallyMs.
  static std::string line(RawSocket& s) {
    std::string got;
    while (got.find('\n') == std::string::npos && s.receive(kEventuallyMs, got) == RawSocket::Received::Bytes) {
    }
    return got;
  }
};
INSTANTIATE_FOR_BOTH_ENGINES(ExecuteLoop);

// The idiom of public Indy servers: look at the InputBuffer, never read the socket, sleep.
TEST_P(ExecuteLoop, AHandlerThatPollsTheInputBufferSeesWhatArrived) {
  server->OnExecute = [](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    if (!io->InputBufferIsEmpty()) io->Write(io->InputBuffer()->ExtractToString());
    IndySleep(5);
  };
  const uint16_t port = start();
  RawSocket s("127.0.0.1", port);
  s.send("ping\n");
  EXPECT_EQ(line(s), "ping\n");
  s.send("again\n");
  EXPECT_EQ(line(s), "again\n");
}

// The same without a sleep: in iohIOCP on one thread, the poller must leave the thread to the
// other connection, whose echo must come.
TEST_P(ExecuteLoop, APollingHandlerWithoutASleepLeavesItsThreadToOthers) {
  oneThread();
  std::atomic<int> polls{0};
  std::atomic<TIocpContext*> poller{nullptr};  // The first connection polls; the other echoes.
  const auto stop = stopAtEnd();
  server->OnConnect = [&](TIocpContext* c) {
    TIocpContext* none = nullptr;
    poller.compare_exchange_strong(none, c);
  };
  server->OnExecute = [&](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    if (c == poller.load()) {
      ++polls;
      if (!io->InputBufferIsEmpty()) io->Write(io->InputBuffer()->ExtractToString());
      return;
    }
    io->WriteLn(io->ReadLn());
  };
  const uint16_t port = start();
  RawSocket a("127.0.0.1", port);
  ASSERT_TRUE(waitUntil([&] { return polls.load() > 10; }));  // The poller polls, alone.
  RawSocket b("127.0.0.1", port);
  b.send("to b\n");
  EXPECT_EQ(line(b), "to b\r\n");
  a.send("to a\n");
  EXPECT_EQ(line(a), "to a\n");  // The poller writes what it extracted, as it came.
}

// A handler that writes on its own clock and never reads keeps writing: an idle OnExecute waits
// only a short time, not for input.
TEST_P(ExecuteLoop, AHandlerThatWritesOnATimerWithoutReadingKeepsWriting) {
  oneThread();
  auto next = std::chrono::steady_clock::now();  // One connection: its handler's own clock.
  int n = 0;
  const auto stop = stopAtEnd();
  server->OnExecute = [&](TIocpContext* c) {
    if (std::chrono::steady_clock::now() < next) return;  // Nothing to do yet: no sleep either.
    next = std::chrono::steady_clock::now() + std::chrono::milliseconds(10);
    c->Connection->IOHandler->WriteLn("tick " + std::to_string(n++));
  };
  const uint16_t port = start();
  RawSocket s("127.0.0.1", port);
  std::string got;
  while (std::count(got.begin(), got.end(), '\n') < 5 && s.receive(kEventuallyMs, got) == RawSocket::Received::Bytes) {
  }
  EXPECT_GE(std::count(got.begin(), got.end(), '\n'), 5) << got;
}

// CheckForDataOnSource(0) is a zero-timeout read: it takes what is pending.
TEST_P(ExecuteLoop, CheckForDataOnSourceWithAZeroTimeoutReadsWhatIsPending) {
  server->OnExecute = [](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    while (!io->CheckForDataOnSource(0)) {
      if (!io->Connected()) return;  // The server stops: CheckForDataOnSource never raises.
      IndySleep(1);
    }
    io->Write(io->InputBuffer()->ExtractToString());
  };
  const uint16_t port = start();
  RawSocket s("127.0.0.1", port);
  s.send("zero\n");
  EXPECT_EQ(line(s), "zero\n");
}

// iohIOCP only: there handlers share threads (iohDefault's IndySleep is its thread's, as Indy's).
class IocpExecuteLoop : public ExecuteLoop {};
INSTANTIATE_TEST_SUITE_P(Engines, IocpExecuteLoop, ::testing::Values(Iocp::iohIOCP), testing_support::engineName);

// IndySleep in an iohIOCP handler parks the fiber: on the only thread, another connection is
// served while the sleeper sleeps; stopping the server ends the sleep.
TEST_P(IocpExecuteLoop, IndySleepLeavesTheThreadToOtherConnections) {
  oneThread();
  std::atomic<bool> sleeping{false}, awake{false};
  const auto stop = stopAtEnd();
  server->OnExecute = [&](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    const std::string cmd = io->ReadLn();
    if (cmd == "sleep") {
      sleeping = true;
      IndySleep(10 * 60 * 1000);
      awake = true;
    } else {
      io->WriteLn(cmd);
    }
  };
  const uint16_t port = start();
  RawSocket a("127.0.0.1", port), b("127.0.0.1", port);
  a.send("sleep\n");
  ASSERT_TRUE(waitUntil([&] { return sleeping.load(); }));
  b.send("echo\n");
  EXPECT_EQ(line(b), "echo\r\n");
  EXPECT_FALSE(awake.load());
}

}  // namespace
