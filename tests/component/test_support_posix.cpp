#include <dirent.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include <gtest/gtest.h>

#include "address.h"  // The library's own numeric address parsing.
#include "test_support.h"

namespace testing_support {

namespace {
int countDir(const char* path) {
  DIR* d = opendir(path);
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) n += (e->d_name[0] != '.');
  closedir(d);
  return n;
}
}  // namespace

int threadCount() { return countDir("/proc/self/task"); }
int openFdCount() { return countDir("/proc/self/fd") - 1; }  // Minus the directory stream itself.

long residentKiB() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, f)) {
    if (std::sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
  }
  std::fclose(f);
  return kib;
}

int connectionResetCode() { return ECONNRESET; }
bool readersWaitOnOverlappedReceives() { return false; }

SocketOptions readSocketOptions(std::intptr_t handle) {
  const int fd = static_cast<int>(handle);
  SocketOptions o;
  int v = 0;
  socklen_t len = sizeof v;
  if (getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, &len) == 0) o.keepAlive = v != 0 ? 1 : 0;
  len = sizeof v;
  if (getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, &len) == 0) o.keepAliveIdleSeconds = v;
  len = sizeof v;
  if (getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, &len) == 0) o.keepAliveIntervalSeconds = v;
  unsigned u = 0;
  len = sizeof u;
  if (getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &u, &len) == 0) o.userTimeoutMs = static_cast<int>(u);
  len = sizeof v;
  if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len) == 0) o.receiveBuffer = v;
  len = sizeof v;
  if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &len) == 0) o.sendBuffer = v;
  return o;
}
bool descriptorLimitsApply() { return true; }
bool runningUnderWine() { return false; }

int lowestFreeDescriptor() {
  const int fd = ::dup(0);
  ::close(fd);
  return fd;
}

DescriptorLimit::DescriptorLimit(int limit) {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  saved_ = static_cast<long>(rl.rlim_cur);
  rl.rlim_cur = static_cast<rlim_t>(limit);
  EXPECT_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

void DescriptorLimit::restore() {
  if (saved_ < 0) return;
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = static_cast<rlim_t>(saved_);
  setrlimit(RLIMIT_NOFILE, &rl);
  saved_ = -1;
}

void RawSocket::connectRaw(const std::string& ip, uint16_t port, int receiveBuffer) {
  sockaddr_storage ss{};
  int len = 0;
  if (!iocp_native::net::parseAddress(ip, port, &ss, &len)) {
    ADD_FAILURE() << "not a numeric address: " << ip;
    return;
  }
  fd_ = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int fd = static_cast<int>(fd_);
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (receiveBuffer > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), static_cast<socklen_t>(len)) != 0) {
    ADD_FAILURE() << "connect to " << ip << ":" << port << " failed: " << std::strerror(errno);
    ::close(fd);
    fd_ = -1;
  }
}

bool RawSocket::sendRaw(const std::string& bytes, bool mayBeClosed) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(static_cast<int>(fd_), bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      if (!mayBeClosed) ADD_FAILURE() << "send failed: " << std::strerror(errno);
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  return true;
}

RawSocket::Received RawSocket::receiveRaw(int timeoutMs, std::string& got) {
  pollfd p{static_cast<int>(fd_), POLLIN, 0};
  if (fd_ < 0 || ::poll(&p, 1, timeoutMs) <= 0) return Received::Nothing;
  char buf[65536];
  const ssize_t n = ::recv(static_cast<int>(fd_), buf, sizeof buf, 0);
  if (n <= 0) return Received::End;  // 0: the FIN; < 0 on a readable socket: a reset.
  got.append(buf, static_cast<std::size_t>(n));
  return Received::Bytes;
}

uint16_t RawSocket::localPort() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (fd_ < 0 || ::getsockname(static_cast<int>(fd_), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  return ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

void RawSocket::resetClose() {
  if (fd_ < 0) return;
  linger l{1, 0};
  setsockopt(static_cast<int>(fd_), SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(static_cast<int>(fd_));
  fd_ = -1;
}

void RawSocket::closeRaw() {
  if (fd_ < 0) return;
  ::close(static_cast<int>(fd_));
  fd_ = -1;
}

namespace raw {

Socket listenOn(const std::string& ip, int backlog, uint16_t* port) {
  sockaddr_storage ss{};
  int len = 0;
  if (!iocp_native::net::parseAddress(ip, 0, &ss, &len)) return -1;
  const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  socklen_t got = sizeof ss;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), static_cast<socklen_t>(len)) != 0 || ::listen(fd, backlog) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &got) != 0) {
    ::close(fd);
    return -1;
  }
  *port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                         : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return fd;
}

// listen() silently caps a larger backlog at net.core.somaxconn.
int systemMaxBacklog() { return 0x7fffffff; }

Socket connectTo(const std::string& ip, uint16_t port) {
  sockaddr_storage ss{};
  int len = 0;
  if (!iocp_native::net::parseAddress(ip, port, &ss, &len)) return -1;
  const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&ss), static_cast<socklen_t>(len)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

Socket accept(Socket listener) {
  const int fd = ::accept4(static_cast<int>(listener), nullptr, nullptr, SOCK_CLOEXEC);
  return fd < 0 ? -1 : fd;
}

long recv(Socket s, char* bytes, std::size_t n) { return static_cast<long>(::recv(static_cast<int>(s), bytes, n, 0)); }
long send(Socket s, const char* bytes, std::size_t n) {
  return static_cast<long>(::send(static_cast<int>(s), bytes, n, MSG_NOSIGNAL));
}
void close(Socket s) { ::close(static_cast<int>(s)); }
void setReceiveTimeout(Socket s, int seconds) {
  timeval tv{seconds, 0};
  setsockopt(static_cast<int>(s), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}
void keepBrokenPipesFromEndingThisThread() {
  // SIGPIPE from write() is sent to the writing thread: blocked there, it stays pending (and goes
  // with the thread) while write() returns EPIPE.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
}

}  // namespace raw

BurstResult echoBurst(const std::string& ip, uint16_t port, int count, int deadlineMs) {
  struct Client {
    int fd = -1;
    bool connected = false;
    bool done = false;
    std::string got;
  };
  BurstResult r;
  sockaddr_storage ss{};
  int len = 0;
  if (!iocp_native::net::parseAddress(ip, port, &ss, &len)) {
    ADD_FAILURE() << "not a numeric address: " << ip;
    return r;
  }
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<Client> clients(static_cast<std::size_t>(count));
  const std::string line = "burst line\r\n";
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < clients.size(); ++i) {
    Client& c = clients[i];
    c.fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (c.fd < 0) continue;
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&ss), static_cast<socklen_t>(len)) != 0 && errno != EINPROGRESS) {
      ::close(c.fd);
      c.fd = -1;
      continue;
    }
    epoll_event ev{};
    ev.events = EPOLLOUT | EPOLLIN;  // Level-triggered: writable = the connect completed.
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }
  std::vector<epoll_event> events(512);
  while (r.echoed < count && msSince(t0) < deadlineMs) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 50);
    for (int k = 0; k < n; ++k) {
      Client& c = clients[events[k].data.u64];
      if (c.fd < 0 || c.done) continue;
      if (!c.connected) {
        int err = 0;
        socklen_t errLen = sizeof err;
        ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &errLen);
        if (err != 0 || !(events[k].events & EPOLLOUT)) {
          if (err == 0) continue;  // Not connected yet.
          ::close(c.fd);  // Refused or reset: this client is out.
          c.fd = -1;
          continue;
        }
        c.connected = true;
        ++r.connected;
        r.lastConnectedMs = msSince(t0);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = events[k].data.u64;
        ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
        ::send(c.fd, line.data(), line.size(), MSG_NOSIGNAL);  // Small: always fits the buffer.
        continue;
      }
      char buf[512];
      const ssize_t got = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (got <= 0) continue;
      c.got.append(buf, static_cast<std::size_t>(got));
      if (c.got.find("\r\n") == std::string::npos) continue;
      if (c.got != line) continue;  // Not the line sent: not an echo.
      c.done = true;
      ++r.echoed;
      r.lastEchoedMs = msSince(t0);
      ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
    }
  }
  r.retransmissions = 0;
  for (Client& c : clients) {
    if (c.fd < 0) continue;
    tcp_info info{};
    socklen_t infoLen = sizeof info;
    if (::getsockopt(c.fd, IPPROTO_TCP, TCP_INFO, &info, &infoLen) == 0) r.retransmissions += info.tcpi_total_retrans;
    ::close(c.fd);
  }
  ::close(ep);
  return r;
}

}  // namespace testing_support
