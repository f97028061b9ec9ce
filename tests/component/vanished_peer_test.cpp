// Peers that vanish without FIN or RST (power loss, cable pulled, NAT mapping dropped), on a
// real network: the test creates two network namespaces joined by a veth pair, serves from one,
// connects 200 clients from the other, then takes the client side's link down. Nothing reaches
// the server any more and nothing tells it so: only the heartbeat can find out.
// Linux only (network namespaces; needs root, which CI has). The namespaces are deleted at the
// end of each test, also when it fails.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "calibration.h"
#include "netns_pair.h"
#include "server_fixture.h"

using namespace Iocp;
using namespace testing_support;

namespace {

constexpr int kPeers = 200;
constexpr int kIntervalMs = 500, kTimeoutMs = 1000;  // Heartbeat.

// `count` clients in the client namespace that answer every "PING" line with "PONG", on one
// thread, until stopped or their link is cut.
class Peers {
 public:
  Peers(const NamespacePair& ns, uint16_t port, int count = kPeers) : count_(count) {
    thread_ = std::thread([this, &ns, port] { body(ns, port); });
  }
  ~Peers() {
    stop_ = true;
    thread_.join();
  }
  int connected() const { return connected_.load(); }
  int answeredAPing() const { return answered_.load(); }  // Peers that answered at least once.
  bool failed() const { return failed_.load(); }

 private:
  void body(const NamespacePair& ns, uint16_t port) {
    if (!ns.enterClient()) {
      failed_ = true;
      return;
    }
    std::vector<pollfd> fds;
    std::vector<int> pongs(count_, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    inet_pton(AF_INET, kServerIp, &to.sin_addr);
    for (int i = 0; i < count_; ++i) {
      const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        failed_ = true;
        if (fd >= 0) close(fd);
        break;
      }
      fcntl(fd, F_SETFL, O_NONBLOCK);
      fds.push_back(pollfd{fd, POLLIN, 0});
      ++connected_;
    }
    std::vector<std::string> pending(fds.size());
    while (!stop_) {
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        char buf[4096];
        const ssize_t n = recv(fds[i].fd, buf, sizeof buf, 0);
        if (n <= 0) continue;
        pending[i].append(buf, static_cast<std::size_t>(n));
        std::size_t pos;
        while ((pos = pending[i].find("\r\n")) != std::string::npos) {
          if (pending[i].compare(0, pos, "PING") == 0) {
            send(fds[i].fd, "PONG\r\n", 6, MSG_NOSIGNAL);
            if (pongs[i]++ == 0) ++answered_;
          }
          pending[i].erase(0, pos + 2);
        }
      }
    }
    for (pollfd& p : fds) close(p.fd);  // The link is down by then: nothing reaches the server.
  }

  const int count_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  std::atomic<int> connected_{0};
  std::atomic<int> answered_{0};
};

class VanishedPeer : public ServerTest {
 protected:
  // Activate a server inside the server namespace (its listener lives there).
  static uint16_t startIn(const NamespacePair& ns, TIocpTCPServer& s) {
    bool entered = false;
    std::thread([&] {
      entered = ns.enterServer();
      if (entered) s.Active = true;
    }).join();
    EXPECT_TRUE(entered);
    return s.Bindings[0].Port;
  }
  uint16_t startIn(const NamespacePair& ns) { return startIn(ns, *server); }

  void SetUp() override {
    ServerTest::SetUp();
    server->Bindings[0].IP = kServerIp;
    server->OnConnect = [this](TIocpContext*) { ++connects; };
    server->OnDisconnect = [this](TIocpContext* c) {
      std::lock_guard<std::mutex> lock(mu);
      reasons[c->DisconnectReason()]++;
      disconnectedAt.push_back(std::chrono::steady_clock::now());
    };
    echo();
  }
  std::size_t disconnects() {
    std::lock_guard<std::mutex> lock(mu);
    return disconnectedAt.size();
  }

  std::atomic<int> connects{0};
  std::mutex mu;
  std::map<std::string, int> reasons;
  std::vector<std::chrono::steady_clock::time_point> disconnectedAt;
};
INSTANTIATE_FOR_BOTH_ENGINES(VanishedPeer);

TEST_P(VanishedPeer, HeartbeatFiresOnDisconnectForEveryVanishedPeerWithinIntervalPlusTimeout) {
  if (geteuid() != 0) GTEST_SKIP() << "creating network namespaces needs root (CI runs as root)";
  NamespacePair ns;
  ASSERT_TRUE(ns.ok()) << "could not create the network namespaces and veth pair";
  server->Heartbeat.Enabled = true;
  server->Heartbeat.Interval = kIntervalMs;
  server->Heartbeat.Timeout = kTimeoutMs;
  server->Heartbeat.Payload = "PING\r\n";
  const auto stop = stopAtEnd();
  const uint16_t port = startIn(ns);
  Peers peers(ns, port);
  ASSERT_TRUE(waitUntil([&] { return connects.load() == kPeers || peers.failed(); }));
  ASSERT_FALSE(peers.failed());
  // Every peer is alive and answering before it vanishes.
  ASSERT_TRUE(waitUntil([&] { return peers.answeredAPing() == kPeers; })) << peers.answeredAPing();
  EXPECT_EQ(disconnects(), 0u);
  LatenessProbe probe;
  const auto cut = std::chrono::steady_clock::now();
  ASSERT_TRUE(ns.cutClient());
  ASSERT_TRUE(waitUntil([&] { return disconnects() == std::size_t(kPeers); })) << disconnects();
  long long slowest = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& t : disconnectedAt) {
      slowest = std::max<long long>(slowest, std::chrono::duration_cast<std::chrono::milliseconds>(t - cut).count());
    }
    EXPECT_EQ(reasons["heartbeat timeout"], kPeers);
  }
  probe.stop();
  const long long allowed = probe.allowedLatenessMs(kIntervalMs + kTimeoutMs);
  std::printf("[ figures  ] %s: %d vanished peers, last OnDisconnect %lld ms after the cut "
              "(Interval %d + Timeout %d, allowed lateness %lld ms)\n", iocp() ? "iohIOCP" : "iohDefault", kPeers,
              slowest, kIntervalMs, kTimeoutMs, allowed);
  EXPECT_LE(slowest, kIntervalMs + kTimeoutMs + allowed) << probe.describe();
}

// The problem the heartbeat solves, kept as a documented contrast: without it a vanished peer is
// never noticed (no thread reads it, and the OS has nothing to report). "Never" is measured by a
// witness: a second server with the heartbeat on, whose own peers vanish with the same cut. The
// test then waits as long again as the witness needed, and the server without a heartbeat must
// still have noticed none: anything as quick as the witness's heartbeat would have shown.
TEST_P(VanishedPeer, WithoutHeartbeatAVanishedPeerIsNeverNoticed) {
  if (geteuid() != 0) GTEST_SKIP() << "creating network namespaces needs root (CI runs as root)";
  constexpr int kWitnessPeers = 20;
  NamespacePair ns;
  ASSERT_TRUE(ns.ok()) << "could not create the network namespaces and veth pair";
  std::atomic<int> witnessConnects{0}, witnessDisconnects{0};
  TIocpTCPServer witness;
  witness.Bindings.Add().IP = kServerIp;
  witness.IOHandlerOptions.IOHandlerType = GetParam();
  witness.Heartbeat.Enabled = true;
  witness.Heartbeat.Interval = 100;
  witness.Heartbeat.Timeout = 200;
  witness.Heartbeat.Payload = "PING\r\n";
  witness.OnConnect = [&](TIocpContext*) { ++witnessConnects; };
  witness.OnDisconnect = [&](TIocpContext*) { ++witnessDisconnects; };
  witness.OnExecute = [](TIocpContext* c) { c->Connection->IOHandler->ReadLn(); };
  const auto stopWitness = ServerTest::StopAtEnd{witness};
  const auto stop = stopAtEnd();
  const uint16_t port = startIn(ns);
  const uint16_t witnessPort = startIn(ns, witness);
  Peers peers(ns, port);
  Peers witnessPeers(ns, witnessPort, kWitnessPeers);
  ASSERT_TRUE(waitUntil([&] { return connects.load() == kPeers || peers.failed(); }));
  ASSERT_TRUE(waitUntil([&] { return witnessConnects.load() == kWitnessPeers || witnessPeers.failed(); }));
  ASSERT_FALSE(peers.failed());
  ASSERT_FALSE(witnessPeers.failed());
  ASSERT_TRUE(waitUntil([&] { return witnessPeers.answeredAPing() == kWitnessPeers; }));
  const auto cut = std::chrono::steady_clock::now();
  ASSERT_TRUE(ns.cutClient());
  ASSERT_TRUE(waitUntil([&] { return witnessDisconnects.load() == kWitnessPeers; })) << witnessDisconnects.load();
  std::this_thread::sleep_for(std::chrono::steady_clock::now() - cut);  // As long again.
  std::printf("[ figures  ] %s: the witness noticed its %d vanished peers within %lld ms; after twice that the "
              "server without heartbeat had noticed %zu of %d\n", iocp() ? "iohIOCP" : "iohDefault", kWitnessPeers,
              msSince(cut) / 2, disconnects(), kPeers);
  EXPECT_EQ(disconnects(), 0u) << "nothing can tell the server that the peers are gone";
  EXPECT_EQ(server->Contexts->Count(), kPeers);
}

}  // namespace
