// Indy members beyond ReadLn/WriteLn that existing handlers use: ReadChar, ReadLnWait,
// CheckForDisconnect, Disconnect(ANotifyPeer), 64-bit integers on the wire, and the client's
// OnConnected / OnDisconnected.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <vector>

#if defined(_WIN32)
#include <winsock2.h>
#else
#include <sys/socket.h>
#endif

#include "IocpHost.h"
#include "iocp_native/engine.h"
#include "server_fixture.h"

using namespace Iocp;
using namespace testing_support;

namespace {

// How long a closing connection may take to send what is queued (the engine's setting; the
// component leaves it at the engine's default).
const int kCloseFlushTimeoutMs = iocp_native::EngineOptions{}.closeFlushTimeoutMs;

using Saw = RawSocket::Received;

// Exactly `n` bytes, or what came before the end or a pause of timeoutMs.
std::string receiveExactly(RawSocket& peer, std::size_t n, int timeoutMs) {
  std::string got;
  while (got.size() < n && peer.receive(timeoutMs, got) == Saw::Bytes) {
  }
  return got;
}

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
// calls deliver everything. Either way the peer then sees the connection end (not a pause).
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
    RawSocket peer("127.0.0.1", port, 64 * 1024);
    peer.send(how + "\r\n");
    const int before = disconnected.load();
    if (iocp()) {  // Not reading until the handler has disconnected (its write was queued).
      ASSERT_TRUE(waitUntil([&] { return disconnected.load() == before + 1; }));
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto lastBytes = t0;
    std::size_t total = 0;
    std::string chunk;
    Saw saw;
    while ((saw = peer.receive(5000, chunk)) == Saw::Bytes) {
      total += chunk.size();
      chunk.clear();
      lastBytes = std::chrono::steady_clock::now();
    }
    // From the last bytes to the end: the FIN queued right behind what the kernel held, or held
    // back until some timeout.
    const long long gapMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - lastBytes).count();
    std::printf("[ figures  ] %s: Disconnect(%s): %zu of %zu bytes arrived in %lld ms, then %s %lld ms after the last\n",
                iocp() ? "iohIOCP" : "iohDefault", how == "notify" ? "true" : "false", total, big.size(), msSince(t0),
                saw == Saw::End ? "the close" : "nothing", gapMs);
    EXPECT_EQ(saw, Saw::End) << how << ": the peer waited 5 s and saw neither bytes nor the close";
    if (how == "notify" || !iocp()) {
      EXPECT_EQ(total, big.size()) << how;
    } else {
      EXPECT_LT(total, big.size() / 2) << how;  // The kernel's buffers held the rest, at most.
      // At once: what the kernel held, then the end at once, not after the close-flush timeout
      // (the peer reads all the time, so waiting for anything would show as a gap here).
      EXPECT_LT(gapMs, kCloseFlushTimeoutMs / 2) << how;
    }
  }
}

// The host's own byte order: how a value sits in memory (Indy's ToBytes copies it as it is).
std::string hostBytes(uint64_t v) {
  std::string b(8, '\0');
  std::memcpy(&b[0], &v, 8);
  return b;
}

std::string hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// 64-bit integers on the wire, against bytes written out by hand and read by a raw socket (both
// ends through our own code would agree on any byte order). As Indy's TIdIOHandler: Write(Int64 /
// UInt64, AConvert = True) sends GStack.HostToNetwork of the value, ReadInt64/ReadUInt64(True)
// apply NetworkToHost (IdIOHandler.pas); the 64-bit HostToNetwork of Indy's stacks swaps the two
// halves and htonl()s each (IdStackLinux.pas, IdStackWindows.pas): network order, most significant
// byte first. AConvert = False sends and reads the host's own order (ToBytes / BytesToInt64 copy
// the value's memory, IdGlobal.pas).
TEST_P(IndyMembers, SixtyFourBitIntegersAreInNetworkOrderOnTheWireAndHostOrderWithoutConvert) {
  constexpr uint64_t kValue = 0x0102030405060708ull;
  constexpr uint64_t kHigh = 0xF0E0D0C0B0A09080ull;
  const std::string network(std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  const std::string highNetwork(std::string("\xF0\xE0\xD0\xC0\xB0\xA0\x90\x80", 8));
  const std::string minusTwo(std::string("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFE", 8));
  const auto stop = stopAtEnd();
  server->OnExecute = [&](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    io->ReadLn();
    io->Write(static_cast<int64_t>(kValue));         // AConvert defaults to true, as Indy's.
    io->Write(static_cast<int64_t>(kValue), false);
    io->Write(int64_t{-2}, true);
    io->Write(kHigh, true);
    io->Write(kHigh, false);
    const int64_t a = io->ReadInt64();                // Default: network order.
    const int64_t b = io->ReadInt64(false);
    const int64_t d = io->ReadInt64(true);
    const uint64_t e = io->ReadUInt64(true);
    const uint64_t f = io->ReadUInt64(false);
    io->WriteLn(hex(static_cast<uint64_t>(a)) + " " + hex(static_cast<uint64_t>(b)) + " " + std::to_string(d) + " " +
                hex(e) + " " + hex(f));
    io->ReadLn();
  };
  const uint16_t port = start();
  RawSocket peer("127.0.0.1", port);
  peer.send("go\r\n");
  const std::string wire = receiveExactly(peer, 40, 5000);
  ASSERT_EQ(wire.size(), 40u);
  EXPECT_EQ(wire.substr(0, 8), network) << "Write(Int64)";
  EXPECT_EQ(wire.substr(8, 8), hostBytes(kValue)) << "Write(Int64, False)";
  EXPECT_EQ(wire.substr(16, 8), minusTwo) << "Write(Int64(-2), True)";
  EXPECT_EQ(wire.substr(24, 8), highNetwork) << "Write(UInt64, True)";
  EXPECT_EQ(wire.substr(32, 8), hostBytes(kHigh)) << "Write(UInt64, False)";
  peer.send(network + hostBytes(kValue) + minusTwo + highNetwork + hostBytes(kHigh));
  std::string line;
  while (line.find("\r\n") == std::string::npos && peer.receive(5000, line) == Saw::Bytes) {
  }
  EXPECT_EQ(line, hex(kValue) + " " + hex(kValue) + " -2 " + hex(kHigh) + " " + hex(kHigh) + "\r\n");
}

TEST_P(IndyMembers, ClientFiresOnConnectedAndOnDisconnected) {
  echo();
  start();
  EventLog log;
  TIocpTCPClient c;
  testing_support::tlsIfTesting(c);
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
  testing_support::tlsIfTesting(c);
  c.OnConnected = [](TIocpTCPClient*) { throw EIdException("refused by OnConnected"); };
  EXPECT_THROW(c.Connect("127.0.0.1", server->Bindings[0].Port), EIdException);
  EXPECT_FALSE(c.Connected());
  EXPECT_THROW(c.IOHandler->WriteLn("x"), EIdNotConnected);
}

// Seeing a fiber park, through the host hook: the handler names its fiber's block (the block of
// the fiber its thread runs), and the hook notes when that fiber next leaves its thread.
std::atomic<void*> gWatchedFiber{nullptr};
std::atomic<long long> gWatchedLeftAt{-1};  // steady_clock ticks of that leave.
thread_local void* tRunningFiber = nullptr;
void watchingHook(void* state, bool entering) {
  if (entering) {
    tRunningFiber = state;
    return;
  }
  tRunningFiber = nullptr;
  if (state == gWatchedFiber.load() && gWatchedLeftAt.load() < 0)
    gWatchedLeftAt = std::chrono::steady_clock::now().time_since_epoch().count();
}
[[gnu::noinline]] void* runningFiber() { return tRunningFiber; }  // Read anew on every call.

// A connection still flushing after Disconnect(true) to a peer that does not read stops at once
// when Disconnect(false) follows, instead of waiting out the close-flush timeout. Only iohIOCP
// queues output that a close then flushes (iohDefault's Write returns once the OS took the
// bytes), so this suite runs for that engine alone.
class IocpFlush : public ServerTest {};
INSTANTIATE_TEST_SUITE_P(Engines, IocpFlush, ::testing::Values(Iocp::iohIOCP), testing_support::engineName);

TEST_P(IocpFlush, DisconnectWithoutNotifyStopsAFlushAlreadyUnderWay) {
  server->IOHandlerOptions.IOCP.MaxPendingOutput = 32 * 1024 * 1024;
  gWatchedFiber = nullptr;
  gWatchedLeftAt = -1;
  SetFiberSwitchHook(watchingHook);
  struct Unhook {
    ~Unhook() { SetFiberSwitchHook(nullptr); }
  } unhook;
  std::atomic<bool> handlerDone{false}, disconnected{false};
  std::atomic<long long> disconnectedAt{0};
  const auto stop = stopAtEnd();
  server->OnExecute = [&](TIocpContext* c) {
    c->Connection->IOHandler->ReadLn();
    c->Connection->IOHandler->Write(std::string(16 * 1024 * 1024, 'f'));  // Queued: nobody reads.
    c->Connection->Disconnect(true);  // The handler ends; the close flushes, up to its timeout.
    gWatchedFiber = runningFiber();
    handlerDone = true;
  };
  server->OnDisconnect = [&](TIocpContext*) {
    disconnectedAt = std::chrono::steady_clock::now().time_since_epoch().count();
    disconnected = true;
  };
  const uint16_t port = start();
  RawSocket s("127.0.0.1", port, 64 * 1024);
  s.send("go\r\n");
  ASSERT_TRUE(waitUntil([&] { return handlerDone.load(); }));
  ASSERT_NE(gWatchedFiber.load(), nullptr) << "the handler runs on no fiber the hook saw";
  // The handler's fiber has left its thread without finishing: it waits in the flush.
  ASSERT_TRUE(waitUntil([&] { return gWatchedLeftAt.load() >= 0; }));
  ASSERT_FALSE(disconnected.load()) << "the close did not wait to flush (the peer reads nothing)";
  {
    auto& list = server->Contexts->LockList();  // Still listed until its OnDisconnect has run.
    for (TIocpContext* c : list) c->Connection->Disconnect(false);
    server->Contexts->UnlockList();
  }
  ASSERT_TRUE(waitUntil([&] { return disconnected.load(); }, 2 * kCloseFlushTimeoutMs));
  using Ticks = std::chrono::steady_clock::duration;
  const long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           Ticks(disconnectedAt.load()) - Ticks(gWatchedLeftAt.load())).count();
  std::printf("[ figures  ] iohIOCP: OnDisconnect %lld ms after the flush began (close-flush timeout %d ms)\n", ms,
              kCloseFlushTimeoutMs);
  // Left alone, the flush would end at its timeout after it began; interrupted, far sooner.
  EXPECT_LT(ms, kCloseFlushTimeoutMs / 2);
}

}  // namespace

namespace {

// As Indy's TIdIOHandlerStack.Connected: from the handler, with nothing buffered, it reads what the
// socket has first, so a loop "while Connected do Sleep" ends when the peer closes, without a read.
TEST_P(IndyMembers, ConnectedSeesAPeersCloseWithoutARead) {
  EventLog log;
  const auto stop = stopAtEnd();
  server->OnExecute = [&](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    log.add("got " + io->ReadLn());
    int polls = 0;
    while (c->Connection->Connected() && polls < 6000) {  // At most 30 s: a bound, not a timing.
      IndySleep(5);
      ++polls;
    }
    log.add(c->Connection->Connected() ? "still connected" : "saw close");
    c->Connection->Disconnect();
  };
  const uint16_t port = start();
  {
    RawSocket s("127.0.0.1", port);
    s.send("wait\r\n");
  }  // Closed: the handler polls Connected.
  ASSERT_TRUE(waitUntil([&] { return log.snapshot().size() == 2; }, 40000));
  EXPECT_EQ(log.snapshot(), (std::vector<std::string>{"got wait", "saw close"}));
}

// As Indy, whose server closes each connection's socket as it stops: a handler blocked in a read
// gets EIdConnClosedGracefully (the exception Indy handlers already expect), not EIdNotConnected.
TEST_P(IndyMembers, AReadCutByTheServersStopRaisesConnClosedGracefully) {
  EventLog log;
  std::atomic<bool> reading{false};
  server->OnExecute = [&](TIocpContext* c) {
    reading = true;
    try {
      c->Connection->IOHandler->ReadLn();
      log.add("returned");
    } catch (const EIdConnClosedGracefully&) {
      log.add("closed gracefully");
      throw;
    } catch (const std::exception& e) {
      log.add(std::string("other: ") + e.what());
      throw;
    }
  };
  const uint16_t port = start();
  RawSocket s("127.0.0.1", port);
  ASSERT_TRUE(waitUntil([&] { return reading.load(); }));
  server->Active = false;
  EXPECT_EQ(log.snapshot(), (std::vector<std::string>{"closed gracefully"}));
}

}  // namespace

namespace {

// A connect to 127.0.0.1:port succeeds (the socket is closed again at once).
bool accepts(uint16_t port) {
  const raw::Socket s = raw::connectTo("127.0.0.1", port);
  if (s < 0) return false;
  raw::close(s);
  return true;
}

}  // namespace

// Indy's StopListening / StartListening: the listeners close and open again on the same port while
// the open connections go on; the bind events run again on StartListening, not when already
// listening.
TEST_P(IndyMembers, StopListeningRefusesNewConnectsWhileOpenOnesGoOn) {
  std::atomic<int> beforeBind{0}, afterBind{0};
  server->OnBeforeBind = [&](TIocpSocketHandle*) { ++beforeBind; };
  server->OnAfterBind = [&](TIocpTCPServer*) { ++afterBind; };
  echo();
  auto stop = stopAtEnd();
  const uint16_t port = start();
  EXPECT_EQ(beforeBind.load(), 1);
  EXPECT_EQ(afterBind.load(), 1);
  RawSocket a("127.0.0.1", port);
  a.send("one\r\n");
  EXPECT_EQ(a.recvLine(5000), "one");

  server->StopListening();
  EXPECT_TRUE(server->Active);
  EXPECT_FALSE(accepts(port)) << "a connect while not listening was accepted";
  a.send("two\r\n");
  EXPECT_EQ(a.recvLine(5000), "two") << "the open connection stopped with the listener";
  server->StopListening();  // Again: no effect.

  server->StartListening();
  EXPECT_EQ(server->Bindings[0].Port, port);
  EXPECT_EQ(beforeBind.load(), 2);
  EXPECT_EQ(afterBind.load(), 2);
  RawSocket b("127.0.0.1", port);
  b.send("three\r\n");
  EXPECT_EQ(b.recvLine(5000), "three");
  a.send("four\r\n");
  EXPECT_EQ(a.recvLine(5000), "four");
  server->StartListening();  // Already listening: no effect, no bind events.
  EXPECT_EQ(beforeBind.load(), 2);

  // A second round: the listener can pause and resume again.
  server->StopListening();
  server->StartListening();
  RawSocket c("127.0.0.1", port);
  c.send("five\r\n");
  EXPECT_EQ(c.recvLine(5000), "five");
  EXPECT_EQ(server->Stats().Accepted, 3u);
}

TEST(IndyMembersInactive, StartListeningWhileInactiveRaises) {
  TIocpTCPServer server;
  server.StopListening();  // No effect.
  EXPECT_THROW(server.StartListening(), EIdException);
}

// Indy's WriteBufferFlush(AByteCount): the first AByteCount collected bytes go, the rest stays
// collected until the next flush or close; 0 sends nothing.
TEST_P(IndyMembers, WriteBufferFlushOfSomeBytesSendsThemAndKeepsTheRest) {
  server->OnExecute = [](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    io->WriteBufferOpen();
    io->Write(std::string("abcdef"));
    io->WriteBufferFlush(0);
    io->WriteBufferFlush(2);
    io->ReadLn();  // The client has seen "ab" and nothing more.
    io->WriteBufferFlush(3);
    io->ReadLn();
    io->WriteBufferClose();
    io->ReadLn();
  };
  auto stop = stopAtEnd();
  const uint16_t port = start();
  RawSocket s("127.0.0.1", port);
  EXPECT_EQ(receiveExactly(s, 2, 5000), "ab");
  std::string more;
  EXPECT_EQ(s.receive(200, more), Saw::Nothing) << "sent beyond the 2 bytes flushed: " << more;
  s.send("go\r\n");
  EXPECT_EQ(receiveExactly(s, 3, 5000), "cde");
  EXPECT_EQ(s.receive(200, more), Saw::Nothing) << "sent beyond the 3 bytes flushed: " << more;
  s.send("go\r\n");
  EXPECT_EQ(receiveExactly(s, 1, 5000), "f");
  s.send("end\r\n");
}
