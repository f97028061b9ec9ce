// Winsock implementation of socket_ops.h.
#include "socket_ops.h"
#include "address.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <windows.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>

namespace iocp_native::net {

namespace {

// Winsock offers no way to wake a thread blocked in select() from another thread, so blocking
// waits are cut into slices of this length; callers re-check their own state in between.
constexpr int kWaitSliceMs = 250;

SOCKET sockOf(SocketHandle s) { return static_cast<SOCKET>(s); }


// select() on one socket for at most one slice. 1 ready, 0 not yet, -1 error.
int waitOne(SocketHandle s, bool write, int timeoutMs, int* err) {
  const int slice = timeoutMs < 0 ? kWaitSliceMs : std::min(timeoutMs, kWaitSliceMs);
  fd_set set;
  FD_ZERO(&set);
  FD_SET(sockOf(s), &set);
  fd_set errors = set;
  timeval tv{slice / 1000, (slice % 1000) * 1000};
  const int n = select(0, write ? nullptr : &set, write ? &set : nullptr, &errors, &tv);
  if (n < 0) {
    *err = WSAGetLastError();
    return -1;
  }
  return n > 0 ? 1 : 0;
}

}  // namespace

SocketHandle listenOn(const sockaddr_storage& ss, int len, int backlog, bool reuseAddress, bool reusePort,
                      bool nonBlocking, int* err, bool* created) {
  startNetworking();
  if (reusePort) {  // Windows has no SO_REUSEPORT (SO_REUSEADDR would let any process take the port).
    *created = true;
    *err = WSAEOPNOTSUPP;
    return kInvalidSocket;
  }
  (void)reuseAddress;  // Windows rebinds a listening port at once; SO_REUSEADDR there would let
                       // another process steal the port, so it is never set.
  const SOCKET s = WSASocketW(ss.ss_family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0,
                              WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  *created = s != INVALID_SOCKET;
  if (s == INVALID_SOCKET) {
    *err = WSAGetLastError();
    return kInvalidSocket;
  }
  const BOOL one = TRUE;
  setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, reinterpret_cast<const char*>(&one), sizeof one);
  if (ss.ss_family == AF_INET6) {
    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, reinterpret_cast<const char*>(&one), sizeof one);
  }
  if (bind(s, reinterpret_cast<const sockaddr*>(&ss), len) != 0 || listen(s, backlog) != 0 ||
      (nonBlocking && !setNonBlocking(static_cast<SocketHandle>(s), true))) {
    *err = WSAGetLastError();
    closesocket(s);
    return kInvalidSocket;
  }
  countSocket(+1);
  return static_cast<SocketHandle>(s);
}

SocketHandle acceptOne(SocketHandle listener, bool nonBlocking, Endpoint* peer, Endpoint* local,
                       int* err) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  const SOCKET s = accept(sockOf(listener), reinterpret_cast<sockaddr*>(&ss), &len);
  if (s == INVALID_SOCKET) {
    *err = WSAGetLastError();
    return kInvalidSocket;
  }
  setNonBlocking(static_cast<SocketHandle>(s), nonBlocking);  // Accepted sockets inherit the listener's mode.
  *peer = toEndpoint(ss);
  *local = localEndpoint(static_cast<SocketHandle>(s));
  countSocket(+1);
  return static_cast<SocketHandle>(s);
}

SocketHandle connectTo(const std::string& host, uint16_t port, int timeoutMs, int* err,
                       bool* timedOut) {
  startNetworking();
  *timedOut = false;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &list) != 0) {
    *err = WSAGetLastError();
    return kInvalidSocket;
  }
  int lastErr = WSAECONNREFUSED;
  SOCKET s = INVALID_SOCKET;
  for (addrinfo* ai = list; ai != nullptr && s == INVALID_SOCKET; ai = ai->ai_next) {
    s = WSASocketW(ai->ai_family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0,
                   WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) {
      lastErr = WSAGetLastError();
      continue;
    }
    setNonBlocking(static_cast<SocketHandle>(s), true);
    if (::connect(s, ai->ai_addr, static_cast<int>(ai->ai_addrlen)) != 0) {
      const int e = WSAGetLastError();
      if (e != WSAEWOULDBLOCK) {
        lastErr = e;
      } else {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
        lastErr = WSAETIMEDOUT;
        for (;;) {
          int left = -1;
          if (timeoutMs >= 0) {
            left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        deadline - std::chrono::steady_clock::now()).count());
            if (left <= 0) {
              *timedOut = true;
              break;
            }
          }
          fd_set wr, ex;
          FD_ZERO(&wr);
          FD_SET(s, &wr);
          ex = wr;
          const int slice = left < 0 ? kWaitSliceMs : std::min(left, kWaitSliceMs);
          timeval tv{slice / 1000, (slice % 1000) * 1000};
          const int n = select(0, nullptr, &wr, &ex, &tv);
          if (n == 0) continue;
          int soErr = 0;
          int sl = sizeof soErr;
          getsockopt(s, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&soErr), &sl);
          lastErr = (n > 0 && FD_ISSET(s, &wr) && soErr == 0) ? 0 : (soErr ? soErr : WSAECONNREFUSED);
          break;
        }
      }
      if (lastErr != 0) {
        closesocket(s);
        s = INVALID_SOCKET;
        if (*timedOut) break;
      }
    }
  }
  freeaddrinfo(list);
  if (s == INVALID_SOCKET) {
    *err = lastErr;
    return kInvalidSocket;
  }
  setNonBlocking(static_cast<SocketHandle>(s), false);
  countSocket(+1);
  return static_cast<SocketHandle>(s);
}

int maxListenBacklog() { return SOMAXCONN; }  // Winsock's "as many as the provider allows".

bool setNonBlocking(SocketHandle s, bool on) {
  u_long mode = on ? 1 : 0;
  return ioctlsocket(sockOf(s), FIONBIO, &mode) == 0;
}

bool setKeepAlive(SocketHandle s, bool on, int timeMs, int intervalMs) {
  tcp_keepalive k{};
  k.onoff = on ? 1 : 0;
  k.keepalivetime = static_cast<ULONG>(std::max(timeMs, 1));
  k.keepaliveinterval = static_cast<ULONG>(std::max(intervalMs, 1));
  DWORD bytes = 0;
  return WSAIoctl(sockOf(s), SIO_KEEPALIVE_VALS, &k, sizeof k, nullptr, 0, &bytes, nullptr, nullptr) == 0;
}

bool setUserTimeout(SocketHandle s, int ms) {
  constexpr int kTcpMaxRt = 5;  // TCP_MAXRT (Windows 10+), not in every SDK's headers.
  const DWORD seconds = static_cast<DWORD>(std::max(1, (ms + 999) / 1000));
  return setsockopt(sockOf(s), IPPROTO_TCP, kTcpMaxRt, reinterpret_cast<const char*>(&seconds),
                    sizeof seconds) == 0;
}

void setNoDelay(SocketHandle s, bool on) {
  const BOOL v = on ? TRUE : FALSE;
  setsockopt(sockOf(s), IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&v), sizeof v);
}

void setBufferSizes(SocketHandle s, int receive, int send) {
  if (receive > 0) setsockopt(sockOf(s), SOL_SOCKET, SO_RCVBUF, reinterpret_cast<const char*>(&receive), sizeof receive);
  if (send > 0) setsockopt(sockOf(s), SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&send), sizeof send);
}

int setIntOption(SocketHandle s, int level, int name, int value) {
  return setsockopt(sockOf(s), level, name, reinterpret_cast<const char*>(&value), sizeof value) == 0 ? 0
                                                                                                     : WSAGetLastError();
}

int getIntOption(SocketHandle s, int level, int name, int* value) {
  int n = sizeof *value;
  return getsockopt(sockOf(s), level, name, reinterpret_cast<char*>(value), &n) == 0 ? 0 : WSAGetLastError();
}

int waitReadable(SocketHandle s, int timeoutMs, int* err) { return waitOne(s, false, timeoutMs, err); }
int waitWritable(SocketHandle s, int timeoutMs, int* err) { return waitOne(s, true, timeoutMs, err); }

long recvSome(SocketHandle s, void* dst, std::size_t n, int* err) {
  const int r = ::recv(sockOf(s), static_cast<char*>(dst), static_cast<int>(std::min<std::size_t>(n, 1 << 30)), 0);
  if (r < 0) *err = WSAGetLastError();
  return r;
}

long sendSome(SocketHandle s, const void* src, std::size_t n, int* err) {
  const int r = ::send(sockOf(s), static_cast<const char*>(src), static_cast<int>(std::min<std::size_t>(n, 1 << 30)), 0);
  if (r < 0) *err = WSAGetLastError();
  return r;
}

void shutdownBoth(SocketHandle s) { ::shutdown(sockOf(s), SD_BOTH); }
void shutdownWrite(SocketHandle s) { ::shutdown(sockOf(s), SD_SEND); }
void closeSocket(SocketHandle s) {
  ::closesocket(sockOf(s));
  countSocket(-1);
}

bool wouldBlock(int err) { return err == WSAEWOULDBLOCK; }
bool interrupted(int err) { return err == WSAEINTR; }
bool tooManyFiles(int err) { return err == WSAEMFILE || err == WSAENOBUFS; }

void startNetworking() {
  static std::once_flag once;
  std::call_once(once, [] {
    WSADATA data;
    WSAStartup(MAKEWORD(2, 2), &data);
  });
}

int lastError() { return WSAGetLastError(); }
std::string resolverErrorText(int rc) { return errorText(rc); }  // getaddrinfo gives WSA codes.

std::string errorText(int err) {
  char buf[512] = {0};
  const DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
                                 static_cast<DWORD>(err), 0, buf, sizeof buf, nullptr);
  std::string text(buf, n);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == '.')) text.pop_back();
  return text.empty() ? "error " + std::to_string(err) : text;
}

}  // namespace iocp_native::net
