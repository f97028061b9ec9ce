// The heartbeat over TLS finds peers that vanish without FIN or RST (netns_pair.h): the server's
// pings go out as TLS records, the peers answer them over TLS until their link is cut, then
// nothing comes back and nothing says so. Every such peer must end with "heartbeat timeout",
// as over plain TCP (vanished_peer_test.cpp). Linux, root (CI runs as root); a build with TLS.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "netns_pair.h"
#include "server_fixture.h"

using namespace Iocp;
using namespace testing_support;

namespace {

constexpr int kPeers = 50;
constexpr int kIntervalMs = 500, kTimeoutMs = 1000;  // Heartbeat.

// `count` TLS clients in the client namespace, on one thread: each connects and handshakes
// (blocking), then a poll loop answers every "PING" line with "PONG" over TLS, until stopped.
class TlsPeers {
 public:
  TlsPeers(const NamespacePair& ns, uint16_t port, int count) : count_(count) {
    thread_ = std::thread([this, &ns, port] { body(ns, port); });
  }
  ~TlsPeers() {
    stop_ = true;
    thread_.join();
  }
  int answeredAPing() const { return answered_.load(); }
  bool failed() const { return failed_.load(); }

 private:
  struct Peer {
    int fd = -1;
    SSL* ssl = nullptr;
    std::string pending;
    bool answered = false;
  };

  void body(const NamespacePair& ns, uint16_t port) {
    // A PONG written (SSL_write, write()) to a peer the server has already closed must fail, not
    // end the test program.
    raw::keepBrokenPipesFromEndingThisThread();
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    std::vector<Peer> peers;
    if (!ctx || !ns.enterClient()) failed_ = true;
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    inet_pton(AF_INET, kServerIp, &to.sin_addr);
    for (int i = 0; i < count_ && !failed_; ++i) {
      Peer p;
      p.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      timeval tv{10, 0};  // The handshake gives up after 10 s rather than hang.
      setsockopt(p.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      p.ssl = SSL_new(ctx);
      if (p.fd < 0 || !p.ssl || connect(p.fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 ||
          SSL_set_fd(p.ssl, p.fd) != 1 || SSL_connect(p.ssl) != 1) {
        failed_ = true;
      }
      fcntl(p.fd, F_SETFL, O_NONBLOCK);
      peers.push_back(std::move(p));
    }
    std::vector<pollfd> fds;
    for (const Peer& p : peers) fds.push_back(pollfd{p.fd, POLLIN, 0});
    while (!stop_ && !failed_) {
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        Peer& p = peers[i];
        char buf[4096];
        int n;
        while ((n = SSL_read(p.ssl, buf, sizeof buf)) > 0) p.pending.append(buf, static_cast<std::size_t>(n));
        std::size_t pos;
        while ((pos = p.pending.find("\r\n")) != std::string::npos) {
          if (p.pending.compare(0, pos, "PING") == 0) {
            SSL_write(p.ssl, "PONG\r\n", 6);
            if (!p.answered) ++answered_;
            p.answered = true;
          }
          p.pending.erase(0, pos + 2);
        }
      }
    }
    for (Peer& p : peers) {  // The link is down by then: nothing reaches the server.
      SSL_free(p.ssl);
      if (p.fd >= 0) close(p.fd);
    }
    SSL_CTX_free(ctx);
  }

  const int count_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  std::atomic<int> answered_{0};
};

class VanishedTlsPeer : public ServerTest {};
INSTANTIATE_FOR_BOTH_ENGINES(VanishedTlsPeer);

TEST_P(VanishedTlsPeer, HeartbeatOverTlsEndsEveryVanishedPeerWithHeartbeatTimeout) {
  if (geteuid() != 0) GTEST_SKIP() << "creating network namespaces needs root (CI runs as root)";
  NamespacePair ns;
  ASSERT_TRUE(ns.ok()) << "could not create the network namespaces and veth pair";
  useTestServerTls(server->SSLOptions);
  server->Bindings[0].IP = kServerIp;
  server->Heartbeat.Enabled = true;
  server->Heartbeat.Interval = kIntervalMs;
  server->Heartbeat.Timeout = kTimeoutMs;
  server->Heartbeat.Payload = "PING\r\n";
  std::atomic<int> connects{0};
  std::mutex mu;
  std::map<std::string, int> reasons;
  int ended = 0;
  server->OnConnect = [&](TIocpContext*) { ++connects; };
  server->OnDisconnect = [&](TIocpContext* c) {
    std::lock_guard<std::mutex> lock(mu);
    reasons[c->DisconnectReason()]++;
    ++ended;
  };
  echo();
  const auto stop = stopAtEnd();
  bool entered = false;
  std::thread([&] {  // The listener lives in the server namespace.
    entered = ns.enterServer();
    if (entered) server->Active = true;
  }).join();
  ASSERT_TRUE(entered);
  TlsPeers peers(ns, server->Bindings[0].Port, kPeers);
  // Every peer has done its handshake and answered a ping (encrypted both ways) before it vanishes.
  ASSERT_TRUE(waitUntil([&] { return peers.answeredAPing() == kPeers || peers.failed(); }))
      << peers.answeredAPing();
  ASSERT_FALSE(peers.failed()) << "a TLS peer could not connect";
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(ended, 0);
  }
  ASSERT_TRUE(ns.cutClient());
  ASSERT_TRUE(waitUntil([&] {
    std::lock_guard<std::mutex> lock(mu);
    return ended == kPeers;
  }));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(reasons["heartbeat timeout"], kPeers);
  EXPECT_EQ(connects.load(), kPeers);
}

}  // namespace
