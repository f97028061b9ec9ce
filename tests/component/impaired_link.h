// Two network namespaces joined by a lossy link, for tests of what crosses a bad network
// (lossy_network_test.cpp). Each namespace has a TUN device; a forwarder thread of the test
// process moves every IP packet from one device to the other and impairs it on the way the way
// Linux's netem queueing discipline does (`tc qdisc add ... netem loss 1% delay 10ms 5ms
// reorder 5% duplicate 1%`): loss, delay with jitter (packets overtake each other), packets
// sent at once past the delayed ones (reordering), duplicates; and on request a blackout (every
// packet dropped for a while) and peers that vanish (every packet of one client port dropped
// from then on, both ways). netem itself needs the kernel's sch_netem module, which kernels
// built without modules (containers, sandboxes) do not have; a TUN device only needs
// /dev/net/tun. The kernels' TCP stacks on both sides are real: they retransmit, reorder and
// drop duplicates themselves. Linux, root. The namespaces go with the destructor, also when a
// test fails.
#pragma once

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "netns_pair.h"

namespace testing_support {

// Addresses that exist only on the link an ImpairedLink creates.
constexpr const char* kLinkServerIp = "10.232.0.1";
constexpr const char* kLinkClientIp = "10.232.0.2";

// What happens to each packet, each way (netem's parameters).
struct Impairment {
  // Dropped, but never two packets in a row of one connection and direction (counting the
  // blackout's): netem's plain loss is independent, and with a thousand connections its rare runs
  // of losses stretch TCP's doubling retransmission timeout to many seconds of silence, which a
  // heartbeat rightly takes for a dead peer. Bounded runs keep the worst silence of a living
  // connection near the blackout plus a few retransmission timeouts.
  double lossPercent = 0;
  int delayMs = 0;              // Held this long ...
  int jitterMs = 0;             // ... plus or minus up to this (uniform): later packets may overtake.
  double reorderPercent = 0;    // Sent at once, past the packets being held.
  double duplicatePercent = 0;  // Sent twice (each copy delayed on its own).
};

class ImpairedLink {
 public:
  ImpairedLink(const Impairment& impairment, uint32_t seed) : impairment_(impairment), rng_(seed) {
    const std::string id = std::to_string(getpid());
    server_ = "iocpl-s" + id;
    client_ = "iocpl-c" + id;
    ok_ = run("ip netns add " + server_) && run("ip netns add " + client_) &&
          (serverTun_ = openTun(server_)) >= 0 && (clientTun_ = openTun(client_)) >= 0 &&
          configure(server_, kLinkServerIp, kLinkClientIp) && configure(client_, kLinkClientIp, kLinkServerIp);
    if (ok_) forwarder_ = std::thread([this] { forward(); });
  }
  ~ImpairedLink() {
    stop_ = true;
    if (forwarder_.joinable()) forwarder_.join();
    if (serverTun_ >= 0) close(serverTun_);
    if (clientTun_ >= 0) close(clientTun_);
    run("ip netns del " + server_);
    run("ip netns del " + client_);
  }
  ImpairedLink(const ImpairedLink&) = delete;
  ImpairedLink& operator=(const ImpairedLink&) = delete;

  bool ok() const { return ok_; }
  // Move the calling thread into a namespace (sockets it creates from now on live there).
  bool enterServer() const { return enterNamespace(server_); }
  bool enterClient() const { return enterNamespace(client_); }
  // Every packet, both ways, is dropped from now on for `duration`. Any thread.
  void blackout(std::chrono::milliseconds duration) {
    blackoutUntil_ = (Clock::now() + duration).time_since_epoch().count();
  }
  // The client with this (TCP) port vanishes: every packet of its connection is dropped from now
  // on, both ways, so neither side hears of the other again (no FIN, no RST). Any thread.
  void vanish(uint16_t clientPort) { vanished_[clientPort] = true; }

  // What the forwarder did so far, both ways together. Any thread.
  struct Counters {
    std::atomic<uint64_t> forwarded{0}, lost{0}, duplicated{0}, reordered{0}, blackedOut{0}, vanished{0};
  };
  const Counters& counters() const { return counters_; }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr const char* kDevice = "iocptun";

  // A TUN device (IP packets, no extra header) created inside `ns`; its descriptor, or -1.
  static int openTun(const std::string& ns) {
    int fd = -1;
    std::thread([&] {
      if (!enterNamespace(ns)) return;
      fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
      if (fd < 0) return;
      ifreq ifr{};
      std::strncpy(ifr.ifr_name, kDevice, IFNAMSIZ - 1);
      ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
      if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        close(fd);
        fd = -1;
      }
    }).join();
    return fd;
  }
  // The device's address and its peer's, up; a queue long enough that the kernel drops nothing
  // of its own while the forwarder is busy (the loss is the forwarder's to decide).
  static bool configure(const std::string& ns, const char* self, const char* peer) {
    const std::string ip = "ip -n " + ns + " ";
    return run(ip + "addr add " + self + " peer " + peer + " dev " + kDevice) &&
           run(ip + "link set " + kDevice + " txqueuelen 10000 up") && run(ip + "link set lo up");
  }

  struct Held {
    Clock::time_point due;
    uint64_t order;  // Among packets due at the same moment, the first held goes first.
    int to;
    uint16_t port;   // The client's.
    bool fromServer;
    std::string packet;
    bool operator>(const Held& o) const { return due != o.due ? due > o.due : order > o.order; }
  };

  bool chance(double percent) { return percent > 0 && std::uniform_real_distribution<double>(0, 100)(rng_) < percent; }

  // The client's port of an IPv4 TCP packet (its source going to the server, its destination
  // coming back); 0 for anything else.
  static uint16_t clientPort(const std::string& p, bool fromServer) {
    if (p.size() < 20 || (static_cast<unsigned char>(p[0]) >> 4) != 4 || p[9] != 6) return 0;
    const std::size_t ihl = (static_cast<unsigned char>(p[0]) & 0x0F) * 4u;
    if (p.size() < ihl + 4) return 0;
    const std::size_t at = ihl + (fromServer ? 2 : 0);
    return static_cast<uint16_t>((static_cast<unsigned char>(p[at]) << 8) | static_cast<unsigned char>(p[at + 1]));
  }

  std::vector<bool>::reference droppedLast(uint16_t port, bool fromServer) {
    return droppedLast_[port * 2u + (fromServer ? 1u : 0u)];
  }

  // Whether a blackout or a vanished client drops the packet now (when it arrives, and again when
  // it is due: nothing held crosses a blackout or reaches a vanished client).
  bool cut(uint16_t port, bool fromServer, Clock::time_point now) {
    if (now.time_since_epoch().count() < blackoutUntil_.load()) {
      ++counters_.blackedOut;
      droppedLast(port, fromServer) = true;
      return true;
    }
    if (vanished_[port]) {
      ++counters_.vanished;
      return true;
    }
    return false;
  }

  void take(std::string packet, bool fromServer, Clock::time_point now) {
    const int to = fromServer ? clientTun_ : serverTun_;
    const uint16_t port = clientPort(packet, fromServer);
    std::vector<bool>::reference droppedLast = this->droppedLast(port, fromServer);
    if (cut(port, fromServer, now)) return;
    if (!droppedLast && chance(impairment_.lossPercent)) {
      ++counters_.lost;
      droppedLast = true;
      return;
    }
    droppedLast = false;
    const int copies = chance(impairment_.duplicatePercent) ? 2 : 1;
    if (copies == 2) ++counters_.duplicated;
    for (int c = 0; c < copies; ++c) {
      int delay = 0;
      if (chance(impairment_.reorderPercent)) {
        ++counters_.reordered;
      } else {
        delay = impairment_.delayMs +
                std::uniform_int_distribution<int>(-impairment_.jitterMs, impairment_.jitterMs)(rng_);
      }
      held_.push(Held{now + std::chrono::milliseconds(delay < 0 ? 0 : delay), order_++, to, port, fromServer, packet});
    }
  }

  void forward() {
    pollfd fds[2] = {{serverTun_, POLLIN, 0}, {clientTun_, POLLIN, 0}};
    char buf[65536];
    while (!stop_) {
      Clock::time_point now = Clock::now();
      while (!held_.empty() && held_.top().due <= now) {
        const Held& h = held_.top();
        if (!cut(h.port, h.fromServer, now)) {
          if (write(h.to, h.packet.data(), h.packet.size()) > 0) {
            ++counters_.forwarded;
          } else {  // The device refused it (full): a loss like any other.
            ++counters_.lost;
            droppedLast(h.port, h.fromServer) = true;
          }
        }
        held_.pop();
      }
      int waitMs = 20;
      if (!held_.empty()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(held_.top().due - now).count();
        waitMs = static_cast<int>(left < 0 ? 0 : left < 20 ? left : 20);
      }
      if (poll(fds, 2, waitMs) <= 0) continue;
      now = Clock::now();
      for (int side = 0; side < 2; ++side) {
        if (!(fds[side].revents & POLLIN)) continue;
        for (int k = 0; k < 256; ++k) {  // Both ways get their turn.
          const ssize_t n = read(fds[side].fd, buf, sizeof buf);
          if (n <= 0) break;
          take(std::string(buf, static_cast<std::size_t>(n)), side == 0, now);
        }
      }
    }
  }

  const Impairment impairment_;
  std::mt19937 rng_;  // The forwarder's only.
  std::string server_, client_;
  int serverTun_ = -1, clientTun_ = -1;
  bool ok_ = false;
  std::thread forwarder_;
  std::atomic<bool> stop_{false};
  std::atomic<Clock::rep> blackoutUntil_{0};
  std::unique_ptr<std::atomic<bool>[]> vanished_{new std::atomic<bool>[65536]()};
  std::priority_queue<Held, std::vector<Held>, std::greater<Held>> held_;  // The forwarder's only.
  std::vector<bool> droppedLast_ = std::vector<bool>(2 * 65536);  // Per client port and direction; the forwarder's.
  uint64_t order_ = 0;
  Counters counters_;
};

}  // namespace testing_support
