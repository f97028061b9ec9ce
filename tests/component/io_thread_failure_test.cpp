// An iohIOCP I/O thread whose wait fails for good (fault injection: the next wait of one thread
// fails as if the OS had refused it). What must hold on every backend: the failure is reported
// (OnListenException without a binding, Stats().IOThreadFailures), the connections that only that
// thread served end with "I/O thread failed" and OnDisconnect exactly once, the other threads keep
// serving, and when no thread is left every connection still ends once and Active := False works.
#include <cerrno>
#include <map>
#include <mutex>

#include "fault_injection.h"  // The engine's test hook (internal).
#include "iocp_native/engine.h"  // osErrorText.
#include "server_fixture.h"

using namespace Iocp;
using namespace testing_support;

namespace {

constexpr int kInjectedError = EBADF;  // Any OS code: the engine only reports it.
constexpr int kReplyTimeoutMs = 30000;  // Only a broken server waits this long.

// What happened to each connection, by the id its client announced in its first line.
struct Record {
  std::mutex mu;
  std::map<int, int> disconnects;           // id -> OnDisconnect calls.
  std::map<int, std::string> reasons;       // id -> DisconnectReason() in OnDisconnect.
  std::vector<std::string> engineFailures;  // OnListenException without a binding.
  int listenFailuresWithBinding = 0;
};

struct Id {
  int value;
};

class IoThreadFailure : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    server->OnExecute = [](TIocpContext* c) {
      auto* io = c->Connection->IOHandler;
      const std::string line = io->ReadLn();
      if (line.rfind("id ", 0) == 0) c->Data = std::make_shared<Id>(Id{std::stoi(line.substr(3))});
      io->WriteLn(line);
    };
    server->OnDisconnect = [this](TIocpContext* c) {
      const int id = c->Data ? static_cast<Id*>(c->Data.get())->value : -1;
      std::lock_guard<std::mutex> lock(rec.mu);
      ++rec.disconnects[id];
      rec.reasons[id] = c->DisconnectReason();
    };
    server->OnListenException = [this](TIocpSocketHandle* binding, const std::exception& e) {
      std::lock_guard<std::mutex> lock(rec.mu);
      if (binding == nullptr) rec.engineFailures.push_back(e.what());
      else ++rec.listenFailuresWithBinding;
    };
  }

  // A client that announced itself as `id` and got its echo.
  std::unique_ptr<TIocpTCPClient> announced(int id) {
    auto c = client(kReplyTimeoutMs);
    c->IOHandler->WriteLn("id " + std::to_string(id));
    EXPECT_EQ(c->IOHandler->ReadLn(), "id " + std::to_string(id));
    return c;
  }

  // Make the next wait of some I/O thread fail, and wake one by sending on `pokes` (a connection
  // whose thread is gone cannot wake anything; the others can).
  void failOneThread(std::vector<std::unique_ptr<TIocpTCPClient>>& pokes, uint64_t failuresAfter) {
    iocp_native::fault::failNextIoWait(kInjectedError);
    for (auto& c : pokes) {
      if (server->Stats().IOThreadFailures >= failuresAfter) break;
      try {
        c->IOHandler->WriteLn("poke");
      } catch (const std::exception&) {  // Closed already: its thread failed before.
      }
    }
    ASSERT_TRUE(waitUntil([&] { return server->Stats().IOThreadFailures == failuresAfter; }, kReplyTimeoutMs))
        << server->Stats().IOThreadFailures << " failures";
  }

  enum class Fate { Served, Closed, Neither };
  // Send a line and see whether it comes back or the connection has been closed. Replies to
  // earlier pokes come first and are skipped.
  static Fate fateOf(TIocpTCPClient& c, int id) {
    const std::string line = "after " + std::to_string(id);
    try {
      c.IOHandler->WriteLn(line);
      for (;;) {
        const std::string got = c.IOHandler->ReadLn();
        if (got == line) return Fate::Served;
        if (got != "poke") return Fate::Neither;  // Includes a read timeout ("").
      }
    } catch (const EIdConnClosedGracefully&) {
      return Fate::Closed;
    } catch (const EIdSocketError&) {  // A reset: the server closed with our line unread.
      return Fate::Closed;
    }
  }

  // Every connection that got OnConnect had exactly one OnDisconnect (call after Active = false).
  void expectEachDisconnectedOnce(int n) {
    std::lock_guard<std::mutex> lock(rec.mu);
    for (int id = 0; id < n; ++id) EXPECT_EQ(rec.disconnects[id], 1) << "connection " << id;
    EXPECT_EQ(rec.disconnects.size(), static_cast<std::size_t>(n));
  }

  void everyThreadFails(int workOpThreads);

  Record rec;
};
INSTANTIATE_TEST_SUITE_P(Engines, IoThreadFailure, ::testing::Values(iohIOCP), engineName);

TEST_P(IoThreadFailure, OnlyTheFailedThreadsConnectionsEndAndTheOtherThreadsKeepServing) {
  constexpr int kClients = 16;
  const auto stop = stopAtEnd();
  start();
  // A shared port (epoll, Windows' completion port) serves every connection from every thread;
  // io_uring binds each connection to one thread's ring.
  const bool perThread = server->ActiveBackend() == "io_uring";
  std::vector<std::unique_ptr<TIocpTCPClient>> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(announced(i));
  const std::size_t threadsBefore = server->EngineThreadCount();

  failOneThread(clients, 1);

  int served = 0, closed = 0;
  for (int i = 0; i < kClients; ++i) {
    const Fate f = fateOf(*clients[i], i);
    ASSERT_NE(f, Fate::Neither) << "connection " << i << " was neither served nor closed";
    if (f == Fate::Served) ++served;
    else ++closed;
  }
  std::printf("[ figures  ] %s: after one I/O thread failed, %d connections served, %d closed\n",
              server->ActiveBackend().c_str(), served, closed);
  {
    std::lock_guard<std::mutex> lock(rec.mu);
    ASSERT_EQ(rec.engineFailures.size(), 1u);
    EXPECT_NE(rec.engineFailures[0].find("I/O thread failed"), std::string::npos) << rec.engineFailures[0];
    EXPECT_NE(rec.engineFailures[0].find(iocp_native::osErrorText(kInjectedError)), std::string::npos)
        << rec.engineFailures[0];
    EXPECT_EQ(rec.listenFailuresWithBinding, 0);
    // Closed ones ended for that reason, once; served ones are still open.
    for (int i = 0; i < kClients; ++i) {
      if (rec.disconnects.count(i) == 0) continue;
      EXPECT_EQ(rec.disconnects[i], 1) << "connection " << i;
      EXPECT_EQ(rec.reasons[i], "I/O thread failed") << "connection " << i;
    }
    EXPECT_EQ(rec.disconnects.size(), static_cast<std::size_t>(closed));
  }
  if (perThread) {
    EXPECT_GT(closed, 0) << "the failed ring's connections must end";
    EXPECT_GT(served, 0) << "the other ring must keep serving its connections";
  } else {
    EXPECT_EQ(closed, 0) << "with a shared port the other thread serves every connection";
  }
  EXPECT_EQ(server->Stats().Closed["I/O thread failed"], static_cast<uint64_t>(closed));
  EXPECT_EQ(server->EngineThreadCount(), threadsBefore - 1);

  // New connections go to the threads that are left.
  std::vector<std::unique_ptr<TIocpTCPClient>> later;
  for (int i = kClients; i < 2 * kClients; ++i) later.push_back(announced(i));
  for (int i = 0; i < kClients; ++i) EXPECT_EQ(fateOf(*later[i], kClients + i), Fate::Served);

  server->Active = false;
  expectEachDisconnectedOnce(2 * kClients);
  std::lock_guard<std::mutex> lock(rec.mu);
  EXPECT_EQ(rec.engineFailures.size(), 1u);
}

// With no I/O thread left, the last one stays to end every connection (their handlers still run
// to OnDisconnect) and to run their strands and timers; the server stops accepting and can still
// be stopped.
void IoThreadFailure::everyThreadFails(int workOpThreads) {
  constexpr int kClients = 12;
  server->IOHandlerOptions.IOCP.WorkOpThreads = workOpThreads;
  const auto stop = stopAtEnd();
  start();
  std::vector<std::unique_ptr<TIocpTCPClient>> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(announced(i));
  const int threads = server->IOHandlerOptions.IOCP.IOCPThreads;
  for (int k = 1; k <= threads; ++k) {
    failOneThread(clients, static_cast<uint64_t>(k));
    if (HasFatalFailure()) return;
  }

  for (int i = 0; i < kClients; ++i) EXPECT_EQ(fateOf(*clients[i], i), Fate::Closed) << "connection " << i;
  ASSERT_TRUE(waitUntil([&] { return server->Contexts->Count() == 0; }, kReplyTimeoutMs));
  {
    std::lock_guard<std::mutex> lock(rec.mu);
    for (int i = 0; i < kClients; ++i) {
      EXPECT_EQ(rec.disconnects[i], 1) << "connection " << i;
      EXPECT_EQ(rec.reasons[i], "I/O thread failed") << "connection " << i;
    }
    ASSERT_EQ(rec.engineFailures.size(), static_cast<std::size_t>(threads));
    // The last failure says so (reports of two failures may arrive in either order).
    int lastOnes = 0;
    for (const std::string& m : rec.engineFailures) lastOnes += m.find("no I/O thread is left") != std::string::npos;
    EXPECT_EQ(lastOnes, 1);
  }
  EXPECT_EQ(server->Stats().Closed["I/O thread failed"], static_cast<uint64_t>(kClients));
  // Not accepting any more: a new client is refused, or closed without being served.
  try {
    TIocpTCPClient late;
    testing_support::tlsIfTesting(late);
    late.ReadTimeout = kReplyTimeoutMs;
    late.Connect("127.0.0.1", server->Bindings[0].Port);
    EXPECT_EQ(fateOf(late, kClients), Fate::Closed) << "a connection was served with no I/O thread left";
  } catch (const EIdSocketError&) {  // Refused: the listener is closed.
  }
  // Stopping waits for no handler: none is left.
  const auto t0 = std::chrono::steady_clock::now();
  server->Active = false;
  EXPECT_LT(msSince(t0), server->TerminateWaitTime);
  EXPECT_EQ(server->EngineThreadCount(), 0u);
  std::lock_guard<std::mutex> lock(rec.mu);
  EXPECT_EQ(rec.disconnects.size(), static_cast<std::size_t>(kClients));
}

TEST_P(IoThreadFailure, WhenEveryThreadFailsEveryConnectionEndsOnceAndTheServerStops) { everyThreadFails(0); }

TEST_P(IoThreadFailure, WhenEveryThreadFailsWorkOpThreadsStillEndEveryConnectionOnce) { everyThreadFails(2); }

}  // namespace
