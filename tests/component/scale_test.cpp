// Limits and threading: strict MaxConnections, deactivation under load, no thread per
// connection in iohIOCP, WorkOpThreads pinning and the one-thread-per-connection-at-a-time rule.
#include <atomic>
#include <map>
#include <set>

#include "calibration.h"
#include "iocp_native/buffer.h"
#include "open_sockets.h"  // The library's count of its open sockets (internal).
#include "server_fixture.h"

using namespace Iocp;
using namespace testing_support;

namespace {

class Scale : public ServerTest {};
INSTANTIATE_FOR_BOTH_ENGINES(Scale);

TEST_P(Scale, MaxConnectionsIsStrictUnderConcurrentConnects) {
  constexpr int kLimit = 50, kClients = 300, kThreads = 6;
  server->MaxConnections = kLimit;
  server->MaxConnectionReply = "busy";
  std::atomic<int> peak{0};
  const auto stop = stopAtEnd();
  auto notePeak = [&] {
    const int n = server->Contexts->Count();
    int p = peak.load();
    while (n > p && !peak.compare_exchange_weak(p, n)) {}
  };
  server->OnConnect = [&](TIocpContext*) { notePeak(); };
  echo();
  start();
  std::atomic<bool> sampling{true};
  std::thread sampler([&] { while (sampling) notePeak(); });

  std::atomic<int> admitted{0}, refused{0}, other{0};
  std::mutex mu;
  std::vector<std::unique_ptr<TIocpTCPClient>> keep;  // Every client stays open until all are done.
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kClients / kThreads; ++i) {
        auto c = std::make_unique<TIocpTCPClient>();
        testing_support::tlsIfTesting(*c);
        c->ReadTimeout = kEventuallyMs;
        try {
          c->Connect("127.0.0.1", server->Bindings[0].Port);
          c->IOHandler->WriteLn("hello");
          const std::string reply = c->IOHandler->ReadLn();
          if (reply == "hello") ++admitted;
          else if (reply == "busy") ++refused;
          else ++other;
        } catch (const std::exception&) {
          ++other;  // E.g. a reset because the refusal closed with our "hello" unread.
        }
        std::lock_guard<std::mutex> lock(mu);
        keep.push_back(std::move(c));
      }
    });
  }
  for (auto& t : threads) t.join();
  sampling = false;
  sampler.join();
  EXPECT_EQ(admitted.load(), kLimit);
  EXPECT_EQ(admitted + refused + other, kClients);
  EXPECT_GE(refused.load(), (kClients - kLimit) * 9 / 10) << "refusals should carry the reply line";
  EXPECT_LE(peak.load(), kLimit);
  EXPECT_EQ(server->Contexts->Count(), kLimit);
  keep.clear();
  ASSERT_TRUE(waitUntil([&] { return server->Contexts->Count() == 0; }));
  auto again = client();  // Slots are free again.
  again->IOHandler->WriteLn("again");
  EXPECT_EQ(again->IOHandler->ReadLn(), "again");
}

// "Prompt" is measured against the same work the other way round, in the same test: connecting
// the 500 clients and getting their OnConnects (and, for iohDefault, starting their threads).
// Taking them all down again costs about as much; waiting for anything (a timer, a tick, a
// timeout, the TerminateWaitTime) would not fit in three times that, plus what the machine's
// scheduling made any wait late meanwhile. Every handler finished: none was abandoned.
TEST_P(Scale, DeactivateWith500BlockedReadersIsPromptAndLeavesNothing) {
  constexpr int kClients = 500;
  std::atomic<int> connects{0}, disconnects{0};
  const auto stop = stopAtEnd();
  server->OnConnect = [&](TIocpContext*) { ++connects; };
  server->OnDisconnect = [&](TIocpContext*) { ++disconnects; };
  echo();
  const int threadsBefore = threadBaseline();
  const int fdsBefore = openFdCount();
  const std::size_t socketsBefore = iocp_native::net::openSocketCount();
  const uint16_t port = start();
  LatenessProbe probe;
  const auto setupFrom = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<TIocpTCPClient>> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(client());
  ASSERT_TRUE(waitUntil([&] { return connects.load() == kClients; }));
  const long long setupMs = msSince(setupFrom);

  const auto t0 = std::chrono::steady_clock::now();
  server->Active = false;
  const long long took = msSince(t0);
  probe.stop();
  std::printf("[ figures  ] %s: Active := false with %d blocked readers took %lld ms (connecting them: %lld ms)\n",
              iocp() ? "iohIOCP" : "iohDefault", kClients, took, setupMs);
  EXPECT_LE(took, 3 * setupMs + probe.allowedLatenessMs(0)) << "not prompt; " << probe.describe();
  EXPECT_EQ(disconnects.load(), kClients);
  EXPECT_EQ(server->Contexts->Count(), 0);
  EXPECT_EQ(server->EngineThreadCount(), 0u);
  EXPECT_TRUE(waitUntil([&] { return threadCount() == threadsBefore; }))
      << threadCount() << " threads, " << threadsBefore << " before";
  // Only the clients' own sockets remain: counted by the library everywhere, and by the OS where
  // it can tell (Wine does not count handles).
  EXPECT_EQ(iocp_native::net::openSocketCount(), socketsBefore + kClients);
  if (fdsBefore >= 0) {
    EXPECT_EQ(openFdCount(), fdsBefore + kClients);
  }
  clients.clear();
  EXPECT_EQ(iocp_native::net::openSocketCount(), socketsBefore);
  if (fdsBefore >= 0) {
    EXPECT_EQ(openFdCount(), fdsBefore);
  }

  server->Bindings[0].Port = port;  // Same port again.
  server->Active = true;
  EXPECT_EQ(server->Bindings[0].Port, port);
  auto c = client();
  c->IOHandler->WriteLn("back");
  EXPECT_EQ(c->IOHandler->ReadLn(), "back");
}

// Found by an independent load client: with Indy's backlog of 15, most of a burst of 2,000 clients
// sat in SYN retries for seconds (922 of 2,000 echoed in 3 s with iohDefault, 1,583 with iohIOCP).
// With the default backlog (the system's maximum) no client has to retry, and the burst is served
// about as fast as this machine serves one at all: the yardstick is a bare accept/echo loop on
// plain sockets, with the system's maximum backlog and the engine's model (one thread for iohIOCP,
// a thread per connection for iohDefault), taking the same burst at the same time. A backlog of 15
// fails every check: clients retry (Linux counts the retransmissions), many are still waiting in
// exponential back-off when the deadline comes, and the rest take tens of times longer.
// Default settings: only the address, the engine and the handler are set.
// Under Wine no burst can be made: its client starts a few hundred connects a second (every
// socket call is a request to the single-threaded wineserver, ~1.2-2 ms of its time per
// connection), so even a backlog of 15 keeps up (measured: ListenQueue = 15 served 500 of 500).
// There the test checks that every client is served, once, at a bare loop's pace: 200 do that.
TEST_P(Scale, AConnectBurstOf2000ClientsIsEchoedAboutAsFastAsByABareAcceptLoop) {
  const int kClients = runningUnderWine() ? 200 : 2000;
  // Only a failing run waits this long: a bound on "eventually", not on speed.
  constexpr int kDeadlineMs = 60000;
  // How much slower than the bare loop the server may be; measured at up to 1.9 (natively, under
  // AddressSanitizer and under Wine, quiet or loaded). A backlog of 15 measured 30-370.
  constexpr int kRatio = 4;
  TIocpTCPServer burstServer;
  burstServer.Bindings.Add().IP = "127.0.0.1";
  burstServer.IOHandlerOptions.IOHandlerType = GetParam();
  burstServer.OnExecute = [](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    io->WriteLn(io->ReadLn());
  };
  burstServer.Active = true;
  // Under ThreadSanitizer only the retransmissions and the deadline are checked (the ratio would
  // measure the instrumentation), so the yardstick needs no thread per connection there.
  const bool threadPerConnection = !iocp() && kTimeRatiosAgainstBareCode;
  BareEchoServer reference(threadPerConnection ? BareEchoServer::Model::ThreadPerConnection
                                               : BareEchoServer::Model::OneThread);
  // Both bursts at once: the same machine, the same moment, the same load from elsewhere.
  BurstResult bare, r;
  std::thread yardstick([&] { bare = echoBurst("127.0.0.1", reference.port(), kClients, kDeadlineMs); });
  r = echoBurst("127.0.0.1", burstServer.Bindings[0].Port, kClients, kDeadlineMs);
  yardstick.join();
  std::printf("[ figures  ] %s: connect burst of %d clients, %d connected (the last after %lld ms), %d echoed "
              "(the last after %lld ms), %lld retransmissions; a bare accept loop at the same time: the last "
              "echoed after %lld ms (ratio %.1f), %lld retransmissions\n",
              iocp() ? "iohIOCP" : "iohDefault", kClients, r.connected, r.lastConnectedMs, r.echoed, r.lastEchoedMs,
              r.retransmissions, bare.lastEchoedMs,
              bare.lastEchoedMs > 0 ? double(r.lastEchoedMs) / double(bare.lastEchoedMs) : 0.0, bare.retransmissions);
  ASSERT_EQ(bare.echoed, kClients) << "this machine cannot serve the burst with plain sockets";
  EXPECT_EQ(r.connected, kClients);
  EXPECT_EQ(r.echoed, kClients);
  // Where the OS counts them: a SYN or a handshake dropped by a full backlog must be sent again,
  // however fast or slow the machine. With the system's maximum backlog the bare loop needs none;
  // neither may the server with default settings.
  if (bare.retransmissions == 0) {
    EXPECT_EQ(r.retransmissions, 0) << "clients had to retry: the backlog overflowed";
  }
  if (kTimeRatiosAgainstBareCode) {
    EXPECT_LE(r.lastEchoedMs, kRatio * std::max<long long>(bare.lastEchoedMs, 1));
  }
  burstServer.Active = false;
}

// The contrast that is the point of the product: iohIOCP parks thousands of readers on a fixed
// pool, iohDefault needs a thread each. 5,000 on Linux. Under Wine: 2,000 for iohIOCP and 500
// for iohDefault, whose blocked threads each wake every 250 ms there (select slices: Winsock
// cannot interrupt a blocked select from another thread), and every wake-up is a request to the
// single-threaded wineserver: 500 such threads took 43% of its CPU, 1,000 saturated it (and their
// selects then returned early, 4x the wake-ups), so more would measure Wine's server, not ours.
TEST_P(Scale, ThousandsOfParkedReadersNeedNoThreadEachInIocp) {
  const int kClients = runningUnderWine() ? (iocp() ? 2000 : 500) : 5000;
  std::atomic<int> connects{0};
  const auto stop = stopAtEnd();
  server->OnConnect = [&](TIocpContext*) { ++connects; };
  echo();
  const int threadsBefore = threadBaseline();
  const long rssBefore = residentKiB();
  start();
  std::vector<std::unique_ptr<TIocpTCPClient>> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(client(kEventuallyMs));
    clients.back()->IOHandler->WriteLn("first " + std::to_string(i));
    ASSERT_EQ(clients.back()->IOHandler->ReadLn(), "first " + std::to_string(i));
  }
  ASSERT_TRUE(waitUntil([&] { return connects.load() == kClients; }));
  // Every handler is now parked in ReadLn (with IOCP: on a zero-byte overlapped receive each).
  if (iocp() && readersWaitOnOverlappedReceives()) {
    EXPECT_TRUE(waitUntil([&] { return server->Stats().OSReceivesPending == std::size_t(kClients); }))
        << server->Stats().OSReceivesPending << " receives pending";
  }
  const TIocpServerStats stats = server->Stats();
  const int extra = threadCount() - threadsBefore;
  const long rssPerConnection = (residentKiB() - rssBefore) * 1024 / kClients;
  // Every Buffer of the process: both ends of every connection, all idle now.
  const std::size_t bufferBytes = iocp_native::Buffer::allocatedBytes();
  for (int i = 0; i < kClients; ++i) clients[i]->IOHandler->WriteLn("second " + std::to_string(i));
  for (int i = 0; i < kClients; ++i) ASSERT_EQ(clients[i]->IOHandler->ReadLn(), "second " + std::to_string(i));
  std::printf("[ figures  ] %s: %d parked connections, %d threads added by the server "
              "(IOCPThreads=%d, WorkOpThreads=%d), %ld bytes RSS per connection (server and client side), "
              "%zu bytes held in connection buffers, %zu OS receives pending lending %zu bytes\n",
              iocp() ? "iohIOCP" : "iohDefault", kClients, extra,
              server->IOHandlerOptions.IOCP.IOCPThreads, server->IOHandlerOptions.IOCP.WorkOpThreads,
              rssPerConnection, bufferBytes, stats.OSReceivesPending, stats.OSReceiveBytesPending);
  // No receive buffer per idle connection: less than one byte of buffer per connection overall.
  EXPECT_LT(bufferBytes, std::size_t(kClients));
  EXPECT_EQ(stats.OSReceiveBytesPending, 0u);
  if (iocp()) {
    EXPECT_LE(extra, server->IOHandlerOptions.IOCP.IOCPThreads + server->IOHandlerOptions.IOCP.WorkOpThreads + 2);
  } else {
    EXPECT_GE(extra, kClients);
  }
  clients.clear();
  EXPECT_TRUE(waitUntil([&] { return server->Contexts->Count() == 0; }));
}

// --- Which thread runs a connection's handlers ----------------------------------------------

// Per-connection state for the threading tests; contexts are keyed by serial because a freed
// context's address may be reused by the next one.
struct PerConnection {
  int serial;
  std::atomic<bool> inHandler{false};
  explicit PerConnection(int n) : serial(n) {}
};

struct ThreadRecord {
  std::mutex mu;
  std::atomic<int> created{0};
  std::map<int, std::set<std::thread::id>> perConnection;
  std::set<std::thread::id> all;
  std::atomic<int> overlaps{0};
  void attach(TIocpContext* c) { c->Data = std::make_shared<PerConnection>(++created); }
  static PerConnection& of(TIocpContext* c) { return *static_cast<PerConnection*>(c->Data.get()); }
  void note(TIocpContext* c) {
    std::lock_guard<std::mutex> lock(mu);
    perConnection[of(c).serial].insert(std::this_thread::get_id());
    all.insert(std::this_thread::get_id());
  }
};

// Runs `requests` echo round trips on each of `conns` connections from parallel client threads.
void hammer(uint16_t port, int conns, int requests) {
  std::vector<std::thread> threads;
  for (int i = 0; i < conns; ++i) {
    threads.emplace_back([port, requests, i] {
      TIocpTCPClient c;
      testing_support::tlsIfTesting(c);
      c.ReadTimeout = kEventuallyMs;
      c.Connect("127.0.0.1", port);
      for (int r = 0; r < requests; ++r) {
        const std::string msg = std::to_string(i) + ":" + std::to_string(r);
        c.IOHandler->WriteLn(msg);
        ASSERT_EQ(c.IOHandler->ReadLn(), msg);
      }
    });
  }
  for (auto& t : threads) t.join();
}

// Which thread runs a handler is only a question in iohIOCP: iohDefault gives every connection its
// own thread, so there these guarantees hold trivially.
class CompletionThreads : public ServerTest {};
INSTANTIATE_TEST_SUITE_P(Engines, CompletionThreads, ::testing::Values(iohIOCP), engineName);

TEST_P(CompletionThreads, WorkOpThreadsPinsEachConnectionToOneThread) {
  server->IOHandlerOptions.IOCP.WorkOpThreads = 3;
  ThreadRecord rec;
  const auto stop = stopAtEnd();
  server->OnContextCreated = [&](TIocpContext* c) { rec.attach(c); };
  server->OnConnect = [&](TIocpContext* c) { rec.note(c); };
  server->OnExecute = [&](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    const std::string line = io->ReadLn();  // May park and resume: must come back on the same thread.
    rec.note(c);
    io->WriteLn(line);
  };
  server->OnDisconnect = [&](TIocpContext* c) { rec.note(c); };
  const uint16_t port = start();
  hammer(port, 12, 100);
  ASSERT_TRUE(waitUntil([&] { return server->Contexts->Count() == 0; }));
  std::lock_guard<std::mutex> lock(rec.mu);
  ASSERT_EQ(rec.perConnection.size(), 12u);
  for (auto& entry : rec.perConnection) EXPECT_EQ(entry.second.size(), 1u);
  EXPECT_LE(rec.all.size(), 3u);  // Only the three work threads ever run handlers.
}

TEST_P(CompletionThreads, WorkOpThreadsZeroNeverRunsOneConnectionOnTwoThreadsAtOnce) {
  server->IOHandlerOptions.IOCP.WorkOpThreads = 0;
  ThreadRecord rec;
  const auto stop = stopAtEnd();
  struct Guard {
    explicit Guard(TIocpContext* c, ThreadRecord& r) : flag(ThreadRecord::of(c).inHandler), rec(r) {
      if (flag.exchange(true)) ++rec.overlaps;
    }
    ~Guard() { flag = false; }
    std::atomic<bool>& flag;
    ThreadRecord& rec;
  };
  server->OnContextCreated = [&](TIocpContext* c) { rec.attach(c); };
  server->OnConnect = [&](TIocpContext* c) { Guard g(c, rec); rec.note(c); };
  server->OnExecute = [&](TIocpContext* c) {
    Guard g(c, rec);
    auto* io = c->Connection->IOHandler;
    const std::string line = io->ReadLn();
    rec.note(c);
    io->WriteLn(line);
  };
  server->OnDisconnect = [&](TIocpContext* c) { Guard g(c, rec); };
  const uint16_t port = start();
  hammer(port, 20, 200);
  ASSERT_TRUE(waitUntil([&] { return server->Contexts->Count() == 0; }));
  EXPECT_EQ(rec.overlaps.load(), 0);
  std::lock_guard<std::mutex> lock(rec.mu);
  std::size_t migrated = 0;
  for (auto& entry : rec.perConnection) migrated += entry.second.size() > 1;
  std::printf("[ figures  ] iohIOCP: %zu of %zu connections resumed on more than one pool thread\n",
              migrated, rec.perConnection.size());
}

}  // namespace
