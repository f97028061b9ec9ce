// BSD-socket implementation of socket_ops.h.
#include "socket_ops.h"
#include "address.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace iocp_native::net {

namespace {
int fdOf(SocketHandle s) { return static_cast<int>(s); }
}  // namespace

SocketHandle listenOn(const sockaddr_storage& ss, int len, int backlog, bool reuseAddress, bool reusePort,
                      bool nonBlocking, int* err, bool* created) {
  const int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  *created = fd >= 0;
  if (fd < 0) {
    *err = errno;
    return kInvalidSocket;
  }
  const int one = 1;
  if (reuseAddress) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reusePort && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    *err = errno;
    ::close(fd);
    return kInvalidSocket;
  }
  if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&ss), static_cast<socklen_t>(len)) != 0 ||
      listen(fd, backlog) != 0 || (nonBlocking && !setNonBlocking(fd, true))) {
    *err = errno;
    ::close(fd);
    return kInvalidSocket;
  }
  countSocket(+1);
  return fd;
}

SocketHandle acceptOne(SocketHandle listener, bool nonBlocking, Endpoint* peer, Endpoint* local,
                       int* err) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  const int fd = accept4(fdOf(listener), reinterpret_cast<sockaddr*>(&ss), &len,
                         SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0));
  if (fd < 0) {
    *err = errno;
    return kInvalidSocket;
  }
  *peer = toEndpoint(ss);
  *local = localEndpoint(fd);
  countSocket(+1);
  return fd;
}

SocketHandle connectTo(const std::string& host, uint16_t port, int timeoutMs, int* err,
                       bool* timedOut) {
  *timedOut = false;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
  if (rc != 0) {
    *err = rc == EAI_SYSTEM ? errno : EHOSTUNREACH;
    return kInvalidSocket;
  }
  int lastErr = ECONNREFUSED;
  int fd = -1;
  for (addrinfo* ai = list; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      lastErr = errno;
      continue;
    }
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        lastErr = errno;
      } else {
        pollfd p{fd, POLLOUT, 0};
        int n;
        do n = poll(&p, 1, timeoutMs < 0 ? -1 : timeoutMs); while (n < 0 && errno == EINTR);
        if (n == 0) {
          lastErr = ETIMEDOUT;
          *timedOut = true;
        } else {
          int soErr = 0;
          socklen_t sl = sizeof soErr;
          getsockopt(fd, SOL_SOCKET, SO_ERROR, &soErr, &sl);
          lastErr = soErr;
        }
        if (lastErr == 0) break;
      }
      ::close(fd);
      fd = -1;
      if (*timedOut) break;
    }
  }
  freeaddrinfo(list);
  if (fd < 0) {
    *err = lastErr;
    return kInvalidSocket;
  }
  setNonBlocking(fd, false);
  countSocket(+1);
  return fd;
}

int maxListenBacklog() {
  // listen() silently caps a larger backlog at net.core.somaxconn; read it to ask for exactly that.
  int v = 0;
  if (FILE* f = std::fopen("/proc/sys/net/core/somaxconn", "r")) {
    if (std::fscanf(f, "%d", &v) != 1) v = 0;
    std::fclose(f);
  }
  return v > 0 ? v : SOMAXCONN;
}

bool setNonBlocking(SocketHandle s, bool on) {
  const int flags = fcntl(fdOf(s), F_GETFL, 0);
  if (flags < 0) return false;
  return fcntl(fdOf(s), F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK)) == 0;
}

bool setKeepAlive(SocketHandle s, bool on, int timeMs, int intervalMs) {
  const int v = on ? 1 : 0;
  if (setsockopt(fdOf(s), SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v) != 0) return false;
  if (!on) return true;
  const int idle = std::max(1, (timeMs + 999) / 1000);  // The kernel counts whole seconds.
  const int interval = std::max(1, (intervalMs + 999) / 1000);
  return setsockopt(fdOf(s), IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) == 0 &&
         setsockopt(fdOf(s), IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval) == 0;
}

bool setUserTimeout(SocketHandle s, int ms) {
  const unsigned v = static_cast<unsigned>(std::max(ms, 0));
  return setsockopt(fdOf(s), IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof v) == 0;
}

void setNoDelay(SocketHandle s, bool on) {
  const int v = on ? 1 : 0;
  setsockopt(fdOf(s), IPPROTO_TCP, TCP_NODELAY, &v, sizeof v);
}

void setBufferSizes(SocketHandle s, int receive, int send) {
  if (receive > 0) setsockopt(fdOf(s), SOL_SOCKET, SO_RCVBUF, &receive, sizeof receive);
  if (send > 0) setsockopt(fdOf(s), SOL_SOCKET, SO_SNDBUF, &send, sizeof send);
}

int setIntOption(SocketHandle s, int level, int name, int value) {
  return setsockopt(fdOf(s), level, name, &value, sizeof value) == 0 ? 0 : errno;
}

int getIntOption(SocketHandle s, int level, int name, int* value) {
  socklen_t n = sizeof *value;
  return getsockopt(fdOf(s), level, name, value, &n) == 0 ? 0 : errno;
}

namespace {
// Wait until s is ready for `events`. 1 ready, 0 timeout, -1 error (*err set).
int waitReady(SocketHandle s, short events, int timeoutMs, int* err) {
  pollfd p{fdOf(s), events, 0};
  for (;;) {
    const int n = poll(&p, 1, timeoutMs);
    if (n >= 0) return n > 0 ? 1 : 0;
    if (errno != EINTR) {
      *err = errno;
      return -1;
    }
  }
}
}  // namespace

int waitReadable(SocketHandle s, int timeoutMs, int* err) { return waitReady(s, POLLIN, timeoutMs, err); }
int waitWritable(SocketHandle s, int timeoutMs, int* err) { return waitReady(s, POLLOUT, timeoutMs, err); }

long recvSome(SocketHandle s, void* dst, std::size_t n, int* err) {
  const ssize_t r = ::recv(fdOf(s), dst, n, 0);
  if (r < 0) *err = errno;
  return static_cast<long>(r);
}

long sendSome(SocketHandle s, const void* src, std::size_t n, int* err) {
  const ssize_t r = ::send(fdOf(s), src, n, MSG_NOSIGNAL);
  if (r < 0) *err = errno;
  return static_cast<long>(r);
}

void shutdownBoth(SocketHandle s) { ::shutdown(fdOf(s), SHUT_RDWR); }
void shutdownWrite(SocketHandle s) { ::shutdown(fdOf(s), SHUT_WR); }
void closeSocket(SocketHandle s) {
  ::close(fdOf(s));
  countSocket(-1);
}

bool wouldBlock(int err) { return err == EAGAIN || err == EWOULDBLOCK; }
bool interrupted(int err) { return err == EINTR; }
bool tooManyFiles(int err) {
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}
std::string errorText(int err) { return std::strerror(err); }
int lastError() { return errno; }
std::string resolverErrorText(int rc) { return rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc); }
void startNetworking() {}

}  // namespace iocp_native::net
