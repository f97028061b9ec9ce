// The event model (OnDataAvailable, OnMessage with Framing) over both engines: echo, order,
// split and batched messages, oversized messages, events exactly once, broadcasts, and the
// rules of assigning a model.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <poll.h>
#endif

#include "connection_events.h"
#include "length_prefix.h"
#include "server_fixture.h"
#include "wait_until.h"

using namespace Iocp;
using testing_support::ConnectionEvents;
using testing_support::prefixed;
using testing_support::ServerTest;
using testing_support::waitUntil;

namespace {

class EventModel : public ServerTest {};

// Whether the peer's FIN has reached the server's socket `handle` (Linux: the kernel marks the
// socket read-shut; poll reports it and consumes nothing). Elsewhere there is no such query: true,
// and the caller relies on the loopback having delivered a close by the time the peer's close
// call returned.
bool peerCloseArrived(std::intptr_t handle) {
#if defined(__linux__)
  pollfd p{static_cast<int>(handle), POLLRDHUP, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLRDHUP) != 0;
#else
  (void)handle;
  return true;
#endif
}

}  // namespace

TEST_P(EventModel, OnMessageEchoesLinesInOrderFromOneWrite) {
  server->Framing.Kind = fkLine;
  server->OnMessage = [](TIocpContext* AContext, std::string_view AMessage) {
    AContext->Connection->IOHandler->Write(std::string(AMessage) + "\n");
  };
  auto stop = stopAtEnd();
  start();
  auto c = client();
  std::string batch;
  for (int i = 0; i < 500; ++i) batch += "line " + std::to_string(i) + "\r\n";
  c->IOHandler->Write(batch);
  for (int i = 0; i < 500; ++i) ASSERT_EQ(c->IOHandler->ReadLn(), "line " + std::to_string(i));
}

TEST_P(EventModel, OnDataAvailableSeesTheRawBytes) {
  server->OnDataAvailable = [](TIocpContext* AContext) {
    auto* io = AContext->Connection->IOHandler;
    io->Write(io->InputBuffer()->ExtractToString());
  };
  auto stop = stopAtEnd();
  start();
  auto c = client();
  std::string payload;
  for (int i = 0; i < 200000; ++i) payload += static_cast<char>('a' + i % 26);
  c->IOHandler->Write(payload);
  EXPECT_EQ(c->IOHandler->ReadString(static_cast<int>(payload.size())), payload);
}

TEST_P(EventModel, LengthPrefixedMessagesSplitAcrossWritesArriveWhole) {
  server->Framing.Kind = fkLengthPrefixed;
  server->OnMessage = [](TIocpContext* AContext, std::string_view AMessage) {
    AContext->Connection->IOHandler->WriteLn(std::to_string(AMessage.size()) + ":" + std::string(AMessage.substr(0, 3)));
  };
  auto stop = stopAtEnd();
  start();
  auto c = client();
  const std::string frame = prefixed(std::string(5000, 'z')) + prefixed("") + prefixed("abc");
  std::size_t pieces = 0;
  for (std::size_t at = 0; at < frame.size(); at += 997) {  // Pieces that cut headers and bodies.
    const std::size_t end = std::min(frame.size(), at + 997);
    c->IOHandler->Write(frame.substr(at, end - at));
    ++pieces;
    // The next piece only once the server has received this one: each arrives on its own.
    ASSERT_TRUE(waitUntil([&] { return server->Stats().BytesIn == end; })) << server->Stats().BytesIn << " of " << end;
  }
  EXPECT_GE(server->Stats().Reads, pieces);
  EXPECT_EQ(c->IOHandler->ReadLn(), "5000:zzz");
  EXPECT_EQ(c->IOHandler->ReadLn(), "0:");
  EXPECT_EQ(c->IOHandler->ReadLn(), "3:abc");
}

TEST_P(EventModel, AnOversizedMessageEndsTheConnectionAsAProtocolLimit) {
  server->Framing.Kind = fkLine;
  server->Framing.MaxFrameSize = 16;
  std::atomic<int> tooLarge{0};
  std::atomic<int> messages{0};
  server->OnMessage = [&](TIocpContext*, std::string_view) { ++messages; };
  server->OnException = [&](TIocpContext*, const std::exception& e) {
    if (dynamic_cast<const EIocpFrameTooLarge*>(&e)) ++tooLarge;
  };
  auto stop = stopAtEnd();
  start();
  auto c = client();
  c->IOHandler->Write("short\n" + std::string(100, 'x') + "\n");
  EXPECT_THROW(c->IOHandler->ReadLn(), EIdException);  // The server closes the connection.
  ASSERT_TRUE(waitUntil([&] { return tooLarge.load() == 1; }));
  EXPECT_EQ(messages.load(), 1);
  EXPECT_EQ(server->Stats().Closed["protocol limit"], 1u);
}

// Per connection: OnConnect once, every OnMessage after it (even for a line that was already
// there when OnConnect began), OnDisconnect once after them, on both closing paths.
TEST_P(EventModel, EventsFireInIndysOrderExactlyOnce) {
  constexpr int kConnections = 20;
  ConnectionEvents events;
  std::atomic<int> written{0};  // Clients whose first line is sent.
  server->Framing.Kind = fkLine;
  server->OnContextCreated = [&](TIocpContext* AContext) { events.created(AContext); };
  server->OnConnect = [&](TIocpContext* AContext) {
    // Until this connection's first line is on its way: a model that delivered it before
    // OnConnect (or during it) shows as a message before OnConnect. (Over TLS the line cannot
    // come before the handshake, which runs after OnConnect: nothing to wait for.)
    if (!testing_support::tlsTestMode()) waitUntil([&] { return written.load() >= ConnectionEvents::serial(AContext); });
    events.connected(AContext);
    AContext->Connection->IOHandler->WriteLn("hello");
  };
  server->OnMessage = [&](TIocpContext* AContext, std::string_view AMessage) {
    events.during(AContext, "OnMessage");
    if (AMessage == "bye") AContext->Connection->Disconnect();
    else AContext->Connection->IOHandler->WriteLn(std::string(AMessage));
  };
  server->OnDisconnect = [&](TIocpContext* AContext) { events.disconnected(AContext); };
  auto stop = stopAtEnd();
  start();
  for (int i = 0; i < kConnections; ++i) {
    auto c = client();
    c->IOHandler->WriteLn("x" + std::to_string(i));
    written = i + 1;
    EXPECT_EQ(c->IOHandler->ReadLn(), "hello");
    EXPECT_EQ(c->IOHandler->ReadLn(), "x" + std::to_string(i));
    if (i % 2 == 0) {  // Closed by the server; the others by the client.
      c->IOHandler->WriteLn("bye");
      EXPECT_THROW(c->IOHandler->ReadLn(), EIdConnClosedGracefully);
    }
  }
  events.expectEachOnce(*server, kConnections);
  const std::map<std::string, int> expected = {{"local disconnect", kConnections / 2}, {"peer closed", kConnections / 2}};
  EXPECT_EQ(events.reasons(), expected);
  EXPECT_EQ(server->Contexts->Count(), 0);
}

// A message and the peer's FIN that land together, while the only I/O thread is busy elsewhere,
// come in one readiness report: the message is delivered, and then the close is seen.
TEST_P(EventModel, AMessageAndTheCloseArrivingTogetherEndTheConnection) {
  server->IOHandlerOptions.IOCP.IOCPThreads = 1;
  std::atomic<int> xs{0}, disconnects{0};
  std::atomic<bool> holding{false}, release{false};
  std::atomic<std::intptr_t> aSocket{-1};
  server->Framing.Kind = fkLine;
  server->OnConnect = [&](TIocpContext* AContext) {
    std::intptr_t none = -1;
    aSocket.compare_exchange_strong(none, AContext->Binding->Handle);  // The first connection: a.
  };
  server->OnMessage = [&](TIocpContext*, std::string_view AMessage) {
    if (AMessage == "block") {  // Holds the thread until the test lets go.
      holding = true;
      waitUntil([&] { return release.load(); }, 10000);
    } else if (AMessage == "x") {
      ++xs;
    }
  };
  server->OnDisconnect = [&](TIocpContext*) { ++disconnects; };
  auto stop = stopAtEnd();
  start();
  auto a = client();
  ASSERT_TRUE(waitUntil([&] { return aSocket.load() != -1; }));
  auto b = client();
  ASSERT_TRUE(waitUntil([&] { return server->Contexts->Count() == 2; }));
  b->IOHandler->WriteLn("block");
  ASSERT_TRUE(waitUntil([&] { return holding.load(); }));  // The I/O thread is in b's event.
  a->IOHandler->WriteLn("x");
  a->Disconnect();
  if (iocp()) {  // The line and the FIN are both at the server before its only I/O thread is back.
    EXPECT_TRUE(waitUntil([&] { return peerCloseArrived(aSocket.load()); })) << "a's close never reached the server";
  }
  release = true;
  ASSERT_TRUE(waitUntil([&] { return disconnects.load() == 1; })) << "a's close was never seen";
  EXPECT_EQ(xs.load(), 1);
}

TEST_P(EventModel, ABroadcastFromOnMessageReachesEveryClient) {
  server->Framing.Kind = fkLine;
  server->OnMessage = [this](TIocpContext*, std::string_view AMessage) {
    auto& list = server->Contexts->LockList();
    struct Unlock {  // Also when a write raises: a list left locked hangs every later OnDisconnect.
      TIocpContextList& contexts;
      ~Unlock() { contexts.UnlockList(); }
    } unlock{*server->Contexts};
    for (TIocpContext* ctx : list) ctx->Connection->IOHandler->WriteLn("all: " + std::string(AMessage));
  };
  auto stop = stopAtEnd();
  start();
  auto a = client(), b = client(), c = client();
  ASSERT_TRUE(waitUntil([&] { return server->Contexts->Count() == 3; }));
  b->IOHandler->WriteLn("from b");
  for (auto* x : {a.get(), b.get(), c.get()}) EXPECT_EQ(x->IOHandler->ReadLn(), "all: from b");
}

TEST_P(EventModel, ActiveFalseClosesEveryConnectionWithOnDisconnect) {
  constexpr int kConnections = 50;
  ConnectionEvents events;
  server->Framing.Kind = fkLine;
  server->OnContextCreated = [&](TIocpContext* AContext) { events.created(AContext); };
  server->OnConnect = [&](TIocpContext* AContext) { events.connected(AContext); };
  server->OnMessage = [&](TIocpContext* AContext, std::string_view) { events.during(AContext, "OnMessage"); };
  server->OnDisconnect = [&](TIocpContext* AContext) { events.disconnected(AContext); };
  start();
  std::vector<std::unique_ptr<TIocpTCPClient>> clients;
  for (int i = 0; i < kConnections; ++i) clients.push_back(client());
  ASSERT_TRUE(waitUntil([&] { return server->Contexts->Count() == kConnections; }));
  const auto t0 = std::chrono::steady_clock::now();
  server->Active = false;
  // No handler of the event model waits, so stopping never needs the handlers' grace period: a
  // stop that gave up on a connection would have waited all of TerminateWaitTime.
  EXPECT_LT(testing_support::msSince(t0), server->TerminateWaitTime);
  EXPECT_EQ(events.disconnects(), kConnections);  // All of them before Active = false returned.
  events.expectEachOnce(*server, kConnections);
  EXPECT_EQ(events.reasons(), (std::map<std::string, int>{{"server stopping", kConnections}}));
  for (auto& c : clients) EXPECT_THROW(c->IOHandler->ReadLn(), EIdConnClosedGracefully);
}

TEST_P(EventModel, OneModelAtATimeAndOnMessageNeedsAFraming) {
  server->OnMessage = [](TIocpContext*, std::string_view) {};
  try {
    server->Active = true;
    FAIL() << "OnMessage without Framing was accepted";
  } catch (const EIdException& e) {
    EXPECT_NE(std::string(e.what()).find("Framing.Kind is fkNone"), std::string::npos) << e.what();
  }
  server->Framing.Kind = fkLine;
  echo();  // OnExecute as well.
  try {
    server->Active = true;
    FAIL() << "two models were accepted";
  } catch (const EIdException& e) {
    EXPECT_NE(std::string(e.what()).find("assign one of them"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(server->Active);
}

INSTANTIATE_FOR_BOTH_ENGINES(EventModel);

// iohIOCP only: the handler runs on an engine thread, so nothing in it may wait.
TEST(EventModelIocp, AReadThatWouldWaitTimesOutAtOnceAndTheRestComesNextTime) {
  TIocpTCPServer server;
  server.Bindings.Add().IP = "127.0.0.1";
  server.IOHandlerOptions.IOHandlerType = iohIOCP;
  std::atomic<int> timedOut{0};
  server.OnDataAvailable = [&](TIocpContext* AContext) {
    auto* io = AContext->Connection->IOHandler;
    for (;;) {
      const std::string line = io->ReadLn(LF, IdTimeoutInfinite);
      if (io->ReadLnTimedout) {
        ++timedOut;
        return;
      }
      io->WriteLn("got " + line);
    }
  };
  server.Active = true;
  TIocpTCPClient c;
  c.ReadTimeout = 5000;
  c.Connect("127.0.0.1", server.Bindings[0].Port);
  c.IOHandler->Write("par");
  ASSERT_TRUE(waitUntil([&] { return timedOut.load() >= 1; }));
  c.IOHandler->Write("tial\nnext\n");
  EXPECT_EQ(c.IOHandler->ReadLn(), "got partial");
  EXPECT_EQ(c.IOHandler->ReadLn(), "got next");
  server.Active = false;
}

// A client that pipelines a large upload and reads the replies only afterwards is a normal client:
// the server stops reading it while its echo is queued (TCP then stops the client's writes), and
// every byte comes back once the client reads. The upload is larger than what the loopback's
// buffers can hold in both directions (the server's send buffer is small; the client's receive
// buffer grows to 6 MiB by default), so the server must pause.
TEST(EventModelIocp, APeerThatUploadsBeforeReadingIsPausedAndLosesNothing) {
  TIocpTCPServer server;
  server.Bindings.Add().IP = "127.0.0.1";
  server.IOHandlerOptions.IOHandlerType = iohIOCP;
  server.IOHandlerOptions.IOCP.MaxPendingOutput = 256 * 1024;
  server.SendBufferSize = 64 * 1024;
  ASSERT_EQ(server.IOHandlerOptions.IOCP.SlowConsumer, scPauseReading);  // The default.
  server.OnDataAvailable = [](TIocpContext* AContext) {
    auto* io = AContext->Connection->IOHandler;
    io->Write(io->InputBuffer()->ExtractToString());
  };
  std::atomic<int> disconnects{0};
  server.OnDisconnect = [&](TIocpContext*) { ++disconnects; };
  server.Active = true;
  TIocpTCPClient c;
  c.ReadTimeout = 60000;
  c.Connect("127.0.0.1", server.Bindings[0].Port);
  std::string upload(13 * 1024 * 1024, '\0');
  uint32_t x = 2463534242u;  // xorshift32: bytes no run of the echo could produce by chance.
  for (char& b : upload) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    b = static_cast<char>(x);
  }
  std::atomic<bool> uploaded{false};
  std::string writeError;
  std::thread writer([&] {
    try {
      for (std::size_t at = 0; at < upload.size(); at += 64 * 1024)
        c.IOHandler->Write(upload.substr(at, 64 * 1024));
      uploaded = true;
    } catch (const std::exception& e) {
      writeError = e.what();
    }
  });
  ASSERT_TRUE(waitUntil([&] { return server.Stats().ReadPauses >= 1; })) << "the server never paused reading";
  EXPECT_FALSE(uploaded.load()) << "the whole upload fit into buffers: the test proves nothing";
  const std::string echoed = c.IOHandler->ReadString(static_cast<int>(upload.size()));
  writer.join();
  EXPECT_EQ(writeError, "");
  EXPECT_TRUE(echoed == upload) << "the echo differs from the upload";
  EXPECT_EQ(disconnects.load(), 0);
  c.Disconnect();
  ASSERT_TRUE(waitUntil([&] { return disconnects.load() == 1; }));
  EXPECT_EQ(server.Stats().Closed.count("slow consumer"), 0u);
  server.Active = false;
}

// The other policy, asked for: a peer whose output passes MaxPendingOutput is dropped.
TEST(EventModelIocp, APeerThatDoesNotReadIsDroppedAsASlowConsumer) {
  TIocpTCPServer server;
  server.Bindings.Add().IP = "127.0.0.1";
  server.IOHandlerOptions.IOHandlerType = iohIOCP;
  server.IOHandlerOptions.IOCP.MaxPendingOutput = 256 * 1024;
  server.IOHandlerOptions.IOCP.SlowConsumer = scDisconnect;
  server.Framing.Kind = fkLine;
  server.OnMessage = [](TIocpContext* AContext, std::string_view) {
    const std::string big(64 * 1024, 'b');
    for (int i = 0; i < 100 && AContext->Connection->Connected(); ++i) AContext->Connection->IOHandler->Write(big);
  };
  std::atomic<int> disconnects{0};
  server.OnDisconnect = [&](TIocpContext*) { ++disconnects; };
  server.Active = true;
  TIocpTCPClient c;
  c.Connect("127.0.0.1", server.Bindings[0].Port);
  c.IOHandler->WriteLn("flood me");  // And never read.
  ASSERT_TRUE(waitUntil([&] { return disconnects.load() == 1; }));
  EXPECT_EQ(server.Stats().Closed["slow consumer"], 1u);
  server.Active = false;
}
