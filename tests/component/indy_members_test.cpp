// Indy members beyond ReadLn/WriteLn that existing handlers use: ReadChar, ReadLnWait,
// CheckForDisconnect, Disconnect(ANotifyPeer), and the client's OnConnected / OnDisconnected.
#include <atomic>
#include <string>

#include "server_fixture.h"

using namespace Iocp;
using namespace testing_support;

namespace {

class IndyMembers : public ServerTest {};
INSTANTIATE_FOR_BOTH_ENGINES(IndyMembers);

TEST_P(IndyMembers, ReadCharReadsOneByteAtATime) {
  server->OnExecute = [](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    const char a = io->ReadChar();
    const char b = io->ReadChar();
    io->WriteLn(std::string("[") + a + "][" + b + "] left=" + std::to_string(io->InputBuffer()->Size()));
    io->ReadLn();
  };
  const uint16_t port = start();
  RawSocket s("127.0.0.1", port);
  s.send("xy");
  EXPECT_EQ(s.recvLine(5000), "[x][y] left=0");
}

TEST_P(IndyMembers, ReadLnWaitSkipsBlankLinesAndTrims) {
  server->OnExecute = [](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    io->WriteLn("<" + io->ReadLnWait() + ">");
  };
  const uint16_t port = start();
  RawSocket s("127.0.0.1", port);
  s.send("\r\n   \r\n\t\r\n  hello world \r\n");
  EXPECT_EQ(s.recvLine(5000), "<hello world>");
}

TEST_P(IndyMembers, ReadLnWaitGivesUpAfterAFailCountOfEmptyLines) {
  EventLog log;
  const auto stop = stopAtEnd();
  server->OnExecute = [&](TIocpContext* c) { log.add(c->Connection->IOHandler->ReadLnWait(3)); };
  server->OnException = [&](TIocpContext*, const std::exception& e) {
    log.add(dynamic_cast<const EIdReadLnWaitMaxAttemptsExceeded*>(&e) ? "max attempts" : e.what());
  };
  const uint16_t port = start();
  RawSocket s("127.0.0.1", port);
  s.send("\r\n\r\n\r\nnot reached\r\n");
  ASSERT_TRUE(waitUntil([&] { return log.snapshot().size() == 1; }));
  EXPECT_EQ(log.snapshot()[0], "max attempts");
}

TEST_P(IndyMembers, ReadLnWaitRaisesReadTimeoutWhenNoLineComes) {
  server->OnExecute = [](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    io->ReadTimeout = 100;
    bool timedOut = false;
    try {
      io->ReadLnWait();
    } catch (const EIdReadTimeout&) {
      timedOut = true;
    }
    io->WriteLn(timedOut ? "read timeout" : "no timeout");
  };
  const uint16_t port = start();
  RawSocket s("127.0.0.1", port);
  EXPECT_EQ(s.recvLine(5000), "read timeout");
}

// As Indy: the peer's close (seen by a read) raises only once nothing is left to read, unless
// AIgnoreBuffer; without the peer closing nothing happens.
TEST_P(IndyMembers, CheckForDisconnectRaisesOnceThePeersCloseIsSeenAndTheInputIsRead) {
  EventLog log;
  std::atomic<bool> peerClosed{false};
  const auto stop = stopAtEnd();
  server->OnExecute = [&](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    io->CheckForDisconnect();  // Open: nothing happens.
    log.add("open: ok");
    waitUntil([&] { return peerClosed.load(); });
    io->CheckForDataOnSource(1000);  // Reads "tail".
    io->CheckForDataOnSource(1000);  // Sees the FIN (Indy's ClosedGracefully); returns at once.
    try {
      io->CheckForDisconnect(true, false);  // "tail" is still buffered: no exception.
      log.add("buffered: ok");
    } catch (const EIdConnClosedGracefully&) {
      log.add("buffered: raised");
    }
    bool ignored = false;
    try {
      io->CheckForDisconnect(true, true);  // AIgnoreBuffer: raises.
    } catch (const EIdConnClosedGracefully&) {
      ignored = true;
    }
    log.add(std::string("ignore buffer: ") + (ignored ? "raised" : "ok"));
    log.add("left " + io->InputBuffer()->ExtractToString());
    bool raised = false;
    try {
      io->CheckForDisconnect();  // Nothing left to read: raises.
    } catch (const EIdConnClosedGracefully&) {
      raised = true;
    }
    log.add(std::string("empty: ") + (raised ? "raised" : "ok"));
    c->Connection->Disconnect();
  };
  std::string reason;
  std::mutex mu;
  server->OnDisconnect = [&](TIocpContext* c) {
    std::lock_guard<std::mutex> lock(mu);
    reason = c->DisconnectReason();
  };
  const uint16_t port = start();
  {
    RawSocket s("127.0.0.1", port);
    s.send("tail");
    s.close();
    peerClosed = true;
  }
  ASSERT_TRUE(waitUntil([&] { return log.snapshot().size() == 5; }));
  const std::vector<std::string> expected = {"open: ok", "buffered: ok", "ignore buffer: raised",
                                             "left tail", "empty: raised"};
  EXPECT_EQ(log.snapshot(), expected);
  ASSERT_TRUE(waitUntil([&] { std::lock_guard<std::mutex> l(mu); return !reason.empty(); }));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(reason, "peer closed");
}

// Disconnect(true), Indy's default: what the handler wrote still reaches the peer before the FIN.
// Disconnect(false): what is still queued is dropped and the connection closes at once. Only
// iohIOCP queues (up to MaxPendingOutput, raised here so the whole write is queued while the peer
// does not read); iohDefault's write returns once the peer has taken every byte, so there both
// calls deliver everything.
TEST_P(IndyMembers, DisconnectNotifyPeerSendsQueuedOutputAndFalseDropsIt) {
  const std::string big(16 * 1024 * 1024, 'q');  // Far more than the socket buffers take.
  server->IOHandlerOptions.IOCP.MaxPendingOutput = 32 * 1024 * 1024;
  std::atomic<int> disconnected{0};
  const auto stop = stopAtEnd();
  server->OnExecute = [&](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    const std::string how = io->ReadLn();
    io->Write(big);
    c->Connection->Disconnect(how == "notify");
    ++disconnected;
  };
  const uint16_t port = start();
  for (const std::string how : {"notify", "drop"}) {
    RawSocket s("127.0.0.1", port, 64 * 1024);
    s.send(how + "\r\n");
    const int before = disconnected.load();
    if (iocp()) {  // Not reading until the handler has disconnected (its write was queued).
      ASSERT_TRUE(waitUntil([&] { return disconnected.load() == before + 1; }));
    }
    std::size_t got = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::string chunk; msSince(t0) < 10000;) {
      chunk = s.recvSome(2000);
      if (chunk.empty()) break;  // EOF (or nothing for 2 s).
      got += chunk.size();
    }
    std::printf("[ figures  ] %s: Disconnect(%s): %zu of %zu bytes arrived\n", iocp() ? "iohIOCP" : "iohDefault",
                how == "notify" ? "true" : "false", got, big.size());
    if (how == "notify" || !iocp()) {
      EXPECT_EQ(got, big.size()) << how;
    } else {
      EXPECT_LT(got, big.size() / 2) << how;  // The kernel's buffers held the rest, at most.
    }
  }
}

TEST_P(IndyMembers, ClientFiresOnConnectedAndOnDisconnected) {
  echo();
  start();
  EventLog log;
  TIocpTCPClient c;
  c.OnConnected = [&](TIocpTCPClient* sender) { log.add(sender == &c ? "connected" : "wrong sender"); };
  c.OnDisconnected = [&](TIocpTCPClient* sender) { log.add(sender == &c ? "disconnected" : "wrong sender"); };
  c.ReadTimeout = 5000;
  c.Connect("127.0.0.1", server->Bindings[0].Port);
  c.IOHandler->WriteLn("x");
  EXPECT_EQ(c.IOHandler->ReadLn(), "x");
  c.Disconnect();
  c.Disconnect();  // Not connected: no second event.
  c.Connect();
  c.Disconnect(false);
  const std::vector<std::string> expected = {"connected", "disconnected", "connected", "disconnected"};
  EXPECT_EQ(log.snapshot(), expected);
}

}  // namespace

namespace {

class IndyMembersMore : public ServerTest {};
INSTANTIATE_FOR_BOTH_ENGINES(IndyMembersMore);

// As Indy's Connect: an exception in OnConnected closes the new connection and is re-raised.
TEST_P(IndyMembersMore, AnExceptionInOnConnectedClosesTheConnectionAgain) {
  echo();
  start();
  TIocpTCPClient c;
  c.OnConnected = [](TIocpTCPClient*) { throw EIdException("refused by OnConnected"); };
  EXPECT_THROW(c.Connect("127.0.0.1", server->Bindings[0].Port), EIdException);
  EXPECT_FALSE(c.Connected());
  EXPECT_THROW(c.IOHandler->WriteLn("x"), EIdNotConnected);
}

// A connection still flushing after Disconnect(true) to a peer that does not read stops at once
// when Disconnect(false) follows, instead of waiting out the close-flush timeout (2 s from the
// handler's end). Only iohIOCP queues output that a close then flushes (iohDefault's Write blocks
// until the OS took the bytes), so the suite runs for that engine alone.
class IocpFlush : public ServerTest {};
INSTANTIATE_TEST_SUITE_P(Engines, IocpFlush, ::testing::Values(Iocp::iohIOCP), testing_support::engineName);

TEST_P(IocpFlush, DisconnectWithoutNotifyStopsAFlushAlreadyUnderWay) {
  constexpr long long kCloseFlushTimeoutMs = 2000;  // The engine's default (EngineOptions).
  server->IOHandlerOptions.IOCP.MaxPendingOutput = 32 * 1024 * 1024;
  std::atomic<TIocpContext*> ctx{nullptr};
  std::atomic<bool> disconnected{false};
  std::atomic<long long> flushFrom{0}, disconnectAt{0};
  const auto t0 = std::chrono::steady_clock::now();
  const auto stop = stopAtEnd();
  server->OnExecute = [&](TIocpContext* c) {
    c->Connection->IOHandler->ReadLn();
    c->Connection->IOHandler->Write(std::string(16 * 1024 * 1024, 'f'));  // Queued: nobody reads.
    // The flush's deadline is set once the handler has ended, so no earlier than this.
    flushFrom = msSince(t0);
    ctx = c;
    c->Connection->Disconnect(true);  // The handler ends; close() flushes, up to 2 s.
  };
  server->OnDisconnect = [&](TIocpContext*) {
    disconnectAt = msSince(t0);
    disconnected = true;
  };
  const uint16_t port = start();
  RawSocket s("127.0.0.1", port, 64 * 1024);
  s.send("go\r\n");
  ASSERT_TRUE(waitUntil([&] { return ctx.load() != nullptr; }));
  // The flush has begun once the first of its bytes reached the peer.
  ASSERT_TRUE(waitUntil([&] { return s.bytesAvailable() > 0; }));
  const long long dropAt = msSince(t0);
  {
    auto& list = server->Contexts->LockList();  // Still listed until its OnDisconnect has run.
    for (TIocpContext* c : list) c->Connection->Disconnect(false);
    server->Contexts->UnlockList();
  }
  ASSERT_TRUE(waitUntil([&] { return disconnected.load(); }));
  std::printf("[ figures  ] iohIOCP: OnDisconnect %lld ms after Disconnect(false) interrupted a flush "
              "(%lld ms after the flush began)\n",
              disconnectAt.load() - dropAt, disconnectAt.load() - flushFrom.load());
  // Exact, at any speed: a flush left to run out ends no earlier than its deadline.
  EXPECT_LT(disconnectAt.load(), flushFrom.load() + kCloseFlushTimeoutMs)
      << "the flush ran until its deadline: Disconnect(false) did not stop it";
}

}  // namespace
