// A bad network (impaired_link.h: two namespaces, every packet through a forwarder that loses 1 %,
// delays 10 ms ± 5 ms, sends 5 % at once past the others and duplicates 1 %, as netem would),
// 1,000 connections echoing checksummed lines through the line-echo server (ReadLn/WriteLn, the
// Indy handler) in both engines, and through the completion engine's event model (OnMessage); the
// test command's io_uring pass runs the completion engine again on io_uring. Under that load a blackout (every packet dropped for 500 ms), and 20 clients
// vanish (every packet of theirs dropped from then on, both ways).
// Outcome: every line a living client sent comes back whole, once and in order (0 bytes lost or
// corrupted), no living connection ends, and each vanished client is closed by the heartbeat
// (reason "heartbeat timeout"), the only connections that end.
// Linux only (network namespaces, /dev/net/tun; needs root, which CI has).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "calibration.h"
#include "impaired_link.h"
#include "server_fixture.h"

using namespace Iocp;
using namespace testing_support;

namespace {

constexpr int kClients = 1000;
constexpr int kVanishEvery = 50;  // Clients 0, 50, 100, ... vanish: 20 of them.
constexpr int kVanishing = kClients / kVanishEvery;
constexpr int kPaceMs = 100;      // A client sends a line at most this often ...
constexpr int kOutstanding = 2;   // ... and has at most this many unanswered.
// Heartbeat: a client silent for Interval + Timeout is dead. Longer than any silence a living
// client can have here: the blackout plus TCP's retransmission timeout doubling after it, and once
// more for a loss right after (the link never loses two packets in a row of one connection; each
// timeout is at least 200 ms, more on a loaded machine).
constexpr int kIntervalMs = 500, kTimeoutMs = 5000;

uint32_t fnv1a(const std::string& s) {
  uint32_t h = 2166136261u;
  for (const unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

// Line `seq` of client `index`: 16-999 letters and digits from a generator of its own, a blank,
// the FNV-1a checksum of the letters in hex, CRLF.
std::string lineOf(int index, uint64_t seq) {
  std::mt19937_64 g(static_cast<uint64_t>(index) * 1000003u + seq);
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string body(16 + g() % 984, ' ');
  for (char& c : body) c = kAlphabet[g() % 62];
  char sum[16];
  std::snprintf(sum, sizeof sum, " %08" PRIx32 "\r\n", fnv1a(body));
  return body + sum;
}

// Whether a received line (CRLF included) carries the right checksum of its letters.
bool checksumHolds(const std::string& line) {
  if (line.size() < 12) return false;
  const std::string body = line.substr(0, line.size() - 11);
  char sum[16];
  std::snprintf(sum, sizeof sum, " %08" PRIx32 "\r\n", fnv1a(body));
  return line.compare(line.size() - 11, 11, sum) == 0;
}

// kClients clients in the client namespace, on one thread (epoll): each sends its lines, paced,
// and checks every echoed line against what it sent.
class Clients {
 public:
  Clients(const ImpairedLink& link, uint16_t port) : conns_(kClients) {
    thread_ = std::thread([this, &link, port] { body(link, port); });
  }
  ~Clients() {
    stop_ = true;
    thread_.join();
  }
  int connected() const { return connected_.load(); }
  bool failed() const { return failed_.load(); }
  // Living clients whose echoes, since markProgress(), include at least one line.
  int progressed() const { return progressed_.load(); }
  void markProgress() { markProgress_ = true; }
  // Stop sending new lines; answered() is true once every line sent is answered.
  void finish() { finishing_ = true; }
  bool answered() const { return answered_.load(); }
  uint16_t port(int i) const { return conns_[i].port; }
  void vanish(int i) { conns_[i].vanished = true; }

  // After the thread stopped (or between its rounds, read under the lock).
  struct Totals {
    uint64_t linesEchoed = 0, bytesEchoed = 0, mismatched = 0, badChecksums = 0;
    uint64_t livingSent = 0, livingEchoed = 0;  // Lines of the clients that did not vanish.
    int ended = 0;  // Living connections that ended (EOF, reset) before the client closed them.
    std::string firstProblem;
  };
  Totals totals() {
    std::lock_guard<std::mutex> lock(mu_);
    Totals t = totals_;
    for (const Conn& c : conns_) {
      if (c.vanished) continue;
      t.livingSent += c.nextSeq;
      t.livingEchoed += c.echoed;
    }
    return t;
  }

 private:
  struct Conn {
    int fd = -1;
    uint16_t port = 0;
    std::atomic<bool> vanished{false};
    bool connected = false, ended = false, progressed = false;
    uint64_t nextSeq = 0;  // Lines sent.
    uint64_t echoed = 0;   // Lines echoed whole and in order.
    std::deque<std::string> expected;  // Sent, not yet echoed, oldest first.
    std::string out, in;
    std::chrono::steady_clock::time_point nextSend;
  };

  void problem(const std::string& what) {
    if (totals_.firstProblem.empty()) totals_.firstProblem = what;
  }

  void body(const ImpairedLink& link, uint16_t port) {
    if (!link.enterClient()) {
      failed_ = true;
      return;
    }
    const int ep = epoll_create1(EPOLL_CLOEXEC);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    inet_pton(AF_INET, kLinkServerIp, &to.sin_addr);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kClients; ++i) {
      Conn& c = conns_[i];
      c.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      if (c.fd < 0 || (connect(c.fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 && errno != EINPROGRESS)) {
        std::lock_guard<std::mutex> lock(mu_);
        problem("client " + std::to_string(i) + ": " + (c.fd < 0 ? "socket: " : "connect: ") + strerror(errno));
        failed_ = true;
        break;
      }
      sockaddr_in self{};
      socklen_t len = sizeof self;
      getsockname(c.fd, reinterpret_cast<sockaddr*>(&self), &len);
      c.port = ntohs(self.sin_port);
      c.nextSend = start + std::chrono::milliseconds(i % kPaceMs);  // Spread over the first pace.
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
      ev.data.u32 = static_cast<uint32_t>(i);
      epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    }
    std::vector<epoll_event> events(256);
    while (!stop_ && !failed_) {
      const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 10);
      std::lock_guard<std::mutex> lock(mu_);
      if (markProgress_.exchange(false)) {
        for (Conn& c : conns_) c.progressed = false;
        progressed_ = 0;
      }
      for (int k = 0; k < n; ++k) {
        Conn& c = conns_[events[k].data.u32];
        if (events[k].events & EPOLLOUT) {
          if (!c.connected) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0) {
              problem("connect: " + std::string(strerror(err)));
              failed_ = true;
              continue;
            }
            c.connected = true;
            ++connected_;
          }
          flush(c);
        }
        if (events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) receive(c, static_cast<int>(events[k].data.u32));
      }
      const auto now = std::chrono::steady_clock::now();
      const bool finishing = finishing_;  // One value for the whole round.
      bool allAnswered = true;
      for (int i = 0; i < kClients; ++i) {
        Conn& c = conns_[i];
        if (!c.connected || c.ended || c.vanished) continue;
        if (!c.expected.empty()) allAnswered = false;
        if (finishing || now < c.nextSend || c.expected.size() >= kOutstanding) continue;
        const std::string line = lineOf(i, c.nextSeq++);
        c.expected.push_back(line);
        c.out += line;
        c.nextSend = now + std::chrono::milliseconds(kPaceMs);
        flush(c);
      }
      answered_ = finishing && allAnswered;
    }
    for (Conn& c : conns_)
      if (c.fd >= 0) close(c.fd);
    close(ep);
  }

  void flush(Conn& c) {
    while (!c.out.empty()) {
      const ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n <= 0) return;  // Full (EPOLLOUT comes), or an error the next receive reports.
      c.out.erase(0, static_cast<std::size_t>(n));
    }
  }

  void receive(Conn& c, int index) {
    char buf[16384];
    for (;;) {
      const ssize_t n = recv(c.fd, buf, sizeof buf, 0);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n <= 0) {
        if (!c.vanished && !c.ended) {
          c.ended = true;
          ++totals_.ended;
          problem("client " + std::to_string(index) + ": the connection ended (" +
                  (n == 0 ? std::string("EOF") : std::string(strerror(errno))) + ")");
        }
        return;
      }
      if (c.vanished) continue;  // Nothing arrives once vanished; whatever was already in is left.
      c.in.append(buf, static_cast<std::size_t>(n));
    }
    std::size_t pos;
    while ((pos = c.in.find("\r\n")) != std::string::npos) {
      const std::string line = c.in.substr(0, pos + 2);
      c.in.erase(0, pos + 2);
      if (!checksumHolds(line)) {
        ++totals_.badChecksums;
        problem("client " + std::to_string(index) + ": a line with a wrong checksum (corrupted)");
      }
      if (c.expected.empty() || line != c.expected.front()) {
        ++totals_.mismatched;
        problem("client " + std::to_string(index) + ": a line that is not the next one sent (lost, duplicated "
                "or out of order)");
        continue;
      }
      c.expected.pop_front();
      ++totals_.linesEchoed;
      ++c.echoed;
      totals_.bytesEchoed += line.size();
      if (!c.progressed) {
        c.progressed = true;
        ++progressed_;
      }
    }
  }

  std::vector<Conn> conns_;
  std::thread thread_;
  std::mutex mu_;  // Conn state and totals_ (the thread holds it for each round).
  Totals totals_;
  std::atomic<bool> stop_{false}, failed_{false}, finishing_{false}, answered_{false}, markProgress_{false};
  std::atomic<int> connected_{0}, progressed_{0};
};

class LossyNetwork : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    server->Bindings[0].IP = kLinkServerIp;
    server->ListenQueue = kClients;
    server->Heartbeat.Enabled = true;
    server->Heartbeat.Interval = kIntervalMs;
    server->Heartbeat.Timeout = kTimeoutMs;
    server->Heartbeat.Payload = "";  // Nothing sent: the clients' own lines show they live.
    server->OnConnect = [this](TIocpContext*) { ++connects; };
    server->OnDisconnect = [this](TIocpContext* c) {
      std::lock_guard<std::mutex> lock(mu);
      reasons[c->DisconnectReason()]++;
    };
    echo();
  }
  int disconnects() {
    std::lock_guard<std::mutex> lock(mu);
    int n = 0;
    for (const auto& r : reasons) n += r.second;
    return n;
  }
  std::string describeReasons() {
    std::lock_guard<std::mutex> lock(mu);
    std::string s;
    for (const auto& r : reasons) s += r.first + ": " + std::to_string(r.second) + "; ";
    return s;
  }

  // The whole scenario (see the top of the file); `model` names the server's handler model.
  void serveThroughABadNetwork(const char* model) {
    Impairment bad;
    bad.lossPercent = 1;
    bad.delayMs = 10;
    bad.jitterMs = 5;
    bad.reorderPercent = 5;
    bad.duplicatePercent = 1;
    ImpairedLink link(bad, 20261207);
    ASSERT_TRUE(link.ok()) << "could not create the namespaces and their TUN devices (/dev/net/tun)";
    const auto stop = stopAtEnd();
    bool entered = false;
    std::thread([&] {
      entered = link.enterServer();
      if (entered) server->Active = true;
    }).join();
    ASSERT_TRUE(entered);
    const auto started = std::chrono::steady_clock::now();
    Clients clients(link, server->Bindings[0].Port);
    ASSERT_TRUE(waitUntil([&] { return clients.connected() == kClients || clients.failed(); }, 60000))
        << clients.connected() << " of " << kClients << " connected";
    ASSERT_FALSE(clients.failed()) << clients.totals().firstProblem;
    ASSERT_TRUE(waitUntil([&] { return connects.load() == kClients; })) << connects.load();
    ASSERT_TRUE(waitUntil([&] { return clients.progressed() == kClients; })) << clients.progressed();

    // Under load: 20 clients vanish, then every packet is dropped for 500 ms.
    LatenessProbe probe;  // How late this machine runs timers while the heartbeat's are due.
    const auto vanished = std::chrono::steady_clock::now();
    for (int i = 0; i < kClients; i += kVanishEvery) {
      clients.vanish(i);
      link.vanish(clients.port(i));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    link.blackout(std::chrono::milliseconds(500));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    // Every living client is answered again after the blackout ...
    clients.markProgress();
    ASSERT_TRUE(waitUntil([&] { return clients.progressed() == kClients - kVanishing; }))
        << clients.progressed() << "; " << clients.totals().firstProblem << "; ends: " << describeReasons();
    // ... and the heartbeat closes the vanished ones.
    ASSERT_TRUE(waitUntil([&] { return disconnects() >= kVanishing; }, 60000)) << describeReasons();
    const long long heartbeatMs = msSince(vanished);
    probe.stop();
    // Nothing of theirs arrives after they vanish: the next ping comes within Interval, the close
    // Timeout after it.
    EXPECT_LE(heartbeatMs, kIntervalMs + kTimeoutMs + probe.allowedLatenessMs(kIntervalMs + kTimeoutMs))
        << probe.describe();
    clients.finish();
    ASSERT_TRUE(waitUntil([&] { return clients.answered(); })) << clients.totals().firstProblem;

    const Clients::Totals t = clients.totals();
    EXPECT_EQ(t.mismatched, 0u) << t.firstProblem;
    EXPECT_EQ(t.badChecksums, 0u) << t.firstProblem;
    EXPECT_EQ(t.ended, 0) << t.firstProblem;
    EXPECT_EQ(t.livingEchoed, t.livingSent) << "every line sent by a living client is answered";
    {
      std::lock_guard<std::mutex> lock(mu);
      EXPECT_EQ(reasons["heartbeat timeout"], kVanishing);
    }
    EXPECT_EQ(disconnects(), kVanishing) << "only the vanished clients end: " << describeReasons();
    const auto& n = link.counters();
    EXPECT_GT(n.lost.load(), 0u);
    EXPECT_GT(n.duplicated.load(), 0u);
    EXPECT_GT(n.reordered.load(), 0u);
    EXPECT_GT(n.blackedOut.load(), 0u);
    EXPECT_GT(n.vanished.load(), 0u);
    std::printf("[ figures  ] %s: %d clients, %" PRIu64 " lines (%" PRIu64 " bytes) echoed whole in %lld ms; "
                "packets forwarded %" PRIu64 ", lost %" PRIu64 ", duplicated %" PRIu64 ", sent past others %" PRIu64
                ", dropped in the blackout %" PRIu64 ", of vanished clients %" PRIu64
                "; %d vanished clients closed by the heartbeat within %lld ms\n",
                model, kClients, t.linesEchoed, t.bytesEchoed, msSince(started),
                n.forwarded.load(), n.lost.load(), n.duplicated.load(), n.reordered.load(), n.blackedOut.load(),
                n.vanished.load(), kVanishing, heartbeatMs);
  }

  std::atomic<int> connects{0};
  std::mutex mu;
  std::map<std::string, int> reasons;
};
INSTANTIATE_FOR_BOTH_ENGINES(LossyNetwork);

TEST_P(LossyNetwork, EveryLineComesBackWholeAndOnlyTheVanishedAreClosedByTheHeartbeat) {
  if (geteuid() != 0) GTEST_SKIP() << "creating network namespaces needs root (CI runs as root)";
  serveThroughABadNetwork(iocp() ? "iohIOCP, OnExecute" : "iohDefault, OnExecute");
}

// The completion engine's event model (OnMessage per line, no fiber): its own reading, writing and
// backpressure code (EventConnection), through the same network.
class LossyNetworkEvents : public LossyNetwork {};
INSTANTIATE_TEST_SUITE_P(Engines, LossyNetworkEvents, ::testing::Values(iohIOCP), engineName);

TEST_P(LossyNetworkEvents, EveryLineComesBackWholeAndOnlyTheVanishedAreClosedByTheHeartbeat) {
  if (geteuid() != 0) GTEST_SKIP() << "creating network namespaces needs root (CI runs as root)";
  server->OnExecute = nullptr;
  server->Framing.Kind = fkLine;
  server->OnMessage = [](TIocpContext* AContext, std::string_view ALine) {
    std::string out(ALine);
    out += "\r\n";
    AContext->Connection->IOHandler->Write(out);
  };
  serveThroughABadNetwork("iohIOCP, OnMessage");
}

}  // namespace
