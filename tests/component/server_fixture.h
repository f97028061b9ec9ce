// A server on 127.0.0.1 (OS-chosen port), run once per engine: every test is a TEST_P over
// iohDefault and iohIOCP; in the suites' TLS mode (test_support.h) the server serves TLS and
// client() connects with it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "Iocp.h"
#include "test_support.h"

namespace testing_support {

class ServerTest : public ::testing::TestWithParam<Iocp::TIdIOHandlerType> {
 protected:
  void SetUp() override {
    server = std::make_unique<Iocp::TIocpTCPServer>();
    server->Bindings.Add().IP = "127.0.0.1";
    server->IOHandlerOptions.IOHandlerType = GetParam();
    server->IOHandlerOptions.IOCP.IOCPThreads = 2;
    if (tlsTestMode()) useTestServerTls(server->SSLOptions);  // The suite over TLS (test_support.h).
  }
  void TearDown() override { server.reset(); }

  bool iocp() const { return GetParam() == Iocp::iohIOCP; }

  // Stops the server when it goes out of scope. Declare it right after the test-local state that
  // the server's events capture, so no event can fire on a destroyed local.
  struct StopAtEnd {
    Iocp::TIocpTCPServer& server;
    ~StopAtEnd() { server.Active = false; }
  };
  StopAtEnd stopAtEnd() { return StopAtEnd{*server}; }

  // Activate and return the bound port.
  uint16_t start() {
    server->Active = true;
    return server->Bindings[0].Port;
  }

  // A connected client with a read timeout, so a broken server fails a test instead of hanging it.
  std::unique_ptr<Iocp::TIocpTCPClient> client(int readTimeoutMs = 5000) {
    auto c = std::make_unique<Iocp::TIocpTCPClient>();
    c->ReadTimeout = readTimeoutMs;
    if (tlsTestMode()) useTestClientTls(c->SSLOptions);
    c->Connect("127.0.0.1", server->Bindings[0].Port);
    return c;
  }

  // Install an OnExecute that echoes each line.
  void echo() {
    server->OnExecute = [](Iocp::TIocpContext* AContext) {
      auto* io = AContext->Connection->IOHandler;
      io->WriteLn(io->ReadLn());
    };
  }

  std::unique_ptr<Iocp::TIocpTCPServer> server;
};

inline std::string engineName(const ::testing::TestParamInfo<Iocp::TIdIOHandlerType>& info) {
  return info.param == Iocp::iohIOCP ? "iohIOCP" : "iohDefault";
}

#define INSTANTIATE_FOR_BOTH_ENGINES(Suite)                                                  \
  INSTANTIATE_TEST_SUITE_P(Engines, Suite, ::testing::Values(Iocp::iohDefault, Iocp::iohIOCP), \
                           testing_support::engineName)

}  // namespace testing_support
