// Helpers for the component tests: waiting, process counters and raw sockets for cases the
// client component deliberately cannot produce (resets, byte-at-a-time sends).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "Iocp.h"
#include "event_log.h"  // EventLog, for the suites that include only this header.
#include "wait_until.h"

namespace iocp_native {
class TlsSession;
}

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
  int receiveBuffer = -1;  // SO_RCVBUF (Linux reports twice the value set).
  int sendBuffer = -1;     // SO_SNDBUF (likewise).
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

// The suites' TLS mode: with the environment variable IOCP_TEST_TLS=1 (ctest runs the component
// suite a second time so, as "Tls." tests) the fixture's servers serve TLS from the first byte,
// and its clients (ServerTest::client(), RawSocket) speak it with certificates made for the run.
// Off where the library has no TLS. Any thread.
bool tlsTestMode();
class TestPki;
const TestPki& testPki();  // The run's certificates (test_certificates.h; a build with TLS only).
// The run's certificates (test_certificates.h): SSLOptions for a server (certificate and key)
// and for a client (verifying the server against the run's CA).
void useTestServerTls(Iocp::TIocpSSLOptions& ssl);
void useTestClientTls(Iocp::TIocpSSLOptions& ssl);

// A client of a fixture's server: in the TLS mode it connects with TLS. Before Connect.
inline void tlsIfTesting(Iocp::TIocpTCPClient& c) {
  if (tlsTestMode()) useTestClientTls(c.SSLOptions);
}

// A raw client socket; in the TLS mode a TLS client over it (what the test sends and receives is
// the plaintext; resetClose still resets the TCP connection).
class RawSocket {
 public:
  // Connects (blocking) or fails the test. receiveBuffer > 0 sets SO_RCVBUF first (a small one
  // makes a peer's large write stay outstanding while this socket does not read).
  RawSocket(const std::string& ip, uint16_t port, int receiveBuffer = 0);
  // Bytes as they are whatever the mode: for what a server sends before any TLS (a refusal).
  struct Plain {};
  RawSocket(const std::string& ip, uint16_t port, Plain);
  // In the TLS mode, a handshake that goes on only as the test receives (the constructor does
  // not wait for it): for a server that has not accepted yet. What the test sends first goes out
  // once the handshake is done.
  struct HandshakeLater {};
  RawSocket(const std::string& ip, uint16_t port, HandshakeLater);
  // Plain bytes first (a PROXY protocol header), then TLS whatever the mode (the handshake done
  // before the constructor returns).
  struct TlsAfter {
    std::string plain;
  };
  RawSocket(const std::string& ip, uint16_t port, TlsAfter first);
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;
  void send(const std::string& bytes);
  // The same for a peer the server may have closed meanwhile (a timeout racing the test's
  // sends): false, not a failed test, where the connection is gone.
  bool sendUnlessClosed(const std::string& bytes);
  std::string recvSome(int timeoutMs);    // "" on timeout or EOF.
  // What receive() saw next: bytes, the end of the connection (the peer's FIN or a reset), or
  // nothing within the time.
  enum class Received { Bytes, End, Nothing };
  Received receive(int timeoutMs, std::string& got);  // Appends what came to `got`.
  std::string recvLine(int timeoutMs);    // Up to and without "\r\n".
  void resetClose();  // Abortive close: the peer sees a reset (RST), not a FIN.
  void close();       // Graceful close (TLS: close_notify first).
  bool valid() const { return fd_ >= 0; }
  uint16_t localPort() const;  // The server sees it as the context's Binding->PeerPort.

 private:
  // Per platform: connect (or fail the test), one wait and one recv(), send all, close.
  void connectRaw(const std::string& ip, uint16_t port, int receiveBuffer);
  Received receiveRaw(int timeoutMs, std::string& got);
  // Sends all; false where the connection is gone (a failed test too, unless mayBeClosed).
  bool sendRaw(const std::string& bytes, bool mayBeClosed = false);
  void closeRaw();
  // TLS (test_tls.cpp): start the session (the ClientHello), wait for the handshake, receive
  // through the session.
  void startTls();
  void finishHandshake();
  Received receiveTls(int timeoutMs, std::string& got);
  long long fd_ = -1;  // int descriptor or Winsock SOCKET.
  std::string pending_;
  std::shared_ptr<iocp_native::TlsSession> tls_;  // Null: plain.
};

std::ostream& operator<<(std::ostream& os, RawSocket::Received r);  // "bytes", "the end", "nothing".

// Plain blocking sockets for the bare reference server below: the platform's few calls.
namespace raw {
using Socket = long long;  // int descriptor or Winsock SOCKET; -1 = none.
// A listening socket on ip (OS-chosen port, returned in *port) with this backlog; -1 on failure.
Socket listenOn(const std::string& ip, int backlog, uint16_t* port);
// The largest backlog the system grants, asked for without the library (the same request the
// library makes by default: Linux caps it at net.core.somaxconn, Windows reads SOMAXCONN).
int systemMaxBacklog();
Socket accept(Socket listener);                          // Blocking; -1 on failure.
Socket connectTo(const std::string& ip, uint16_t port);  // Blocking; -1 on failure.
long recv(Socket s, char* bytes, std::size_t n);        // Blocking; 0 = EOF, < 0 = error.
long send(Socket s, const char* bytes, std::size_t n);  // Blocking.
void close(Socket s);
// Blocking receives on s give up after `seconds` (SO_RCVTIMEO, whose unit differs per platform).
void setReceiveTimeout(Socket s, int seconds);
// For test clients that write to sockets through a library that uses write() (OpenSSL's socket
// BIO): a write to a connection the server has closed then fails instead of raising SIGPIPE, which
// would end the whole test program. Only the calling thread's mask changes (the server's threads
// keep SIGPIPE as it is: the library itself must never raise it). Nothing to do on Windows.
void keepBrokenPipesFromEndingThisThread();
}  // namespace raw

// A connect burst as an independent load client produces it: `count` clients start connecting at
// the same moment; each sends one line as soon as it is connected, until its echo arrives or
// `deadlineMs` pass. The client waits on the platform's scalable mechanism (epoll; a completion
// port with ConnectEx on Windows), so its own cost per event does not grow with `count`: under
// Wine every WSAPoll walks all its sockets inside the single-threaded wineserver, and a client
// that polled 2,000 sockets would slow down the server it measures.
struct BurstResult {
  int connected = 0;               // Clients whose connect completed.
  int echoed = 0;                  // Clients that got their own line back.
  long long lastConnectedMs = -1;  // When the last connect completed (from the start).
  long long lastEchoedMs = -1;     // When the last echo arrived (from the start).
  // Segments the clients had to send again (a SYN or a handshake's last ACK dropped by a full
  // backlog shows here, whatever the machine's speed); -1 where the OS does not tell (Windows).
  long long retransmissions = -1;
};
BurstResult echoBurst(const std::string& ip, uint16_t port, int count, int deadlineMs);

// The reference a connect burst is measured against, in the same test: the simplest server plain
// sockets allow. It accepts (blocking, with the system's maximum backlog unless told otherwise),
// reads one line from each connection, echoes it and keeps the connection open, in one of the two
// models the engines follow: one thread that serves each connection in turn (as an event loop
// would, for iohIOCP), or a thread started per connection (as iohDefault does). Whatever a burst
// costs on this machine (a loaded CI runner, a sanitizer, Wine) this server pays too.
class BareEchoServer {
 public:
  enum class Model { OneThread, ThreadPerConnection };
  explicit BareEchoServer(Model model, const std::string& ip = "127.0.0.1", int backlog = raw::systemMaxBacklog());
  ~BareEchoServer();  // Stops and closes every connection.
  BareEchoServer(const BareEchoServer&) = delete;
  BareEchoServer& operator=(const BareEchoServer&) = delete;
  uint16_t port() const { return port_; }
  int served() const { return served_.load(); }

 private:
  void run();
  void serve(raw::Socket s);  // Waits for one line on s and echoes it.
  const Model model_;
  const std::string ip_;
  raw::Socket listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> served_{0};
  std::vector<raw::Socket> accepted_;
  std::vector<std::thread> threads_;
  std::thread thread_;
};

}  // namespace testing_support
