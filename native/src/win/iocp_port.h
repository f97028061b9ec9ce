// The completion engine's port on Windows, one concept per file:
//   iocp_port.h      the types below
//   iocp_port.cpp    the completion port: I/O threads, dispatching completions, posts, shutdown
//   iocp_socket.cpp  a connection's socket: zero-byte receives, overlapped sends, close
//   iocp_accept.cpp  listeners: AcceptEx kept pending, accept completions
//   timer_thread.*   the timer helper thread (the counterpart of Linux's timerfd)
//
// One I/O completion port shared by the I/O threads
// (GetQueuedCompletionStatusEx), several AcceptEx pending per listener, zero-byte overlapped
// WSARecv and overlapped WSASend.
//
// Receiving: a connection that has read everything posts a zero-byte WSARecv, so a waiting
// connection lends no buffer to the kernel; its completion reports kEvIn and the fiber then reads
// with a plain non-blocking recv into the I/O thread's scratch area.
// Sending: a plain non-blocking send first; when the socket buffer is full, up to
// InflightSend::kMaxBytes are copied to the connection's in-flight send (inflight_send.h) and lent
// to an overlapped WSASend. A completion that sent only part of them (Wine does this) lends the
// rest again at once, from the I/O thread; once all is sent it reports kEvOut.
//
// Lifetime: every outstanding operation holds a reference to its socket's state (or, for
// accepts, lives as long as the port), so a completion never touches freed memory. Closing a
// socket cancels its operations (CancelIoEx + closesocket); their completions still arrive and
// only drop the reference. shutdown() waits until no operation is outstanding before the I/O
// threads leave. Timers: one helper thread posts a packet when the armed deadline passes (the
// counterpart of Linux's timerfd).
#pragma once

#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "completion_port.h"
#include "inflight_send.h"
#include "timer_thread.h"

namespace iocp_native::win {

// Completion keys. Socket operations carry kIoKey and an Op as their OVERLAPPED.
constexpr ULONG_PTR kIoKey = 1;
constexpr ULONG_PTR kPostKey = 2;
constexpr ULONG_PTR kTimerKey = 3;
constexpr ULONG_PTR kQuitKey = 4;

constexpr int kAcceptsPerListener = 16;               // AcceptEx calls kept pending per binding.
// Completions dequeued per call. Each may run a handler inline, so a small batch leaves the rest
// to other idle I/O threads instead of serialising them behind one.
constexpr ULONG kBatch = 16;
constexpr DWORD kAddressRoom = sizeof(sockaddr_storage) + 16;  // AcceptEx: per address.
constexpr int kShutdownWaitMs = 10000;  // Bound on waiting for cancelled operations to complete.

inline SOCKET sockOf(net::SocketHandle s) { return static_cast<SOCKET>(s); }

// An accept that failed because of that one connection (the client gave up or reset first):
// listening goes on at once. Other accept failures back off (PortEvents::onAcceptFailed).
inline bool connectionOnlyAcceptError(int e) {
  return e == WSAECONNRESET || e == WSAECONNABORTED || e == WSAETIMEDOUT || e == ERROR_NETNAME_DELETED;
}

// WSARecv/WSASend/AcceptEx refuse to start with WSAEWOULDBLOCK when the system has too many
// overlapped requests outstanding. No completion follows, so that must not read as "would block,
// wait for the port": report it as the resource error it is.
inline int startError(int e) { return e == WSAEWOULDBLOCK ? WSAENOBUFS : e; }
inline bool succeeded(const OVERLAPPED& ov) { return static_cast<LONG>(ov.Internal) >= 0; }  // NT_SUCCESS.

struct Op {
  enum class Kind { Receive, Send, Accept };
  Op(Kind k, void* o) : kind(k), owner(o) {}
  OVERLAPPED ov{};  // First member: the OVERLAPPED* of a completion is the Op*.
  const Kind kind;
  void* const owner;  // SocketState (Receive, Send) or Listener (Accept).
};

class IocpPort;

// The part of a connection's socket that outstanding operations reference.
struct SocketState {
  SocketState(IocpPort& p, SOCKET sock, uint64_t connId) : port(p), id(connId), s(sock) {}
  IocpPort& port;
  const uint64_t id;
  // The strand uses s freely; an I/O thread (continuing a partial send, reading an error) only
  // under mu, which close() holds while it closes the socket.
  std::mutex mu;
  SOCKET s;  // INVALID_SOCKET once closed.
  Op recvOp{Op::Kind::Receive, this};
  Op sendOp{Op::Kind::Send, this};
  // Set by the strand when the receive starts, cleared by its completion (release/acquire).
  std::atomic<bool> recvPending{false};
  // The Winsock error that ended the last receive, set by its completion; 0 = none.
  std::atomic<int> recvError{0};
  // Self-references held while an operation is outstanding, dropped by its completion.
  std::shared_ptr<SocketState> recvKeep, sendKeep;
  InflightSend send;  // The overlapped send: the strand's while not pending, the completion's while pending.
};

struct Listener {
  SOCKET s = INVALID_SOCKET;
  int family = AF_INET;
  std::size_t index = 0;
  LPFN_ACCEPTEX acceptEx = nullptr;
  std::mutex mu;  // Guards s against stopAccepting() closing it while an accept is (re)posted.
  bool closed = false;
  unsigned generation = 0;  // Under mu: counts the sockets this binding has had (resumeListening).
  struct AcceptOp : Op {
    explicit AcceptOp(Listener* l) : Op(Kind::Accept, l) {}
    SOCKET accepted = INVALID_SOCKET;  // Guarded by Listener::mu.
    bool pending = false;              // Guarded by Listener::mu.
    unsigned generation = 0;           // Under mu: the listener socket it was posted on.
    char addresses[2 * kAddressRoom];
  };
  std::vector<std::unique_ptr<AcceptOp>> ops;
};

class IocpSocket final : public PortSocket {
 public:
  explicit IocpSocket(std::shared_ptr<SocketState> st) : st_(std::move(st)) {}
  ~IocpSocket() override { close(); }
  long receive(Buffer& into, std::size_t max, int* err) override;
  long send(const char* src, std::size_t n, int* err) override;
  // Only a receive that would block starts the zero-byte WSARecv whose completion is kEvIn.
  bool shortReceiveArms() const override { return false; }
  bool sendPending() const override { return st_->send.pending(); }
  void shutdownSend() override {
    if (st_->s != INVALID_SOCKET) net::shutdownWrite(static_cast<net::SocketHandle>(st_->s));
  }
  void close() override;
  int group() const override { return -1; }  // One port: any I/O thread serves any connection.

 private:
  std::shared_ptr<SocketState> st_;
};

class IocpPort final : public Port {
 public:
  explicit IocpPort(PortEvents& events);
  ~IocpPort() override;

  void listen(const std::vector<net::OpenListener>& listeners) override;
  void resumeAccept(std::size_t binding) override;
  void stopAccepting() override;
  void pauseListening() override;
  void resumeListening(const std::vector<net::OpenListener>& listeners) override;
  std::unique_ptr<PortSocket> attach(net::SocketHandle s, uint64_t connId) override;
  void run() override;
  void post() override;
  void armTimer(Clock::time_point when) override;
  void shutdown(int ioThreads) override;
  std::size_t helperThreads() const override { return 1; }  // The timer thread.
  std::size_t pendingReceives() const override { return pendingReceives_.load(); }
  std::size_t pendingReceiveBytes() const override { return pendingReceiveBytes_.load(); }
  std::size_t pendingSends() const override { return pendingSends_.load(); }

  // --- Used by IocpSocket. Each returns 0 or the Winsock error of a failed start. ---
  // A zero-byte receive. Strand, with no receive pending.
  int startReceive(const std::shared_ptr<SocketState>& st);
  // Lend st->send's bytes to an overlapped send: from the strand right after send.begin(), or
  // from the completion of the previous part (`continuing`).
  int startSend(const std::shared_ptr<SocketState>& st, bool continuing);

 private:
  // Dequeue and handle one batch of completions (or none by timeoutMs).
  enum class Pumped { Stay, Quit, Failed };  // Quit: shutdown's packet; Failed: *err says why.
  Pumped pump(DWORD timeoutMs, int* err);
  void complete(Op& op, DWORD bytes);
  static int errorOf(SocketState& st, Op& op);  // The Winsock error behind a failed operation.
  void completeAccept(Listener::AcceptOp& op);
  int startAccept(Listener& l, Listener::AcceptOp& op);  // Under l.mu.
  void setUpListener(Listener& l);  // Under l.mu: AcceptEx and the port for l.s; throws.
  void operationStarted() { outstanding_.fetch_add(1, std::memory_order_relaxed); }
  // Queue a packet with no OVERLAPPED. Retries briefly when the system is short of memory;
  // false if it still could not.
  bool postPacket(ULONG_PTR key);
  void operationFinished();

  PortEvents& events_;
  HANDLE port_ = nullptr;
  std::vector<std::unique_ptr<Listener>> listeners_;  // Set by listen(); freed with the port.
  std::atomic<bool> accepting_{true};
  std::atomic<bool> postArmed_{false};
  std::atomic<long> outstanding_{0};  // OS operations started and not yet completed.
  std::mutex drainMu_;
  std::condition_variable drained_;
  std::atomic<std::size_t> pendingReceives_{0};
  std::atomic<std::size_t> pendingReceiveBytes_{0};
  std::atomic<std::size_t> pendingSends_{0};
  TimerThread timer_;  // Posts kTimerKey packets.
};

}  // namespace iocp_native::win
