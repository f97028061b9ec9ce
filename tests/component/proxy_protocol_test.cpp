// ProxyProtocol: behind a load balancer, PeerIP/PeerPort are the client's that the PROXY protocol
// header names (v1 and v2), in both engines and both handler models; a header from a source not
// trusted, a malformed one and a slow one end the connection before OnConnect, counted under
// "PROXY header refused". (Plain sockets: the header always comes before any TLS.)
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "IocpTCPServer.h"
#include "test_support.h"
#include "wait_until.h"

using namespace Iocp;
using testing_support::RawSocket;
using testing_support::waitUntil;

namespace {

const std::string kV2Signature("\r\n\r\n\0\r\nQUIT\n", 12);

// A v2 PROXY header for a TCP over IPv4 client a.b.c.d:port connecting to 10.0.0.1:443.
std::string v2Tcp4(const unsigned char (&client)[4], uint16_t port) {
  std::string h = kV2Signature + std::string("\x21\x11\x00\x0C", 4);
  h.append(reinterpret_cast<const char*>(client), 4);
  h += std::string("\x0A\x00\x00\x01", 4);
  h += static_cast<char>(port >> 8);
  h += static_cast<char>(port & 0xFF);
  h += std::string("\x01\xBB", 2);
  return h;
}

enum class Model { Execute, Events };

class ProxyProtocol : public ::testing::TestWithParam<std::tuple<TIdIOHandlerType, Model>> {
 protected:
  void SetUp() override {
    server.Bindings.Add().IP = "127.0.0.1";
    server.IOHandlerOptions.IOHandlerType = std::get<0>(GetParam());
    server.IOHandlerOptions.IOCP.IOCPThreads = 2;
    server.ProxyProtocol.Mode = ppEither;
    server.ProxyProtocol.TrustedSources = "127.0.0.0/8, ::1";
    server.OnConnect = [this](TIocpContext* AContext) {
      std::lock_guard<std::mutex> lock(mu);
      peers.push_back(AContext->Binding->PeerIP + " " + std::to_string(AContext->Binding->PeerPort));
      ++connects;
    };
    server.OnDisconnect = [this](TIocpContext*) { ++disconnects; };
    if (std::get<1>(GetParam()) == Model::Execute) {
      server.OnExecute = [](TIocpContext* AContext) {  // Echo each line with the peer it came from.
        auto* io = AContext->Connection->IOHandler;
        const std::string line = io->ReadLn();
        io->WriteLn(AContext->Binding->PeerIP + ": " + line);
      };
    } else {
      server.Framing.Kind = fkLine;
      server.OnMessage = [](TIocpContext* AContext, std::string_view AMessage) {
        AContext->Connection->IOHandler->WriteLn(AContext->Binding->PeerIP + ": " + std::string(AMessage));
      };
    }
  }
  void TearDown() override { server.Active = false; }

  uint64_t refused() { return server.Stats().Closed["PROXY header refused"]; }

  std::mutex mu;
  std::vector<std::string> peers;
  std::atomic<int> connects{0}, disconnects{0};
  TIocpTCPServer server;
};

}  // namespace

TEST_P(ProxyProtocol, AV1HeaderNamesThePeerAndTheBytesBehindItAreTheClients) {
  server.Active = true;
  RawSocket c("127.0.0.1", server.Bindings[0].Port, RawSocket::Plain{});
  c.send("PROXY TCP4 203.0.113.7 10.0.0.1 51234 443\r\nhello\r\n");  // One segment: header and data.
  EXPECT_EQ(c.recvLine(5000), "203.0.113.7: hello");
  c.send("again\r\n");
  EXPECT_EQ(c.recvLine(5000), "203.0.113.7: again");
  c.close();
  ASSERT_TRUE(waitUntil([&] { return disconnects.load() == 1; }));
  EXPECT_EQ(connects.load(), 1);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(peers, std::vector<std::string>({"203.0.113.7 51234"}));
}

TEST_P(ProxyProtocol, AV2HeaderInPiecesNamesThePeer) {
  server.Active = true;
  RawSocket c("127.0.0.1", server.Bindings[0].Port, RawSocket::Plain{});
  const unsigned char client[4] = {198, 51, 100, 20};
  const std::string header = v2Tcp4(client, 40000);
  for (char b : header) c.send(std::string(1, b));  // A byte at a time: the engine waits for the rest.
  c.send("one\r\n");
  EXPECT_EQ(c.recvLine(5000), "198.51.100.20: one");
  c.close();
  ASSERT_TRUE(waitUntil([&] { return disconnects.load() == 1; }));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(peers, std::vector<std::string>({"198.51.100.20 40000"}));
}

TEST_P(ProxyProtocol, ALocalHeaderKeepsTheConnectionsOwnAddress) {
  server.Active = true;
  RawSocket c("127.0.0.1", server.Bindings[0].Port, RawSocket::Plain{});
  c.send(kV2Signature + std::string("\x20\x00\x00\x00", 4) + "ping\r\n");  // A balancer's health check.
  EXPECT_EQ(c.recvLine(5000), "127.0.0.1: ping");
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0], "127.0.0.1 " + std::to_string(c.localPort()));
}

TEST_P(ProxyProtocol, RefusedHeadersEndTheConnectionBeforeOnConnect) {
  server.ProxyProtocol.Timeout = 300;
  server.Active = true;
  const uint16_t port = server.Bindings[0].Port;
  const std::string hostile[] = {
      "GET / HTTP/1.1\r\nHost: x\r\n\r\n",                  // No header at all.
      "PROXY TCP4 203.0.113.7 10.0.0.1 51234\r\nhello\r\n",  // A field missing.
      "PROXY TCP4 " + std::string(200, '1') + "\r\n",          // Longer than 107 bytes.
      kV2Signature + std::string("\x21\x11\xFF\xFF", 4),       // Says 64 KiB of addresses follow.
      "PROXY TCP4 203.0.113.7 10.0.0.1 51234",                // Never ends: the timeout.
  };
  int n = 0;
  for (const std::string& bytes : hostile) {
    RawSocket c("127.0.0.1", port, RawSocket::Plain{});
    c.sendUnlessClosed(bytes);
    std::string got;
    RawSocket::Received r;
    while ((r = c.receive(10000, got)) == RawSocket::Received::Bytes) {
    }
    EXPECT_EQ(r, RawSocket::Received::End) << "not closed: " << bytes;
    EXPECT_EQ(got, "") << "the handler answered: " << bytes;
    ++n;
    ASSERT_TRUE(waitUntil([&] { return refused() == static_cast<uint64_t>(n); })) << bytes;
  }
  // A peer that closes before its header is whole is no refusal, and no event either.
  {
    RawSocket c("127.0.0.1", port, RawSocket::Plain{});
    c.send("PROXY TCP4 1.2.3.4");
    c.close();
  }
  ASSERT_TRUE(waitUntil([&] { return server.Stats().ActiveConnections == 0; }));
  EXPECT_EQ(connects.load(), 0);
  EXPECT_EQ(disconnects.load(), 0);
  // The server goes on serving well-formed headers.
  RawSocket c("127.0.0.1", port, RawSocket::Plain{});
  c.send("PROXY TCP6 2001:db8::5 2001:db8::1 1000 443\r\nstill here\r\n");
  EXPECT_EQ(c.recvLine(5000), "2001:db8::5: still here");
}

TEST_P(ProxyProtocol, ASourceNotTrustedIsRefusedWhateverItSends) {
  server.ProxyProtocol.TrustedSources = "10.0.0.0/8";
  server.Active = true;
  RawSocket c("127.0.0.1", server.Bindings[0].Port, RawSocket::Plain{});
  c.sendUnlessClosed("PROXY TCP4 203.0.113.7 10.0.0.1 51234 443\r\nhello\r\n");
  std::string got;
  RawSocket::Received r;
  while ((r = c.receive(10000, got)) == RawSocket::Received::Bytes) {
  }
  EXPECT_EQ(r, RawSocket::Received::End);
  EXPECT_EQ(got, "");
  ASSERT_TRUE(waitUntil([&] { return refused() == 1; }));
  EXPECT_EQ(connects.load(), 0);
}

TEST_P(ProxyProtocol, ActivationNeedsTrustedSourcesThatAreAddresses) {
  server.ProxyProtocol.TrustedSources = " , ";
  try {
    server.Active = true;
    FAIL() << "activated without trusted sources";
  } catch (const EIdException& e) {
    EXPECT_NE(std::string(e.what()).find("ProxyProtocol.TrustedSources is empty"), std::string::npos) << e.what();
  }
  server.ProxyProtocol.TrustedSources = "127.0.0.1, balancer.example";
  try {
    server.Active = true;
    FAIL() << "activated with a name among the trusted sources";
  } catch (const EIdException& e) {
    EXPECT_NE(std::string(e.what()).find("\"balancer.example\" is not a numeric address"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(server.Active);
}

INSTANTIATE_TEST_SUITE_P(
    Engines, ProxyProtocol,
    ::testing::Combine(::testing::Values(iohDefault, iohIOCP), ::testing::Values(Model::Execute, Model::Events)),
    [](const ::testing::TestParamInfo<ProxyProtocol::ParamType>& p) {
      return std::string(std::get<1>(p.param) == Model::Execute ? "OnExecute_" : "OnMessage_") +
             (std::get<0>(p.param) == iohIOCP ? "iohIOCP" : "iohDefault");
    });
