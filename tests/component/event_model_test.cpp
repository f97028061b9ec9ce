// The event model (OnDataAvailable, OnMessage with Framing) over both engines: echo, order,
// split and batched messages, oversized messages, events exactly once, broadcasts, and the
// rules of assigning a model.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "server_fixture.h"
#include "wait_until.h"

using namespace Iocp;
using testing_support::ServerTest;
using testing_support::waitUntil;

namespace {

class EventModel : public ServerTest {};

std::string prefixed(const std::string& body) {
  std::string head(4, '\0');
  const auto n = static_cast<uint32_t>(body.size());
  for (int i = 0; i < 4; ++i) head[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * (3 - i))) & 0xFF);
  return head + body;
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
  for (std::size_t at = 0; at < frame.size(); at += 997) {  // Pieces that cut headers and bodies.
    c->IOHandler->Write(frame.substr(at, 997));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
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

TEST_P(EventModel, EventsFireInIndysOrderExactlyOnce) {
  std::atomic<int> connects{0}, disconnects{0}, messagesBeforeConnect{0};
  server->Framing.Kind = fkLine;
  server->OnConnect = [&](TIocpContext* AContext) {
    ++connects;
    AContext->Connection->IOHandler->WriteLn("hello");
  };
  server->OnMessage = [&](TIocpContext* AContext, std::string_view AMessage) {
    if (connects.load() == 0) ++messagesBeforeConnect;
    if (AMessage == "bye") AContext->Connection->Disconnect();
    else AContext->Connection->IOHandler->WriteLn(std::string(AMessage));
  };
  server->OnDisconnect = [&](TIocpContext*) { ++disconnects; };
  auto stop = stopAtEnd();
  start();
  for (int i = 0; i < 20; ++i) {
    auto c = client();
    EXPECT_EQ(c->IOHandler->ReadLn(), "hello");
    c->IOHandler->WriteLn("x" + std::to_string(i));
    EXPECT_EQ(c->IOHandler->ReadLn(), "x" + std::to_string(i));
    if (i % 2 == 0) c->IOHandler->WriteLn("bye");  // Closed by the server; the others by the client.
  }
  ASSERT_TRUE(waitUntil([&] { return disconnects.load() == 20; }));
  EXPECT_EQ(connects.load(), 20);
  EXPECT_EQ(messagesBeforeConnect.load(), 0);
  EXPECT_TRUE(waitUntil([&] { return server->Contexts->Count() == 0; }));
}

// A message and the peer's FIN that land together, while the only I/O thread is busy elsewhere,
// come in one readiness report: the message is delivered, and then the close is seen.
TEST_P(EventModel, AMessageAndTheCloseArrivingTogetherEndTheConnection) {
  server->IOHandlerOptions.IOCP.IOCPThreads = 1;
  std::atomic<int> xs{0}, disconnects{0};
  std::atomic<bool> blocking{false}, release{false};
  server->Framing.Kind = fkLine;
  server->OnMessage = [&](TIocpContext*, std::string_view AMessage) {
    if (AMessage == "block") {  // Holds the only I/O thread until a's line and close are both in.
      blocking = true;
      waitUntil([&] { return release.load(); });
    } else if (AMessage == "x") {
      ++xs;
    }
  };
  server->OnDisconnect = [&](TIocpContext*) { ++disconnects; };
  auto stop = stopAtEnd();
  start();
  auto a = client();
  auto b = client();
  ASSERT_TRUE(waitUntil([&] { return server->Contexts->Count() == 2; }));
  b->IOHandler->WriteLn("block");
  ASSERT_TRUE(waitUntil([&] { return blocking.load(); }));  // The I/O thread is held in b's event.
  a->IOHandler->WriteLn("x");
  a->Disconnect();  // Over loopback both are in the server's receive queue once this returns.
  release = true;
  ASSERT_TRUE(waitUntil([&] { return disconnects.load() == 1; })) << "a's close was never seen";
  EXPECT_EQ(xs.load(), 1);
}

TEST_P(EventModel, ABroadcastFromOnMessageReachesEveryClient) {
  server->Framing.Kind = fkLine;
  server->OnMessage = [this](TIocpContext*, std::string_view AMessage) {
    auto& list = server->Contexts->LockList();
    for (TIocpContext* ctx : list) ctx->Connection->IOHandler->WriteLn("all: " + std::string(AMessage));
    server->Contexts->UnlockList();
  };
  auto stop = stopAtEnd();
  start();
  auto a = client(), b = client(), c = client();
  ASSERT_TRUE(waitUntil([&] { return server->Contexts->Count() == 3; }));
  b->IOHandler->WriteLn("from b");
  for (auto* x : {a.get(), b.get(), c.get()}) EXPECT_EQ(x->IOHandler->ReadLn(), "all: from b");
}

TEST_P(EventModel, ActiveFalseClosesEveryConnectionWithOnDisconnect) {
  std::atomic<int> disconnects{0};
  server->Framing.Kind = fkLine;
  server->OnMessage = [](TIocpContext*, std::string_view) {};
  server->OnDisconnect = [&](TIocpContext*) { ++disconnects; };
  start();
  std::vector<std::unique_ptr<TIocpTCPClient>> clients;
  for (int i = 0; i < 50; ++i) clients.push_back(client());
  ASSERT_TRUE(waitUntil([&] { return server->Contexts->Count() == 50; }));
  const auto t0 = std::chrono::steady_clock::now();
  server->Active = false;
  // Not a speed: a stop that waited for one of the engine's own timeouts (the shortest, the close
  // flush, is 2 s) instead of closing at once; the scale test judges promptness against a yardstick.
  EXPECT_LT(testing_support::msSince(t0), 2000);
  EXPECT_EQ(disconnects.load(), 50);
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

TEST(EventModelIocp, APeerThatDoesNotReadIsDroppedAsASlowConsumer) {
  TIocpTCPServer server;
  server.Bindings.Add().IP = "127.0.0.1";
  server.IOHandlerOptions.IOHandlerType = iohIOCP;
  server.IOHandlerOptions.IOCP.MaxPendingOutput = 256 * 1024;
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
