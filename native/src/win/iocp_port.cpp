// The I/O completion port: I/O threads in GetQueuedCompletionStatusEx, completions handed to the
// socket or listener they belong to, posted packets (post, timer, quit) and the drained shutdown.
#include "iocp_port.h"

#include "fault_injection.h"

#include <array>
#include <cstdio>
#include <stdexcept>

namespace iocp_native::win {

IocpPort::IocpPort(PortEvents& events) : events_(events) {
  port_ = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 0);
  if (port_ == nullptr) {
    throw std::runtime_error("cannot create an I/O completion port: " +
                             net::errorText(static_cast<int>(GetLastError())));
  }
  try {
    timer_.start([this] { return postPacket(kTimerKey); });
  } catch (...) {
    CloseHandle(port_);
    throw;
  }
}

IocpPort::~IocpPort() {
  stopAccepting();
  timer_.stop();
  if (outstanding_.load() > 0) {
    // shutdown() gave up waiting: an operation may still complete into its memory. Keep the
    // listeners (their accept areas) alive for good rather than free memory the OS may write.
    std::fprintf(stderr, "iocp: %ld I/O operations still outstanding at shutdown\n", outstanding_.load());
    for (auto& l : listeners_) l.release();
  }
  CloseHandle(port_);  // Discards what is still queued (the last thread's re-posted quit packet).
}

std::unique_ptr<PortSocket> IocpPort::attach(net::SocketHandle s, uint64_t connId) {
  if (CreateIoCompletionPort(reinterpret_cast<HANDLE>(sockOf(s)), port_, kIoKey, 0) == nullptr) {
    throw std::runtime_error("cannot associate a socket with the completion port: " +
                             net::errorText(static_cast<int>(GetLastError())));
  }
  return std::make_unique<IocpSocket>(std::make_shared<SocketState>(*this, sockOf(s), connId));
}

void IocpPort::run() {
  for (;;) {
    int err = 0;
    const Pumped p = fault::takeIoWaitFailure(&err) ? Pumped::Failed : pump(INFINITE, &err);
    if (p == Pumped::Quit) return;
    if (p == Pumped::Failed) {
      // The port is shared: the other I/O threads go on serving every connection.
      events_.onIoThreadFailed(-1, err, "GetQueuedCompletionStatusEx failed: " + net::errorText(err));
      return;
    }
  }
}

IocpPort::Pumped IocpPort::pump(DWORD timeoutMs, int* err) {
  std::array<OVERLAPPED_ENTRY, kBatch> entries;
  ULONG n = 0;
  if (!GetQueuedCompletionStatusEx(port_, entries.data(), kBatch, &n, timeoutMs, FALSE)) {
    const DWORD e = GetLastError();
    if (e == WAIT_TIMEOUT) return Pumped::Stay;
    *err = static_cast<int>(e);  // Anything else: the port is gone.
    return Pumped::Failed;
  }
  Pumped result = Pumped::Stay;
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
        result = Pumped::Quit;
        break;
      default:
        break;
    }
  }
  return result;
}

void IocpPort::complete(Op& op, DWORD bytes) {
  switch (op.kind) {
    case Op::Kind::Receive: {
      auto* st = static_cast<SocketState*>(op.owner);
      std::shared_ptr<SocketState> keep = std::move(st->recvKeep);  // Alive until we are done.
      if (!succeeded(op.ov)) st->recvError.store(errorOf(*st, op));
      pendingReceives_.fetch_sub(1);
      st->recvPending.store(false, std::memory_order_release);
      const IoEvent ev{st->id, kEvIn};
      events_.onIo(&ev, 1);
      break;
    }
    case Op::Kind::Send: {
      auto* st = static_cast<SocketState*>(op.owner);
      std::shared_ptr<SocketState> keep = std::move(st->sendKeep);
      if (!succeeded(op.ov)) {
        st->send.fail(errorOf(*st, op));
      } else if (st->send.sent(bytes)) {
        // Only part went: lend the rest again now (the strand may not write again for a while).
        const int e = startSend(keep, true);
        if (e == 0) break;  // Still pending; its completion continues.
        st->send.fail(e);
      }
      pendingSends_.fetch_sub(1);
      const IoEvent ev{st->id, kEvOut};
      events_.onIo(&ev, 1);
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

void IocpPort::armTimer(Clock::time_point when) { timer_.arm(when); }

void IocpPort::shutdown(int ioThreads) {
  stopAccepting();
  // Cancelled operations still complete; wait for them so no completion outlives its memory.
  const auto deadline = Clock::now() + std::chrono::milliseconds(kShutdownWaitMs);
  while (outstanding_.load() > 0 && Clock::now() < deadline) {
    if (ioThreads == 0) {
      // No I/O thread was started, or none is left: collect the completions here.
      int err = 0;
      if (pump(50, &err) == Pumped::Failed) break;  // The port itself is gone: nothing will come.
    } else {
      std::unique_lock<std::mutex> lock(drainMu_);
      drained_.wait_until(lock, deadline, [this] { return outstanding_.load() == 0; });
    }
  }
  timer_.stop();
  // The I/O threads cannot leave without this packet: insist.
  if (ioThreads > 0) {
    while (!postPacket(kQuitKey)) {
    }
  }
}

}  // namespace iocp_native::win

namespace iocp_native {

// Windows has one completion interface: the backend option is for Linux.
std::unique_ptr<Port> makePort(PortEvents& events, CompletionBackend, int, std::string* description) {
  *description = "IOCP";
  return std::make_unique<win::IocpPort>(events);
}

}  // namespace iocp_native
