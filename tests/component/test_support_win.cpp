// Windows (Winsock, Toolhelp32) implementation of test_support.h.
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <mswsock.h>
#include <psapi.h>
#include <tlhelp32.h>

#include <gtest/gtest.h>

#include "address.h"  // The library's own numeric address parsing.
#include "test_support.h"

namespace testing_support {

int threadCount() {
  const HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
  if (snap == INVALID_HANDLE_VALUE) return -1;
  THREADENTRY32 te;
  te.dwSize = sizeof te;
  int n = 0;
  const DWORD self = GetCurrentProcessId();
  for (BOOL ok = Thread32First(snap, &te); ok; ok = Thread32Next(snap, &te)) n += (te.th32OwnerProcessID == self);
  CloseHandle(snap);
  return n;
}

int openFdCount() {
  DWORD n = 0;
  GetProcessHandleCount(GetCurrentProcess(), &n);
  return n == 0 ? -1 : static_cast<int>(n);  // Wine answers 0: it does not count handles.
}

bool runningUnderWine() {
  const HMODULE ntdll = GetModuleHandleA("ntdll.dll");
  return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

long residentKiB() {
  PROCESS_MEMORY_COUNTERS pmc{};
  if (!K32GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof pmc)) return -1;
  return static_cast<long>(pmc.WorkingSetSize / 1024);
}

int connectionResetCode() { return WSAECONNRESET; }

int lowestFreeDescriptor() { return -1; }  // Windows has no descriptor-number limit.
DescriptorLimit::DescriptorLimit(int) {}
void DescriptorLimit::restore() {}
bool readersWaitOnOverlappedReceives() { return true; }
SocketOptions readSocketOptions(std::intptr_t handle) {
  SocketOptions o;
  BOOL on = FALSE;
  int len = sizeof on;
  if (getsockopt(static_cast<SOCKET>(handle), SOL_SOCKET, SO_KEEPALIVE, reinterpret_cast<char*>(&on), &len) == 0) {
    o.keepAlive = on ? 1 : 0;
  }
  int v = 0;
  len = sizeof v;
  if (getsockopt(static_cast<SOCKET>(handle), SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&v), &len) == 0) {
    o.receiveBuffer = v;
  }
  len = sizeof v;
  if (getsockopt(static_cast<SOCKET>(handle), SOL_SOCKET, SO_SNDBUF, reinterpret_cast<char*>(&v), &len) == 0) {
    o.sendBuffer = v;
  }
  return o;
}
bool descriptorLimitsApply() { return false; }

void RawSocket::connectRaw(const std::string& ip, uint16_t port, int receiveBuffer) {
  WSADATA data;
  WSAStartup(MAKEWORD(2, 2), &data);
  sockaddr_storage ss{};
  int len = 0;
  if (!iocp_native::net::parseAddress(ip, port, &ss, &len)) {
    ADD_FAILURE() << "not a numeric address: " << ip;
    return;
  }
  const SOCKET s = ::socket(ss.ss_family, SOCK_STREAM, IPPROTO_TCP);
  const BOOL one = TRUE;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one), sizeof one);
  if (receiveBuffer > 0) {
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<const char*>(&receiveBuffer), sizeof receiveBuffer);
  }
  if (::connect(s, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    ADD_FAILURE() << "connect to " << ip << ":" << port << " failed: " << WSAGetLastError();
    closesocket(s);
    return;
  }
  fd_ = static_cast<long long>(s);
}

bool RawSocket::sendRaw(const std::string& bytes, bool mayBeClosed) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const int n = ::send(static_cast<SOCKET>(fd_), bytes.data() + off, static_cast<int>(bytes.size() - off), 0);
    if (n <= 0) {
      if (!mayBeClosed) ADD_FAILURE() << "send failed: " << WSAGetLastError();
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  return true;
}

RawSocket::Received RawSocket::receiveRaw(int timeoutMs, std::string& got) {
  if (fd_ < 0) return Received::Nothing;
  fd_set set;
  FD_ZERO(&set);
  FD_SET(static_cast<SOCKET>(fd_), &set);
  timeval tv{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
  if (select(0, &set, nullptr, nullptr, &tv) <= 0) return Received::Nothing;
  char buf[65536];
  const int n = ::recv(static_cast<SOCKET>(fd_), buf, sizeof buf, 0);
  if (n <= 0) return Received::End;  // 0: the FIN; < 0 on a readable socket: a reset.
  got.append(buf, static_cast<std::size_t>(n));
  return Received::Bytes;
}

uint16_t RawSocket::localPort() const {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (fd_ < 0 || ::getsockname(static_cast<SOCKET>(fd_), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  return ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

void RawSocket::resetClose() {
  if (fd_ < 0) return;
  linger l{1, 0};
  setsockopt(static_cast<SOCKET>(fd_), SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&l), sizeof l);
  closesocket(static_cast<SOCKET>(fd_));
  fd_ = -1;
}

void RawSocket::closeRaw() {
  if (fd_ < 0) return;
  closesocket(static_cast<SOCKET>(fd_));
  fd_ = -1;
}

namespace raw {

Socket listenOn(const std::string& ip, int backlog, uint16_t* port) {
  WSADATA data;
  WSAStartup(MAKEWORD(2, 2), &data);
  sockaddr_storage ss{};
  int len = 0;
  if (!iocp_native::net::parseAddress(ip, 0, &ss, &len)) return -1;
  const SOCKET s = ::socket(ss.ss_family, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) return -1;
  int got = sizeof ss;
  if (::bind(s, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(s, backlog) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&ss), &got) != 0) {
    closesocket(s);
    return -1;
  }
  *port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                         : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return static_cast<Socket>(s);
}

int systemMaxBacklog() { return SOMAXCONN; }  // Winsock: "as many as the provider allows".

Socket connectTo(const std::string& ip, uint16_t port) {
  sockaddr_storage ss{};
  int len = 0;
  if (!iocp_native::net::parseAddress(ip, port, &ss, &len)) return -1;
  const SOCKET s = ::socket(ss.ss_family, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) return -1;
  if (::connect(s, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    closesocket(s);
    return -1;
  }
  return static_cast<Socket>(s);
}

Socket accept(Socket listener) {
  const SOCKET s = ::accept(static_cast<SOCKET>(listener), nullptr, nullptr);
  return s == INVALID_SOCKET ? -1 : static_cast<Socket>(s);
}

long recv(Socket s, char* bytes, std::size_t n) {
  return ::recv(static_cast<SOCKET>(s), bytes, static_cast<int>(n), 0);
}
long send(Socket s, const char* bytes, std::size_t n) {
  return ::send(static_cast<SOCKET>(s), bytes, static_cast<int>(n), 0);
}
void close(Socket s) { closesocket(static_cast<SOCKET>(s)); }
void setReceiveTimeout(Socket s, int seconds) {
  const DWORD ms = static_cast<DWORD>(seconds) * 1000;  // Winsock: a DWORD of milliseconds.
  setsockopt(static_cast<SOCKET>(s), SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char*>(&ms), sizeof ms);
}
void keepBrokenPipesFromEndingThisThread() {}  // Winsock has no SIGPIPE.

}  // namespace raw

// The Windows way to drive thousands of sockets from one thread: ConnectEx and overlapped
// receives on a completion port, so each event costs the same however many clients there are.
BurstResult echoBurst(const std::string& ip, uint16_t port, int count, int deadlineMs) {
  struct Op {
    OVERLAPPED ov;
    std::size_t client;
    bool connect;
  };
  struct Client {
    SOCKET s = INVALID_SOCKET;
    Op op{};  // One operation at a time per client: the connect, then receives.
    char buf[512];
    std::string got;
  };
  BurstResult r;
  WSADATA data;
  WSAStartup(MAKEWORD(2, 2), &data);
  sockaddr_storage to{}, from{};
  int toLen = 0, fromLen = 0;
  if (!iocp_native::net::parseAddress(ip, port, &to, &toLen) || !iocp_native::net::parseAddress(ip, 0, &from, &fromLen)) {
    ADD_FAILURE() << "not a numeric address: " << ip;
    return r;
  }
  const HANDLE cp = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1);
  LPFN_CONNECTEX connectEx = nullptr;
  std::vector<Client> clients(static_cast<std::size_t>(count));
  int outstanding = 0;  // Operations whose completion has not been dequeued yet.
  const std::string line = "burst line\r\n";
  auto receive = [&](Client& c, std::size_t i) {
    c.op = Op{};
    c.op.client = i;
    WSABUF b{sizeof c.buf, c.buf};
    DWORD flags = 0;
    if (WSARecv(c.s, &b, 1, nullptr, &flags, &c.op.ov, nullptr) == 0 || WSAGetLastError() == WSA_IO_PENDING) {
      ++outstanding;
    }
  };
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < clients.size(); ++i) {
    Client& c = clients[i];
    c.s = WSASocketW(to.ss_family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_OVERLAPPED);
    if (c.s == INVALID_SOCKET) continue;
    DWORD bytes = 0;
    GUID guid = WSAID_CONNECTEX;
    if (connectEx == nullptr) {
      WSAIoctl(c.s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof guid, &connectEx, sizeof connectEx, &bytes,
               nullptr, nullptr);
    }
    c.op.client = i;
    c.op.connect = true;
    if (connectEx == nullptr || ::bind(c.s, reinterpret_cast<sockaddr*>(&from), fromLen) != 0 ||
        CreateIoCompletionPort(reinterpret_cast<HANDLE>(c.s), cp, 0, 0) == nullptr ||
        // The line goes with the connect: one call less per client (each one is a request to
        // the wineserver under Wine).
        (!connectEx(c.s, reinterpret_cast<sockaddr*>(&to), toLen, const_cast<char*>(line.data()),
                    static_cast<DWORD>(line.size()), nullptr, &c.op.ov) &&
         WSAGetLastError() != ERROR_IO_PENDING)) {
      closesocket(c.s);
      c.s = INVALID_SOCKET;
      continue;
    }
    ++outstanding;
  }
  std::vector<OVERLAPPED_ENTRY> done(512);
  while (r.echoed < count && msSince(t0) < deadlineMs) {
    ULONG n = 0;
    if (!GetQueuedCompletionStatusEx(cp, done.data(), static_cast<ULONG>(done.size()), &n, 50, FALSE)) continue;
    for (ULONG k = 0; k < n; ++k) {
      --outstanding;
      Op& op = *reinterpret_cast<Op*>(done[k].lpOverlapped);
      Client& c = clients[op.client];
      const bool ok = op.ov.Internal == 0;  // The operation's status.
      if (op.connect) {
        if (!ok) continue;  // Refused or reset: this client is out.
        ++r.connected;  // And its line is sent.
        r.lastConnectedMs = msSince(t0);
        receive(c, op.client);
        continue;
      }
      if (!ok || done[k].dwNumberOfBytesTransferred == 0) continue;
      c.got.append(c.buf, done[k].dwNumberOfBytesTransferred);
      if (c.got.find("\r\n") == std::string::npos) {
        receive(c, op.client);
        continue;
      }
      if (c.got != line) continue;  // Not the line sent: not an echo.
      ++r.echoed;
      r.lastEchoedMs = msSince(t0);
    }
  }
  for (Client& c : clients) {
    if (c.s != INVALID_SOCKET) closesocket(c.s);  // Cancels what is outstanding.
  }
  // The cancelled operations still complete: their OVERLAPPEDs must outlive that.
  while (outstanding > 0) {
    ULONG n = 0;
    if (!GetQueuedCompletionStatusEx(cp, done.data(), static_cast<ULONG>(done.size()), &n, 5000, FALSE)) break;
    outstanding -= static_cast<int>(n);
  }
  CloseHandle(cp);
  return r;
}

}  // namespace testing_support
