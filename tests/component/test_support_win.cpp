// Windows (Winsock, Toolhelp32) implementation of test_support.h.
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
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
  return o;
}
bool descriptorLimitsApply() { return false; }

RawSocket::RawSocket(const std::string& ip, uint16_t port, int receiveBuffer) {
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

RawSocket::~RawSocket() { close(); }

void RawSocket::send(const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const int n = ::send(static_cast<SOCKET>(fd_), bytes.data() + off, static_cast<int>(bytes.size() - off), 0);
    if (n <= 0) {
      ADD_FAILURE() << "send failed: " << WSAGetLastError();
      return;
    }
    off += static_cast<std::size_t>(n);
  }
}

std::string RawSocket::recvSome(int timeoutMs) {
  fd_set set;
  FD_ZERO(&set);
  FD_SET(static_cast<SOCKET>(fd_), &set);
  timeval tv{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
  if (select(0, &set, nullptr, nullptr, &tv) <= 0) return {};
  char buf[65536];
  const int n = ::recv(static_cast<SOCKET>(fd_), buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

void RawSocket::resetClose() {
  if (fd_ < 0) return;
  linger l{1, 0};
  setsockopt(static_cast<SOCKET>(fd_), SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&l), sizeof l);
  closesocket(static_cast<SOCKET>(fd_));
  fd_ = -1;
}

void RawSocket::close() {
  if (fd_ < 0) return;
  closesocket(static_cast<SOCKET>(fd_));
  fd_ = -1;
}

namespace raw {

Socket startConnect(const std::string& ip, uint16_t port) {
  WSADATA data;
  WSAStartup(MAKEWORD(2, 2), &data);
  sockaddr_storage ss{};
  int len = 0;
  if (!iocp_native::net::parseAddress(ip, port, &ss, &len)) return -1;
  const SOCKET s = ::socket(ss.ss_family, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) return -1;
  u_long on = 1;
  ioctlsocket(s, FIONBIO, &on);
  if (::connect(s, reinterpret_cast<sockaddr*>(&ss), len) != 0 && WSAGetLastError() != WSAEWOULDBLOCK) {
    closesocket(s);
    return -1;
  }
  return static_cast<Socket>(s);
}

int poll(std::vector<PollItem>& items, int timeoutMs) {
  std::vector<WSAPOLLFD> fds(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    fds[i].fd = static_cast<SOCKET>(items[i].s);
    fds[i].events = static_cast<short>(POLLRDNORM | (items[i].wantWrite ? POLLWRNORM : 0));
    fds[i].revents = 0;
  }
  const int n = WSAPoll(fds.data(), static_cast<ULONG>(fds.size()), timeoutMs);
  for (std::size_t i = 0; i < items.size(); ++i) {
    items[i].readable = fds[i].revents & (POLLRDNORM | POLLHUP);
    items[i].writable = fds[i].revents & POLLWRNORM;
    items[i].failed = fds[i].revents & (POLLERR | POLLHUP);
  }
  return n;
}

int socketError(Socket s) {
  int err = 0;
  int len = sizeof err;
  if (getsockopt(static_cast<SOCKET>(s), SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&err), &len) != 0) {
    return WSAGetLastError();
  }
  return err;
}

long send(Socket s, const char* bytes, std::size_t n) {
  return ::send(static_cast<SOCKET>(s), bytes, static_cast<int>(n), 0);
}
long recv(Socket s, char* bytes, std::size_t n) {
  return ::recv(static_cast<SOCKET>(s), bytes, static_cast<int>(n), 0);
}
void close(Socket s) { closesocket(static_cast<SOCKET>(s)); }

}  // namespace raw

}  // namespace testing_support
