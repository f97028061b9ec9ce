// Server metrics: one snapshot (TIocpTCPServer::Stats) with what operators watch, and the
// backend that serves (ActiveBackend, chosen by IOHandlerOptions.IOCP.Backend).
#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <string>
#include <thread>

#include "backend_names.h"
#include "server_fixture.h"

using namespace Iocp;
using namespace testing_support;

namespace {

class Metrics : public ServerTest {};
INSTANTIATE_FOR_BOTH_ENGINES(Metrics);

TEST_P(Metrics, OneSnapshotCountsConnectionsTrafficAndClosesByReason) {
  server->MaxConnections = 3;
  const auto stop = stopAtEnd();
  server->OnExecute = [](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    const std::string line = io->ReadLn();
    if (line == "bye") return c->Connection->Disconnect();
    if (line == "throw") throw EIdException("handler error");
    io->WriteLn(line);
  };
  start();
  auto a = client(), b = client(), c = client();
  ASSERT_TRUE(waitUntil([&] { return server->Stats().ActiveConnections == 3; }));
  {
    // The fourth: turned away by MaxConnections (over TLS its handshake fails: the refusal
    // closes the connection before any TLS).
    std::unique_ptr<TIocpTCPClient> refused;
    if (tlsTestMode()) EXPECT_THROW(client(), EIdNotConnected);
    else refused = client();
    ASSERT_TRUE(waitUntil([&] { return server->Stats().Refused == 1; }));
  }
  a->IOHandler->WriteLn("hello");  // 7 bytes in, 7 out, twice.
  EXPECT_EQ(a->IOHandler->ReadLn(), "hello");
  a->IOHandler->WriteLn("hello");
  EXPECT_EQ(a->IOHandler->ReadLn(), "hello");
  b->IOHandler->WriteLn("bye");    // 5 bytes in; the handler disconnects.
  c->IOHandler->WriteLn("throw");  // 7 bytes in; the handler raises.
  ASSERT_TRUE(waitUntil([&] { return server->Stats().ActiveConnections == 1; }));
  a->Disconnect();                 // The peer closes.
  ASSERT_TRUE(waitUntil([&] { return server->Stats().ActiveConnections == 0; }));

  const TIocpServerStats s = server->Stats();
  EXPECT_EQ(s.Accepted, 3u);
  EXPECT_EQ(s.Refused, 1u);
  EXPECT_EQ(s.PeakConnections, 3u);
  EXPECT_EQ(s.BytesIn, 7u + 7u + 5u + 7u);
  EXPECT_EQ(s.BytesOut, 14u);
  EXPECT_EQ(s.Writes, 2u);
  EXPECT_GE(s.Reads, 4u);  // At least one receive per line.
  const std::map<std::string, uint64_t> expected = {
      {"peer closed", 1}, {"local disconnect", 1}, {"handler error", 1}};
  EXPECT_EQ(s.Closed, expected);

  // Cheap enough to poll every second, or far more often: a snapshot costs a small fraction of the
  // cheapest thing a server does, one echo round trip on loopback, measured here on the same
  // server in the same build (a sanitizer or Wine slows both). The two are measured in turns, and
  // each one's fastest turn counts: a busy machine only ever makes a turn slower, so the minima
  // compare the costs and not the moments they were taken in. A third of a round trip leaves
  // room for AddressSanitizer, where a snapshot's allocations cost most (about a seventh of a
  // round trip there; a hundredth and less in a plain build).
  auto d = client();
  constexpr int kTurns = 7, kRoundTrips = 40, kSnapshots = 4000;
  long long roundTripNs = LLONG_MAX, snapshotNs = LLONG_MAX;
  uint64_t sink = 0;
  for (int turn = 0; turn < kTurns; ++turn) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kRoundTrips; ++i) {
      d->IOHandler->WriteLn("ping");
      ASSERT_EQ(d->IOHandler->ReadLn(), "ping");
    }
    roundTripNs = std::min<long long>(roundTripNs, std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                       std::chrono::steady_clock::now() - t0).count() / kRoundTrips);
    t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kSnapshots; ++i) sink += server->Stats().Accepted;
    snapshotNs = std::min<long long>(snapshotNs, std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                     std::chrono::steady_clock::now() - t0).count() / kSnapshots);
  }
  std::printf("[ figures  ] %s: Stats() snapshot takes %lld ns, an echo round trip %lld ns (fastest of %d turns)\n",
              iocp() ? "iohIOCP" : "iohDefault", snapshotNs, roundTripNs, kTurns);
  EXPECT_EQ(sink, uint64_t(4) * kSnapshots * kTurns);
  EXPECT_LT(snapshotNs * 3, roundTripNs) << "a snapshot must cost well under one round trip";
}

TEST_P(Metrics, ActiveBackendNamesWhatServesWhileActiveAndIsEmptyWhileInactive) {
  const auto stop = stopAtEnd();
  echo();
  EXPECT_EQ(server->ActiveBackend(), "");
  start();
  const std::string active = server->ActiveBackend();
  if (iocp()) {
    EXPECT_TRUE(namesTheCompletionBackend(active, false)) << active;
  } else {
    EXPECT_EQ(active, "threads");
  }
  std::string seenElsewhere;
  std::thread([&] { seenElsewhere = server->ActiveBackend(); }).join();
  EXPECT_EQ(seenElsewhere, active);
  // Like every IOCP option, Backend takes effect at the next activation.
  server->IOHandlerOptions.IOCP.Backend = ibIoUring;
  EXPECT_EQ(server->ActiveBackend(), active);
  server->Active = false;
  EXPECT_EQ(server->ActiveBackend(), "");
}

TEST_P(Metrics, BackendIoUringServesAnEchoOnIoUringOrOnEpollSayingWhy) {
  server->IOHandlerOptions.IOCP.Backend = ibIoUring;
  const auto stop = stopAtEnd();
  echo();
  start();
  const std::string active = server->ActiveBackend();
  std::printf("[ figures  ] %s with Backend = ibIoUring: served by %s\n", iocp() ? "iohIOCP" : "iohDefault",
              active.c_str());
  if (iocp()) {
    EXPECT_TRUE(namesTheCompletionBackend(active, true)) << active;
  } else {
    EXPECT_EQ(active, "threads");  // The option is the completion engine's.
  }
  auto c = client();
  for (const char* line : {"first", "second on the same connection"}) {
    c->IOHandler->WriteLn(line);
    EXPECT_EQ(c->IOHandler->ReadLn(), line);
  }
  auto other = client();
  other->IOHandler->WriteLn("another connection");
  EXPECT_EQ(other->IOHandler->ReadLn(), "another connection");
}

}  // namespace
