// Listeners on the completion port: kAcceptsPerListener AcceptEx calls kept pending per binding,
// re-posted as each completes; failures of one connection re-post at once, others back off.
#include "iocp_port.h"

#include <stdexcept>

namespace iocp_native::win {

void IocpPort::listen(const std::vector<net::OpenListener>& listeners) {
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    auto l = std::make_unique<Listener>();
    l->s = sockOf(listeners[i].socket);
    l->index = i;
    listeners_.push_back(std::move(l));
  }
  for (auto& lp : listeners_) {
    Listener& l = *lp;
    std::lock_guard<std::mutex> lock(l.mu);
    setUpListener(l);
    for (int k = 0; k < kAcceptsPerListener; ++k) {
      l.ops.push_back(std::make_unique<Listener::AcceptOp>(&l));
      const int e = startAccept(l, *l.ops.back());
      if (e != 0) throw std::runtime_error("cannot start AcceptEx: " + net::errorText(e));
    }
  }
}

void IocpPort::setUpListener(Listener& l) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  getsockname(l.s, reinterpret_cast<sockaddr*>(&ss), &len);
  l.family = ss.ss_family;
  GUID guid = WSAID_ACCEPTEX;
  DWORD bytes = 0;
  if (WSAIoctl(l.s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof guid, &l.acceptEx,
               sizeof l.acceptEx, &bytes, nullptr, nullptr) != 0 ||
      CreateIoCompletionPort(reinterpret_cast<HANDLE>(l.s), port_, kIoKey, 0) == nullptr) {
    throw std::runtime_error("cannot set up AcceptEx on a listener: " + net::errorText(WSAGetLastError()));
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
    op.generation = l.generation;
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
    if (l.closed || op.generation != l.generation) {
      // Stopping or paused: cancelled, or accepted too late to serve. Posted on a socket that
      // StopListening closed and StartListening replaced: post it again on the new one.
      net::closeSocket(static_cast<net::SocketHandle>(a));
      restartError = l.closed ? 0 : startAccept(l, op);
      a = INVALID_SOCKET;
    } else if (succeeded(op.ov)) {
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
  pauseListening();
}

void IocpPort::pauseListening() {
  for (auto& lp : listeners_) {
    std::lock_guard<std::mutex> lock(lp->mu);
    lp->closed = true;
    if (lp->s == INVALID_SOCKET) continue;  // Paused already.
    // Closing the listener cancels its pending AcceptEx calls; they complete as aborted.
    CancelIoEx(reinterpret_cast<HANDLE>(lp->s), nullptr);
    net::closeSocket(static_cast<net::SocketHandle>(lp->s));
    lp->s = INVALID_SOCKET;
  }
}

void IocpPort::resumeListening(const std::vector<net::OpenListener>& listeners) {
  std::size_t taken = 0;
  try {
    for (; taken < listeners.size() && taken < listeners_.size(); ++taken) {
      Listener& l = *listeners_[taken];
      int error = 0;
      {
        std::lock_guard<std::mutex> lock(l.mu);
        l.s = sockOf(listeners[taken].socket);
        ++l.generation;  // Accepts still pending on the old socket re-post when they complete.
        setUpListener(l);
        l.closed = false;
        for (auto& op : l.ops) {
          error = startAccept(l, *op);
          if (error != 0) break;
        }
      }
      if (error != 0) events_.onAcceptFailed(l.index, error);
    }
  } catch (...) {
    for (std::size_t k = taken + 1; k < listeners.size(); ++k) net::closeSocket(listeners[k].socket);
    throw;  // listeners_[taken] holds its socket (closed with the port).
  }
}

}  // namespace iocp_native::win
