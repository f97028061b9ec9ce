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
#include "event_log.h"  // EventLog, for the suites that include only this header.
#include "wait_until.h"

namespace testing_support {

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

// Many client sockets driven from one thread without blocking: the platform's few calls.
namespace raw {
using Socket = long long;  // int descriptor or Winsock SOCKET; -1 = none.
// Create a non-blocking socket and start connecting it to ip:port; -1 if that failed at once.
Socket startConnect(const std::string& ip, uint16_t port);
struct PollItem {
  Socket s = -1;
  bool wantWrite = false;  // Also wait for writability (a connect completing).
  bool readable = false, writable = false, failed = false;  // Results.
};
// Wait up to timeoutMs for any item; fills the results. Returns how many are ready, -1 on error.
int poll(std::vector<PollItem>& items, int timeoutMs);
int socketError(Socket s);  // SO_ERROR: 0 once a non-blocking connect has succeeded.
long send(Socket s, const char* bytes, std::size_t n);  // Without blocking; < 0 = would block/error.
long recv(Socket s, char* bytes, std::size_t n);        // Without blocking; 0 = EOF, < 0 = none/error.
void close(Socket s);
}  // namespace raw

// A connect burst as an independent load client produces it: `count` clients start connecting at
// the same moment; each sends a line as soon as it is connected and another whenever its echo
// arrives, until `durationMs` pass or every client has been echoed at least `rounds` times.
struct BurstResult {
  int connected = 0;           // Clients whose connect completed.
  int echoed = 0;              // Clients that got at least `rounds` echoes.
  long long lastEchoedMs = -1;  // When the last of those got its last needed echo (from the start).
};
BurstResult echoBurst(const std::string& ip, uint16_t port, int count, int rounds, int durationMs);

// Wall-clock bounds are for the plain build; sanitizers slow everything down by this factor.
constexpr int kSlowdown =
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    4;
#else
    1;
#endif

}  // namespace testing_support
