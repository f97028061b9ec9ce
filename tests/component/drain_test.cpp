// Drain (a graceful stop for a restart that drops nothing) and ReusePort (several processes, or
// here two servers, on one port), in both engines.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server_fixture.h"
#include "wait_until.h"

using namespace Iocp;
using testing_support::ServerTest;
using testing_support::waitUntil;

namespace {

class Drain : public ServerTest {
 protected:
  // Records each connection's end: how many times, and the reasons.
  void recordDisconnects() {
    server->OnDisconnect = [this](TIocpContext* AContext) {
      std::lock_guard<std::mutex> lock(mu);
      ++ends[AContext->DisconnectReason()];
    };
  }
  int endCount() {
    std::lock_guard<std::mutex> lock(mu);
    int n = 0;
    for (const auto& e : ends) n += e.second;
    return n;
  }
  std::mutex mu;
  std::map<std::string, int> ends;
};

}  // namespace

TEST_P(Drain, HandlersThatSeeDrainingFinishAndNewConnectionsAreRefused) {
  server->OnExecute = [this](TIocpContext* AContext) {
    auto* io = AContext->Connection->IOHandler;
    const std::string line = io->ReadLn(LF, 50);
    if (io->ReadLnTimedout) {
      if (server->Draining()) AContext->Connection->Disconnect();  // Between two requests: done.
      return;
    }
    io->WriteLn(line);
  };
  recordDisconnects();
  bool refusedWhileDraining = false;
  server->OnDraining = [&](TIocpTCPServer* ASender) {
    EXPECT_TRUE(ASender->Draining());
    TIocpTCPClient late;
    late.ConnectTimeout = 5000;
    try {
      late.Connect("127.0.0.1", ASender->Bindings[0].Port);
    } catch (const EIdException&) {
      refusedWhileDraining = true;
    }
  };
  auto stop = stopAtEnd();
  start();
  EXPECT_FALSE(server->Draining());
  std::vector<std::unique_ptr<TIocpTCPClient>> clients;
  for (int i = 0; i < 10; ++i) {
    clients.push_back(client());
    clients.back()->IOHandler->WriteLn("hello " + std::to_string(i));
    ASSERT_EQ(clients.back()->IOHandler->ReadLn(), "hello " + std::to_string(i));
  }
  EXPECT_TRUE(server->Drain(60000)) << "a handler that saw Draining did not end";
  EXPECT_TRUE(refusedWhileDraining) << "a connect succeeded while the server was draining";
  EXPECT_FALSE(server->Active);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(ends, (std::map<std::string, int>{{"local disconnect", 10}}));
}

TEST_P(Drain, WhatDoesNotEndByTheTimeoutIsClosedOnceEach) {
  echo();  // Handlers parked in ReadLn forever: they never look at Draining.
  recordDisconnects();
  auto stop = stopAtEnd();
  start();
  std::vector<std::unique_ptr<TIocpTCPClient>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(client());
    clients.back()->IOHandler->WriteLn("x");
    ASSERT_EQ(clients.back()->IOHandler->ReadLn(), "x");
  }
  EXPECT_FALSE(server->Drain(200));
  ASSERT_TRUE(waitUntil([&] { return endCount() >= 5; }));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(ends, (std::map<std::string, int>{{"server stopping", 5}}));
}

TEST_P(Drain, DrainingEndsWithTheNextActivation) {
  echo();
  auto stop = stopAtEnd();
  start();
  EXPECT_TRUE(server->Drain(1000));
  start();
  EXPECT_FALSE(server->Draining());
  auto c = client();
  c->IOHandler->WriteLn("again");
  EXPECT_EQ(c->IOHandler->ReadLn(), "again");
}

TEST_P(Drain, TwoServersShareAPortWithReusePortAndTheSecondTakesOverWhenTheFirstDrains) {
  auto second = std::make_unique<TIocpTCPServer>();
  second->IOHandlerOptions.IOHandlerType = GetParam();
  if (testing_support::tlsTestMode()) testing_support::useTestServerTls(second->SSLOptions);
  for (TIocpTCPServer* s : {server.get(), second.get()}) {
    s->ReusePort = true;
    s->OnConnect = [s, first = server.get()](TIocpContext* AContext) {
      AContext->Connection->IOHandler->WriteLn(s == first ? "first" : "second");
    };
    s->OnExecute = [](TIocpContext* AContext) {
      auto* io = AContext->Connection->IOHandler;
      const std::string line = io->ReadLn(LF, 50);
      if (io->ReadLnTimedout) {
        if (AContext->Server->Draining()) AContext->Connection->Disconnect();
        return;
      }
      io->WriteLn(line);
    };
  }
#if defined(_WIN32)
  // Windows has no SO_REUSEPORT: activation says so.
  try {
    start();
    FAIL() << "ReusePort activated on Windows";
  } catch (const EIdCouldNotBindSocket& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1"), std::string::npos) << e.what();
  }
#else
  auto stop = stopAtEnd();
  const uint16_t port = start();
  second->Bindings.Add().IP = "127.0.0.1";
  second->Bindings[0].Port = port;
  second->Active = true;
  std::map<std::string, int> servedBy;
  for (int i = 0; i < 40; ++i) ++servedBy[client()->IOHandler->ReadLn()];
  EXPECT_EQ(servedBy["first"] + servedBy["second"], 40);
  EXPECT_TRUE(server->Drain(60000));
  servedBy.clear();
  for (int i = 0; i < 20; ++i) {
    auto c = client();
    ++servedBy[c->IOHandler->ReadLn()];
    c->IOHandler->WriteLn("still served");
    EXPECT_EQ(c->IOHandler->ReadLn(), "still served");
  }
  EXPECT_EQ(servedBy, (std::map<std::string, int>{{"second", 20}}));
  second->Active = false;
  // Without ReusePort the port is taken.
  auto third = std::make_unique<TIocpTCPServer>();
  third->Bindings.Add().IP = "127.0.0.1";
  third->Bindings[0].Port = port;
  third->OnExecute = [](TIocpContext*) {};
  start();
  EXPECT_THROW(third->Active = true, EIdCouldNotBindSocket);
#endif
}

INSTANTIATE_FOR_BOTH_ENGINES(Drain);
