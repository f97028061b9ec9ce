// The completion engine's port on Windows: one I/O completion port shared by the I/O threads
// (GetQueuedCompletionStatusEx), several AcceptEx pending per listener, zero-byte overlapped
// WSARecv and overlapped WSASend.
//
// Receiving: a connection that has read everything posts a zero-byte WSARecv, so a waiting
// connection lends no buffer to the kernel; its completion reports kEvIn and the fiber then reads
// with a plain non-blocking recv into the I/O thread's scratch area.
// Sending: a plain non-blocking send first; when the socket buffer is full, up to
// kMaxSendInFlight bytes are copied to the connection's in-flight buffer and lent to an
// overlapped WSASend. A completion that sent only part of them (Wine does this) lends the rest
// again at once, from the I/O thread; once all is sent it reports kEvOut.
//
// Lifetime: every outstanding operation holds a reference to its socket's state (or, for
// accepts, lives as long as the port), so a completion never touches freed memory. Closing a
// socket cancels its operations (CancelIoEx + closesocket); their completions still arrive and
// only drop the reference. shutdown() waits until no operation is outstanding before the I/O
// threads leave. Timers: one helper thread posts a packet when the armed deadline passes (the
// counterpart of Linux's timerfd).
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "completion_port.h"

namespace iocp {

namespace {

// Completion keys. Socket operations carry kIoKey and an Op as their OVERLAPPED.
constexpr ULONG_PTR kIoKey = 1;
constexpr ULONG_PTR kPostKey = 2;
constexpr ULONG_PTR kTimerKey = 3;
constexpr ULONG_PTR kQuitKey = 4;

constexpr int kAcceptsPerListener = 16;               // AcceptEx calls kept pending per binding.
constexpr std::size_t kMaxSendInFlight = 256 * 1024;  // Bytes lent to one overlapped WSASend.
// Completions dequeued per call. Each may run a handler inline, so a small batch leaves the rest
// to other idle I/O threads instead of serialising them behind one.
constexpr ULONG kBatch = 16;
constexpr DWORD kAddressRoom = sizeof(sockaddr_storage) + 16;  // AcceptEx: per address.
constexpr int kShutdownWaitMs = 10000;  // Bound on waiting for cancelled operations to complete.

SOCKET sockOf(net::SocketHandle s) { return static_cast<SOCKET>(s); }

// An accept that failed because of that one connection (the client gave up or reset first):
// listening goes on at once. Other accept failures back off (PortEvents::onAcceptFailed).
bool connectionOnlyAcceptError(int e) {
  return e == WSAECONNRESET || e == WSAECONNABORTED || e == WSAETIMEDOUT || e == ERROR_NETNAME_DELETED;
}

// WSARecv/WSASend/AcceptEx refuse to start with WSAEWOULDBLOCK when the system has too many
// overlapped requests outstanding. No completion follows, so that must not read as "would block,
// wait for the port": report it as the resource error it is.
int startError(int e) { return e == WSAEWOULDBLOCK ? WSAENOBUFS : e; }
bool succeeded(const OVERLAPPED& ov) { return static_cast<LONG>(ov.Internal) >= 0; }  // NT_SUCCESS.

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
  // Set by the strand when an operation starts, cleared by its completion (release/acquire).
  std::atomic<bool> recvPending{false};
  std::atomic<bool> sendPending{false};
  // The Winsock error that ended the last operation, set by its completion; 0 = none.
  std::atomic<int> recvError{0};
  std::atomic<int> sendError{0};
  // Self-references held while an operation is outstanding, dropped by its completion.
  std::shared_ptr<SocketState> recvKeep, sendKeep;
  // Bytes lent to the overlapped send: the strand's while !sendPending, the completion's while
  // sendPending.
  std::string inflight;
};

struct Listener {
  SOCKET s = INVALID_SOCKET;
  int family = AF_INET;
  std::size_t index = 0;
  LPFN_ACCEPTEX acceptEx = nullptr;
  std::mutex mu;  // Guards s against stopAccepting() closing it while an accept is (re)posted.
  bool closed = false;
  struct AcceptOp : Op {
    explicit AcceptOp(Listener* l) : Op(Kind::Accept, l) {}
    SOCKET accepted = INVALID_SOCKET;  // Guarded by Listener::mu.
    bool pending = false;              // Guarded by Listener::mu.
    char addresses[2 * kAddressRoom];
  };
  std::vector<std::unique_ptr<AcceptOp>> ops;
};

class IocpSocket final : public PortSocket {
 public:
  explicit IocpSocket(std::shared_ptr<SocketState> st) : st_(std::move(st)) {}
  ~IocpSocket() override { close(); }
  long receive(char* dst, std::size_t n, int* err) override;
  long send(const char* src, std::size_t n, int* err) override;
  bool sendPending() const override { return st_->sendPending.load(std::memory_order_acquire); }
  void shutdownSend() override {
    if (st_->s != INVALID_SOCKET) net::shutdownWrite(static_cast<net::SocketHandle>(st_->s));
  }
  void close() override;

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
  // Lend st->inflight to an overlapped send: from the strand with no send pending, or from the
  // completion of the previous part (`continuing`, the send still counts as pending).
  int startSend(const std::shared_ptr<SocketState>& st, bool continuing);

 private:
  // Dequeue and handle one batch of completions. Returns false when this thread must leave.
  bool pump(DWORD timeoutMs);
  void complete(Op& op, DWORD bytes);
  static int errorOf(SocketState& st, Op& op);  // The Winsock error behind a failed operation.
  void completeAccept(Listener::AcceptOp& op);
  int startAccept(Listener& l, Listener::AcceptOp& op);  // Under l.mu.
  void operationStarted() { outstanding_.fetch_add(1, std::memory_order_relaxed); }
  // Queue a packet with no OVERLAPPED. Retries briefly when the system is short of memory;
  // false if it still could not.
  bool postPacket(ULONG_PTR key);
  void operationFinished();
  void timerLoop();
  void stopTimerThread();

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
  // Timer thread.
  std::mutex timerMu_;
  std::condition_variable timerCv_;
  Clock::time_point deadline_ = Clock::time_point::max();  // Guarded by timerMu_.
  bool timerQuit_ = false;                                 // Guarded by timerMu_.
  std::thread timerThread_;
};

// ---------------------------------------------------------------------------------------------
// IocpSocket (the connection's strand)

long IocpSocket::receive(char* dst, std::size_t n, int* err) {
  SocketState& st = *st_;
  if (st.s == INVALID_SOCKET) {
    *err = WSAENOTSOCK;
    return -1;
  }
  if (const int e = st.recvError.exchange(0)) {  // The zero-byte receive failed, e.g. a reset.
    *err = e;
    return -1;
  }
  const long r = net::recvSome(static_cast<net::SocketHandle>(st.s), dst, n, err);
  if (r >= 0 || !net::wouldBlock(*err)) return r;
  if (!st.recvPending.load(std::memory_order_acquire)) {
    const int e = st.port.startReceive(st_);
    if (e != 0) {
      *err = e;
      return -1;
    }
  }
  *err = WSAEWOULDBLOCK;
  return -1;
}

long IocpSocket::send(const char* src, std::size_t n, int* err) {
  SocketState& st = *st_;
  if (st.s == INVALID_SOCKET) {
    *err = WSAENOTSOCK;
    return -1;
  }
  if (st.sendPending.load(std::memory_order_acquire)) {  // Order on the wire: after what is lent.
    *err = WSAEWOULDBLOCK;
    return -1;
  }
  if (const int e = st.sendError.load()) {  // The overlapped send failed: the connection is broken.
    *err = e;
    return -1;
  }
  const long r = net::sendSome(static_cast<net::SocketHandle>(st.s), src, n, err);
  if (r >= 0 || !net::wouldBlock(*err)) return r;
  // The socket's buffer is full: lend the bytes to an overlapped send; its completion says when
  // more can go.
  const std::size_t take = std::min(n, kMaxSendInFlight);
  st.inflight.assign(src, take);
  const int e = st.port.startSend(st_, false);
  if (e != 0) {
    std::string().swap(st.inflight);
    *err = e;
    return -1;
  }
  return static_cast<long>(take);
}

void IocpSocket::close() {
  SocketState& st = *st_;
  std::lock_guard<std::mutex> lock(st.mu);
  if (st.s == INVALID_SOCKET) return;
  // Cancel what is outstanding; the completions still come (aborted) and drop their reference.
  CancelIoEx(reinterpret_cast<HANDLE>(st.s), nullptr);
  net::closeSocket(static_cast<net::SocketHandle>(st.s));
  st.s = INVALID_SOCKET;
}

// ---------------------------------------------------------------------------------------------
// IocpPort

IocpPort::IocpPort(PortEvents& events) : events_(events) {
  port_ = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 0);
  if (port_ == nullptr) {
    throw std::runtime_error("cannot create an I/O completion port: " +
                             net::errorText(static_cast<int>(GetLastError())));
  }
  try {
    timerThread_ = std::thread([this] { timerLoop(); });
  } catch (...) {
    CloseHandle(port_);
    throw;
  }
}

IocpPort::~IocpPort() {
  stopAccepting();
  stopTimerThread();
  if (outstanding_.load() > 0) {
    // shutdown() gave up waiting: an operation may still complete into its memory. Keep the
    // listeners (their accept areas) alive for good rather than free memory the OS may write.
    std::fprintf(stderr, "iocp: %ld I/O operations still outstanding at shutdown\n", outstanding_.load());
    for (auto& l : listeners_) l.release();
  }
  CloseHandle(port_);  // Discards what is still queued (the last thread's re-posted quit packet).
}

void IocpPort::listen(const std::vector<net::OpenListener>& listeners) {
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    auto l = std::make_unique<Listener>();
    l->s = sockOf(listeners[i].socket);
    l->index = i;
    listeners_.push_back(std::move(l));
  }
  for (auto& lp : listeners_) {
    Listener& l = *lp;
    sockaddr_storage ss{};
    int len = sizeof ss;
    getsockname(l.s, reinterpret_cast<sockaddr*>(&ss), &len);
    l.family = ss.ss_family;
    GUID guid = WSAID_ACCEPTEX;
    DWORD bytes = 0;
    if (WSAIoctl(l.s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof guid, &l.acceptEx,
                 sizeof l.acceptEx, &bytes, nullptr, nullptr) != 0 ||
        CreateIoCompletionPort(reinterpret_cast<HANDLE>(l.s), port_, kIoKey, 0) == nullptr) {
      throw std::runtime_error("cannot set up AcceptEx on a listener: " +
                               net::errorText(WSAGetLastError()));
    }
    std::lock_guard<std::mutex> lock(l.mu);
    for (int k = 0; k < kAcceptsPerListener; ++k) {
      l.ops.push_back(std::make_unique<Listener::AcceptOp>(&l));
      const int e = startAccept(l, *l.ops.back());
      if (e != 0) throw std::runtime_error("cannot start AcceptEx: " + net::errorText(e));
    }
  }
}

int IocpPort::startAccept(Listener& l, Listener::AcceptOp& op) {
  for (;;) {
    if (l.closed || op.pending) return 0;
    const SOCKET a = WSASocketW(l.family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0,
                                WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (a == INVALID_SOCKET) return WSAGetLastError();
    net::countSocket(+1);
    op.ov = OVERLAPPED{};
    op.accepted = a;
    op.pending = true;
    operationStarted();
    DWORD received = 0;
    if (l.acceptEx(l.s, a, op.addresses, 0, kAddressRoom, kAddressRoom, &received, &op.ov)) return 0;
    const int e = WSAGetLastError();
    if (e == ERROR_IO_PENDING) return 0;
    op.pending = false;
    op.accepted = INVALID_SOCKET;
    net::closeSocket(static_cast<net::SocketHandle>(a));
    operationFinished();
    if (!connectionOnlyAcceptError(e)) return startError(e);
  }
}

void IocpPort::completeAccept(Listener::AcceptOp& op) {
  Listener& l = *static_cast<Listener*>(op.owner);
  SOCKET a;
  int restartError = 0;
  {
    std::lock_guard<std::mutex> lock(l.mu);
    a = op.accepted;
    op.accepted = INVALID_SOCKET;
    op.pending = false;
    if (l.closed) {  // Stopping: cancelled, or accepted too late to serve.
      net::closeSocket(static_cast<net::SocketHandle>(a));
      return;
    }
    if (succeeded(op.ov)) {
      // Gives the socket its addresses and makes shutdown() work on it.
      setsockopt(a, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, reinterpret_cast<const char*>(&l.s),
                 sizeof l.s);
      restartError = startAccept(l, op);  // Keep the pending count up before running a handler.
    } else {
      net::closeSocket(static_cast<net::SocketHandle>(a));
      a = INVALID_SOCKET;
      DWORD bytes = 0, flags = 0;
      const int e = WSAGetOverlappedResult(l.s, &op.ov, &bytes, FALSE, &flags) ? 0 : WSAGetLastError();
      // One client's failure: listen on. Anything else backs off (resumeAccept re-posts this op).
      restartError = connectionOnlyAcceptError(e) ? startAccept(l, op) : startError(e);
    }
  }
  if (a != INVALID_SOCKET) {
    const auto h = static_cast<net::SocketHandle>(a);
    net::setNonBlocking(h, true);
    events_.onAccepted(l.index, h, net::peerEndpoint(h), net::localEndpoint(h));
  }
  if (restartError != 0) events_.onAcceptFailed(l.index, restartError);
}

void IocpPort::resumeAccept(std::size_t binding) {
  Listener& l = *listeners_[binding];
  int error = 0;
  {
    std::lock_guard<std::mutex> lock(l.mu);
    for (auto& op : l.ops) {
      error = startAccept(l, *op);
      if (error != 0) break;
    }
  }
  if (error != 0) events_.onAcceptFailed(binding, error);
}

void IocpPort::stopAccepting() {
  if (!accepting_.exchange(false)) return;
  for (auto& lp : listeners_) {
    std::lock_guard<std::mutex> lock(lp->mu);
    lp->closed = true;
    // Closing the listener cancels its pending AcceptEx calls; they complete as aborted.
    CancelIoEx(reinterpret_cast<HANDLE>(lp->s), nullptr);
    net::closeSocket(static_cast<net::SocketHandle>(lp->s));
    lp->s = INVALID_SOCKET;
  }
}

std::unique_ptr<PortSocket> IocpPort::attach(net::SocketHandle s, uint64_t connId) {
  if (CreateIoCompletionPort(reinterpret_cast<HANDLE>(sockOf(s)), port_, kIoKey, 0) == nullptr) {
    throw std::runtime_error("cannot associate a socket with the completion port: " +
                             net::errorText(static_cast<int>(GetLastError())));
  }
  return std::make_unique<IocpSocket>(std::make_shared<SocketState>(*this, sockOf(s), connId));
}

int IocpPort::startReceive(const std::shared_ptr<SocketState>& st) {
  // Everything is set before the call: the completion may run on another thread before it returns.
  st->recvOp.ov = OVERLAPPED{};
  st->recvKeep = st;
  st->recvPending.store(true, std::memory_order_release);
  WSABUF none{0, nullptr};  // Zero bytes: completes when data (or FIN, or an error) is there.
  DWORD flags = 0;
  operationStarted();
  pendingReceives_.fetch_add(1);
  pendingReceiveBytes_.fetch_add(none.len);
  if (WSARecv(st->s, &none, 1, nullptr, &flags, &st->recvOp.ov, nullptr) != 0) {
    const int e = WSAGetLastError();
    if (e != WSA_IO_PENDING) {  // Failed at once: no completion will come.
      pendingReceives_.fetch_sub(1);
      pendingReceiveBytes_.fetch_sub(none.len);
      st->recvPending.store(false, std::memory_order_release);
      st->recvKeep.reset();
      operationFinished();
      return startError(e);
    }
  }
  return 0;
}

int IocpPort::startSend(const std::shared_ptr<SocketState>& st, bool continuing) {
  std::lock_guard<std::mutex> lock(st->mu);  // An I/O thread continuing must not race close().
  if (st->s == INVALID_SOCKET) return WSAENOTSOCK;
  st->sendOp.ov = OVERLAPPED{};
  st->sendKeep = st;
  if (!continuing) {
    st->sendPending.store(true, std::memory_order_release);
    pendingSends_.fetch_add(1);
  }
  WSABUF buf{static_cast<ULONG>(st->inflight.size()), st->inflight.data()};
  operationStarted();
  if (WSASend(st->s, &buf, 1, nullptr, 0, &st->sendOp.ov, nullptr) != 0) {
    const int e = WSAGetLastError();
    if (e != WSA_IO_PENDING) {
      st->sendKeep.reset();
      operationFinished();
      if (!continuing) {
        pendingSends_.fetch_sub(1);
        st->sendPending.store(false, std::memory_order_release);
      }
      return startError(e);
    }
  }
  return 0;
}

void IocpPort::run() {
  while (pump(INFINITE)) {
  }
}

bool IocpPort::pump(DWORD timeoutMs) {
  std::array<OVERLAPPED_ENTRY, kBatch> entries;
  ULONG n = 0;
  if (!GetQueuedCompletionStatusEx(port_, entries.data(), kBatch, &n, timeoutMs, FALSE)) {
    return GetLastError() == WAIT_TIMEOUT;  // Anything else: the port is gone.
  }
  bool stay = true;
  for (ULONG i = 0; i < n; ++i) {
    switch (entries[i].lpCompletionKey) {
      case kIoKey:
        complete(*reinterpret_cast<Op*>(entries[i].lpOverlapped),
                 entries[i].dwNumberOfBytesTransferred);
        break;
      case kPostKey:
        postArmed_.store(false);  // Before draining: a post() from now on sends a new packet.
        events_.onPosted();
        break;
      case kTimerKey:
        events_.onTimer();
        break;
      case kQuitKey:
        // Pass it on, so every I/O thread sees one, whichever thread dequeues it.
        postPacket(kQuitKey);
        stay = false;
        break;
      default:
        break;
    }
  }
  return stay;
}

void IocpPort::complete(Op& op, DWORD bytes) {
  switch (op.kind) {
    case Op::Kind::Receive: {
      auto* st = static_cast<SocketState*>(op.owner);
      std::shared_ptr<SocketState> keep = std::move(st->recvKeep);  // Alive until we are done.
      if (!succeeded(op.ov)) st->recvError.store(errorOf(*st, op));
      pendingReceives_.fetch_sub(1);
      st->recvPending.store(false, std::memory_order_release);
      events_.onIo(st->id, kEvIn);
      break;
    }
    case Op::Kind::Send: {
      auto* st = static_cast<SocketState*>(op.owner);
      std::shared_ptr<SocketState> keep = std::move(st->sendKeep);
      if (!succeeded(op.ov)) {
        st->sendError.store(errorOf(*st, op));
      } else if (bytes < st->inflight.size()) {
        // Only part went: lend the rest again now (the strand may not write again for a while).
        st->inflight.erase(0, bytes);
        const int e = startSend(keep, true);
        if (e == 0) break;  // Still pending; its completion continues.
        st->sendError.store(e);
      } else {
        std::string().swap(st->inflight);  // All sent: hold no buffer.
      }
      pendingSends_.fetch_sub(1);
      st->sendPending.store(false, std::memory_order_release);
      events_.onIo(st->id, kEvOut);
      break;
    }
    case Op::Kind::Accept:
      completeAccept(static_cast<Listener::AcceptOp&>(op));
      break;
  }
  operationFinished();
}

int IocpPort::errorOf(SocketState& st, Op& op) {
  std::lock_guard<std::mutex> lock(st.mu);
  if (st.s == INVALID_SOCKET) return WSA_OPERATION_ABORTED;  // Closed by us: nobody will ask.
  DWORD bytes = 0, flags = 0;
  if (WSAGetOverlappedResult(st.s, &op.ov, &bytes, FALSE, &flags)) return WSAECONNABORTED;
  return WSAGetLastError();
}

void IocpPort::operationFinished() {
  if (outstanding_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    std::lock_guard<std::mutex> lock(drainMu_);
    drained_.notify_all();
  }
}

bool IocpPort::postPacket(ULONG_PTR key) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (PostQueuedCompletionStatus(port_, 0, key, nullptr)) return true;
    Sleep(1);
  }
  std::fprintf(stderr, "iocp: PostQueuedCompletionStatus failed: %s\n",
               net::errorText(static_cast<int>(GetLastError())).c_str());
  return false;
}

void IocpPort::post() {
  if (postArmed_.exchange(true)) return;  // A packet is on its way; it drains everything queued.
  if (!postPacket(kPostKey)) postArmed_.store(false);  // The next post() tries again.
}

void IocpPort::armTimer(Clock::time_point when) {
  {
    std::lock_guard<std::mutex> lock(timerMu_);
    deadline_ = when;
  }
  timerCv_.notify_one();
}

void IocpPort::timerLoop() {
  std::unique_lock<std::mutex> lock(timerMu_);
  while (!timerQuit_) {
    if (deadline_ == Clock::time_point::max()) {
      timerCv_.wait(lock);
    } else if (Clock::now() < deadline_) {
      timerCv_.wait_until(lock, deadline_);
    } else {
      const Clock::time_point due = deadline_;
      deadline_ = Clock::time_point::max();  // One packet per arming; onTimer re-arms.
      lock.unlock();
      const bool posted = postPacket(kTimerKey);
      lock.lock();
      if (!posted && deadline_ == Clock::time_point::max()) deadline_ = due;  // Try again.
    }
  }
}

void IocpPort::stopTimerThread() {
  if (!timerThread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(timerMu_);
    timerQuit_ = true;
  }
  timerCv_.notify_one();
  timerThread_.join();
}

void IocpPort::shutdown(int ioThreads) {
  stopAccepting();
  // Cancelled operations still complete; wait for them so no completion outlives its memory.
  const auto deadline = Clock::now() + std::chrono::milliseconds(kShutdownWaitMs);
  while (outstanding_.load() > 0 && Clock::now() < deadline) {
    if (ioThreads == 0) {
      pump(50);  // No I/O thread was started: collect the completions here.
    } else {
      std::unique_lock<std::mutex> lock(drainMu_);
      drained_.wait_until(lock, deadline, [this] { return outstanding_.load() == 0; });
    }
  }
  stopTimerThread();
  // The I/O threads cannot leave without this packet: insist.
  if (ioThreads > 0) {
    while (!postPacket(kQuitKey)) {
    }
  }
}

}  // namespace

std::unique_ptr<Port> makePort(PortEvents& events) { return std::make_unique<IocpPort>(events); }

}  // namespace iocp
