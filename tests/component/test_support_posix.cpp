#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
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

RawSocket::RawSocket(const std::string& ip, uint16_t port, int receiveBuffer) {
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

RawSocket::~RawSocket() { close(); }

void RawSocket::send(const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(static_cast<int>(fd_), bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      ADD_FAILURE() << "send failed: " << std::strerror(errno);
      return;
    }
    off += static_cast<std::size_t>(n);
  }
}

std::string RawSocket::recvSome(int timeoutMs) {
  pollfd p{static_cast<int>(fd_), POLLIN, 0};
  if (::poll(&p, 1, timeoutMs) <= 0) return {};
  char buf[65536];
  const ssize_t n = ::recv(static_cast<int>(fd_), buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

void RawSocket::resetClose() {
  if (fd_ < 0) return;
  linger l{1, 0};
  setsockopt(static_cast<int>(fd_), SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(static_cast<int>(fd_));
  fd_ = -1;
}

void RawSocket::close() {
  if (fd_ < 0) return;
  ::close(static_cast<int>(fd_));
  fd_ = -1;
}

namespace raw {

Socket startConnect(const std::string& ip, uint16_t port) {
  sockaddr_storage ss{};
  int len = 0;
  if (!iocp_native::net::parseAddress(ip, port, &ss, &len)) return -1;
  const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), static_cast<socklen_t>(len)) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int poll(std::vector<PollItem>& items, int timeoutMs) {
  std::vector<pollfd> fds(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    fds[i] = pollfd{static_cast<int>(items[i].s), static_cast<short>(POLLIN | (items[i].wantWrite ? POLLOUT : 0)), 0};
  }
  const int n = ::poll(fds.data(), fds.size(), timeoutMs);
  for (std::size_t i = 0; i < items.size(); ++i) {
    items[i].readable = fds[i].revents & POLLIN;
    items[i].writable = fds[i].revents & POLLOUT;
    items[i].failed = fds[i].revents & (POLLERR | POLLHUP);
  }
  return n;
}

int socketError(Socket s) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(static_cast<int>(s), SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

long send(Socket s, const char* bytes, std::size_t n) {
  return static_cast<long>(::send(static_cast<int>(s), bytes, n, MSG_NOSIGNAL | MSG_DONTWAIT));
}
long recv(Socket s, char* bytes, std::size_t n) {
  return static_cast<long>(::recv(static_cast<int>(s), bytes, n, MSG_DONTWAIT));
}
void close(Socket s) { ::close(static_cast<int>(s)); }

}  // namespace raw

}  // namespace testing_support
