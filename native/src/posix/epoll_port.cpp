// The completion engine's port on Linux: one edge-triggered epoll shared by the I/O threads (the
// way a completion port is shared by its pool; chosen over one epoll per thread so that any idle
// thread serves any connection, as with IOCP). Readiness edges become kEvIn / kEvOut; receive and
// send are plain non-blocking calls, so nothing is lent to the kernel while a connection waits.
// Timers: one timerfd. Wake-ups: eventfds.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <stdexcept>

#include "../fault_injection.h"
#include "linux_ports.h"

namespace iocp_native {

namespace {

// epoll tokens of the port's own descriptors; connections use their id (>= kFirstConnectionId).
constexpr uint64_t kWakeToken = 1;       // eventfd, level-triggered: written once at shutdown.
constexpr uint64_t kTimerToken = 2;      // timerfd.
constexpr uint64_t kPostToken = 3;       // eventfd: post().
constexpr uint64_t kListenerToken = 16;  // + binding index.
constexpr int kMaxEvents = 128;          // Events one epoll_wait returns at most.

class EpollSocket final : public PortSocket {
 public:
  EpollSocket(int epfd, int fd) : epfd_(epfd), fd_(fd) {}
  ~EpollSocket() override { close(); }

  long receive(Buffer& into, std::size_t max, int* err) override { return receiveThroughScratch(fd_, into, max, err); }
  long send(const char* src, std::size_t n, int* err) override { return net::sendSome(fd_, src, n, err); }
  // Edge-triggered: every arrival after the receive raises a new edge, short receive or not.
  bool shortReceiveArms() const override { return true; }
  bool sendPending() const override { return false; }  // send() copies into the kernel or refuses.
  void shutdownSend() override {
    if (fd_ >= 0) net::shutdownWrite(fd_);
  }
  void close() override {
    if (fd_ < 0) return;
    epoll_ctl(epfd_, EPOLL_CTL_DEL, fd_, nullptr);
    net::closeSocket(fd_);
    fd_ = -1;
  }
  int group() const override { return -1; }  // One epoll: any I/O thread serves any connection.

 private:
  const int epfd_;
  int fd_;
};

class EpollPort final : public Port {
 public:
  explicit EpollPort(PortEvents& events) : events_(events) {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    postFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    timerFd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (epfd_ < 0 || wakeFd_ < 0 || postFd_ < 0 || timerFd_ < 0) {
      const int err = errno;
      closeAll();
      throw std::runtime_error("cannot create epoll descriptors: " + net::errorText(err));
    }
    try {
      add(wakeFd_, EPOLLIN, kWakeToken);  // Level-triggered: wakes every I/O thread at shutdown.
      add(postFd_, EPOLLIN | EPOLLET, kPostToken);
      add(timerFd_, EPOLLIN | EPOLLET, kTimerToken);
    } catch (...) {
      closeAll();
      throw;
    }
  }

  // Listeners are closed only here, after the I/O threads are gone, so no thread can call accept
  // on a descriptor number that was reused.
  ~EpollPort() override { closeAll(); }

  void listen(const std::vector<net::OpenListener>& listeners) override {
    for (const net::OpenListener& l : listeners) listeners_.push_back(static_cast<int>(l.socket));
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
      add(listeners_[i], EPOLLIN | EPOLLET, kListenerToken + i);
    }
  }

  void resumeAccept(std::size_t binding) override { acceptAll(binding); }

  void stopAccepting() override { pauseListening(); }  // The listeners close with the port.

  void pauseListening() override {
    if (!accepting_.exchange(false)) return;  // Paused already.
    for (int l : listeners_) {
      epoll_ctl(epfd_, EPOLL_CTL_DEL, l, nullptr);
      ::shutdown(l, SHUT_RDWR);  // Leaves the listening state: the port is free to bind again.
    }
  }

  void resumeListening(const std::vector<net::OpenListener>& listeners) override {
    takeListenerNumbers(listeners_, listeners);  // Throws.
    accepting_ = true;
    for (std::size_t i = 0; i < listeners_.size(); ++i) add(listeners_[i], EPOLLIN | EPOLLET, kListenerToken + i);
  }

  std::unique_ptr<PortSocket> attach(net::SocketHandle s, uint64_t connId) override {
    const int fd = static_cast<int>(s);
    add(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, connId);
    return std::make_unique<EpollSocket>(epfd_, fd);
  }

  void run() override {
    std::array<epoll_event, kMaxEvents> events;
    std::array<IoEvent, kMaxEvents> io;
    for (;;) {
      int err = 0;
      int n = -1;
      if (!fault::takeIoWaitFailure(&err)) {
        n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), -1);
        if (n < 0) err = errno;
      }
      if (n < 0) {
        if (err == EINTR) continue;
        // The epoll is shared: the other I/O threads go on serving every connection.
        events_.onIoThreadFailed(-1, err, "epoll_wait failed: " + net::errorText(err));
        return;
      }
      bool quit = false;
      std::size_t ios = 0;
      for (int i = 0; i < n; ++i) {
        const uint64_t token = events[i].data.u64;
        const uint32_t ev = events[i].events;
        if (token >= kFirstConnectionId) {
          unsigned bits = 0;
          if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) bits |= kEvIn;
          if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) bits |= kEvInEnded;
          if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) bits |= kEvOut;
          io[ios++] = IoEvent{token, bits};
        } else if (token == kWakeToken) {
          quit = true;
        } else if (token == kTimerToken) {
          uint64_t ticks;
          (void)!::read(timerFd_, &ticks, sizeof ticks);
          events_.onTimer();
        } else if (token == kPostToken) {
          uint64_t count;
          (void)!::read(postFd_, &count, sizeof count);
          events_.onPosted();
        } else {
          acceptAll(token - kListenerToken);
        }
      }
      if (ios > 0) events_.onIo(io.data(), ios);
      if (quit) return;
    }
  }

  void post() override { signalEventFd(postFd_); }

  void armTimer(Clock::time_point when) override { armTimerFd(timerFd_, when); }

  // Nothing is outstanding in the kernel once the sockets are closed: wake everyone and go.
  void shutdown(int) override {
    signalEventFd(wakeFd_);
  }

  std::size_t helperThreads() const override { return 0; }
  // Readiness: no receive or send is ever left with the kernel to finish later.
  std::size_t pendingReceives() const override { return 0; }
  std::size_t pendingReceiveBytes() const override { return 0; }
  std::size_t pendingSends() const override { return 0; }

 private:
  void add(int fd, uint32_t events, uint64_t token) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = token;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      throw std::runtime_error("epoll_ctl(ADD) failed: " + net::errorText(errno));
    }
  }

  void acceptAll(std::size_t binding) { acceptUntilEmpty(listeners_[binding], binding, accepting_, events_); }

  void closeAll() {
    for (int l : listeners_) net::closeSocket(l);
    listeners_.clear();
    for (int* fd : {&epfd_, &wakeFd_, &postFd_, &timerFd_}) {
      if (*fd >= 0) ::close(*fd);
      *fd = -1;
    }
  }

  PortEvents& events_;
  int epfd_ = -1, wakeFd_ = -1, timerFd_ = -1, postFd_ = -1;
  std::vector<int> listeners_;  // Set by listen() before any I/O thread runs; closed at the end.
  std::atomic<bool> accepting_{true};
};

}  // namespace

std::unique_ptr<Port> makeEpollPort(PortEvents& events) { return std::make_unique<EpollPort>(events); }

}  // namespace iocp_native
