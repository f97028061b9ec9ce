// bench_echo_epoll: benchmark peer, the reference "bare loop" echo server. One thread, one
// level-triggered epoll set, non-blocking sockets: every read is written straight back; what the
// socket does not take is kept and sent on EPOLLOUT (reading pauses meanwhile). Echoes raw bytes.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "peer_common.h"

namespace {

// Level-triggered: one read per readiness event and no read that only returns EAGAIN (which
// edge-triggered mode needs to re-arm); for request/response traffic that is the fewest syscalls.
constexpr std::size_t kReadSize = 16 * 1024;
constexpr int kMaxEvents = 512;

struct Loop {
  int epfd = -1;
  int listener = -1;
  int signals = -1;
  int spare = -1;                    // Held open so that EMFILE can still drain the accept queue.
  std::vector<std::string> pending;  // By fd: bytes read but not yet written back.
  std::vector<char> open;            // By fd: a connection we serve.
  char buf[kReadSize];               // Read buffer; its bytes are written back at once.
};

void fail(const char* what) {
  std::fprintf(stderr, "bench_echo_epoll: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

bool watch(Loop& L, int op, int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  return epoll_ctl(L.epfd, op, fd, &ev) == 0;
}

void closeConnection(Loop& L, int fd) {
  close(fd);  // Also leaves the epoll set (no dup of the fd exists).
  L.open[fd] = 0;
  std::string().swap(L.pending[fd]);
}

void acceptAll(Loop& L) {
  for (;;) {
    const int fd = accept4(L.listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && L.spare >= 0) {
        // Out of descriptors: accept and drop the connection, or the level-triggered listener
        // would report the same queued connection forever.
        close(L.spare);
        const int dropped = accept(L.listener, nullptr, nullptr);
        if (dropped >= 0) close(dropped);
        L.spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
        continue;
      }
      return;  // EAGAIN: queue drained (other errors: retried on the next event).
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!watch(L, EPOLL_CTL_ADD, fd, EPOLLIN)) {
      close(fd);
      continue;
    }
    if (static_cast<std::size_t>(fd) >= L.open.size()) {
      L.open.resize(static_cast<std::size_t>(fd) * 2 + 1, 0);
      L.pending.resize(L.open.size());
    }
    L.open[fd] = 1;
  }
}

// Writes data; returns the number of bytes written (short when the socket is full) or -1 on error.
ssize_t writeSome(int fd, const char* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = send(fd, data + done, size - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      return -1;
    }
  }
  return static_cast<ssize_t>(done);
}

void serve(Loop& L, int fd, uint32_t events) {
  std::string& pending = L.pending[fd];
  if (!pending.empty()) {  // Waiting for room (EPOLLOUT): send the rest, then read again.
    const ssize_t n = writeSome(fd, pending.data(), pending.size());
    if (n < 0) return closeConnection(L, fd);
    pending.erase(0, static_cast<std::size_t>(n));
    if (pending.empty() && !watch(L, EPOLL_CTL_MOD, fd, EPOLLIN)) closeConnection(L, fd);
    return;
  }
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0) return;
  const ssize_t got = recv(fd, L.buf, sizeof L.buf, 0);
  if (got == 0) return closeConnection(L, fd);  // EOF.
  if (got < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    return closeConnection(L, fd);
  }
  const ssize_t sent = writeSome(fd, L.buf, static_cast<std::size_t>(got));
  if (sent < 0) return closeConnection(L, fd);
  if (sent < got) {  // Socket full: keep the rest and wait for EPOLLOUT instead of reading on.
    pending.assign(L.buf + sent, static_cast<std::size_t>(got - sent));
    if (!watch(L, EPOLL_CTL_MOD, fd, EPOLLOUT)) closeConnection(L, fd);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const peer::Spec spec{"bench_echo_epoll", 1, nullptr, nullptr};
  const peer::Options opt = peer::parseArgs(argc, argv, spec);
  peer::raiseFileLimit();

  static Loop L;  // Static: the read buffer is not stack material.
  // SIGINT/SIGTERM arrive as readable events on a signalfd in the same epoll set.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  if (sigprocmask(SIG_BLOCK, &stopSignals, nullptr) != 0) fail("sigprocmask");
  L.signals = signalfd(-1, &stopSignals, SFD_NONBLOCK | SFD_CLOEXEC);
  if (L.signals < 0) fail("signalfd");
  L.spare = open("/dev/null", O_RDONLY | O_CLOEXEC);

  L.listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (L.listener < 0) fail("socket");
  const int one = 1;
  setsockopt(L.listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(opt.port);
  inet_pton(AF_INET, opt.host.c_str(), &addr.sin_addr);
  if (bind(L.listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fail(("bind " + opt.host + ":" + std::to_string(opt.port)).c_str());
  if (listen(L.listener, INT_MAX) != 0) fail("listen");  // The kernel caps it at net.core.somaxconn.
  socklen_t len = sizeof addr;
  if (getsockname(L.listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) fail("getsockname");

  L.epfd = epoll_create1(EPOLL_CLOEXEC);
  if (L.epfd < 0) fail("epoll_create1");
  if (!watch(L, EPOLL_CTL_ADD, L.listener, EPOLLIN) || !watch(L, EPOLL_CTL_ADD, L.signals, EPOLLIN)) fail("epoll_ctl");
  L.open.assign(1024, 0);
  L.pending.resize(L.open.size());

  peer::announce(ntohs(addr.sin_port));
  epoll_event events[kMaxEvents];
  for (bool running = true; running;) {
    const int n = epoll_wait(L.epfd, events, kMaxEvents, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == L.listener) {
        acceptAll(L);
      } else if (fd == L.signals) {
        running = false;
      } else if (L.open[fd]) {
        serve(L, fd, events[i].events);
      }
    }
  }

  close(L.listener);
  for (std::size_t fd = 0; fd < L.open.size(); ++fd) {
    if (L.open[fd]) close(static_cast<int>(fd));
  }
  close(L.epfd);
  close(L.signals);
  if (L.spare >= 0) close(L.spare);
  return 0;
}
