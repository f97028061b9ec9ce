// Helpers for the component tests: waiting, process counters and raw sockets for cases the
// client component deliberately cannot produce (resets, byte-at-a-time sends).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "Iocp.h"

namespace testing_support {

// Poll `pred` every 2 ms until it holds or `timeoutMs` passes. Returns the last value of pred.
inline bool waitUntil(const std::function<bool()>& pred, int timeoutMs = 5000) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

inline long long msSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
}

int threadCount();  // Threads of this process right now.
// Baseline for threadCount() comparisons: first starts and joins a thread, so runtime helper
// threads that appear on the first thread creation (ThreadSanitizer's) are already counted, then
// waits until a joined thread has also left /proc (the kernel drops it a moment after join).
inline int threadBaseline() {
  std::thread([] {}).join();
  int last = threadCount();
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const int now = threadCount();
    if (now == last) break;
    last = now;
  }
  return last;
}
int openFdCount();  // Open descriptors / handles of this process, or -1 where the OS cannot tell.
long residentKiB();  // Resident set size of this process in KiB.

int connectionResetCode();   // The OS error a reset connection reports (ECONNRESET / WSAECONNRESET).
bool descriptorLimitsApply();  // False where the OS has no per-process descriptor-number limit.
bool runningUnderWine();     // True when a Windows build runs under Wine (not Windows itself).
// True where iohIOCP parks a reader on an overlapped (zero-byte) receive (Windows); false where
// it waits for readiness and hands the kernel nothing (epoll).
bool readersWaitOnOverlappedReceives();
int lowestFreeDescriptor();  // The number the next socket or file will get.

// Liveness-related options of a socket, read back from the OS; -1 where the OS cannot report one
// (Windows reports SO_KEEPALIVE only: SIO_KEEPALIVE_VALS and TCP_MAXRT are write-only there).
struct SocketOptions {
  int keepAlive = -1;  // 0 or 1.
  int keepAliveIdleSeconds = -1;
  int keepAliveIntervalSeconds = -1;
  int userTimeoutMs = -1;
};
SocketOptions readSocketOptions(std::intptr_t handle);

// Lowers the soft limit on descriptor numbers for its lifetime (restore() ends it early).
class DescriptorLimit {
 public:
  explicit DescriptorLimit(int limit);
  ~DescriptorLimit() { restore(); }
  void restore();

 private:
  long saved_ = -1;
};

// A raw client socket.
class RawSocket {
 public:
  // Connects (blocking) or fails the test. receiveBuffer > 0 sets SO_RCVBUF first (a small one
  // makes a peer's large write stay outstanding while this socket does not read).
  RawSocket(const std::string& ip, uint16_t port, int receiveBuffer = 0);
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;
  void send(const std::string& bytes);
  std::string recvSome(int timeoutMs);    // "" on timeout or EOF.
  std::string recvLine(int timeoutMs);    // Up to and without "\r\n".
  void resetClose();  // Abortive close: the peer sees a reset (RST), not a FIN.
  void close();       // Graceful close.
  bool valid() const { return fd_ >= 0; }

 private:
  long long fd_ = -1;  // int descriptor or Winsock SOCKET.
  std::string pending_;
};

// Thread-safe event log.
class EventLog {
 public:
  void add(const std::string& e) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(e);
  }
  std::vector<std::string> snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  std::size_t count(const std::string& e) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::size_t n = 0;
    for (const auto& x : events_) n += (x == e);
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> events_;
};

}  // namespace testing_support
