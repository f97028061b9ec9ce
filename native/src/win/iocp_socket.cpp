// A connection's socket on the completion port: receive (a zero-byte overlapped WSARecv while
// waiting), send (plain first, then an overlapped WSASend once the socket is full), close.
#include "iocp_port.h"

#include <algorithm>

namespace iocp_native::win {

long IocpSocket::receive(Buffer& into, std::size_t max, int* err) {
  SocketState& st = *st_;
  if (st.s == INVALID_SOCKET) {
    *err = WSAENOTSOCK;
    return -1;
  }
  if (const int e = st.recvError.exchange(0)) {  // The zero-byte receive failed, e.g. a reset.
    *err = e;
    return -1;
  }
  const long r = receiveThroughScratch(static_cast<net::SocketHandle>(st.s), into, max, err);
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
  if (st.send.pending()) {  // Order on the wire: after what is lent.
    *err = WSAEWOULDBLOCK;
    return -1;
  }
  if (const int e = st.send.error()) {  // The overlapped send failed: the connection is broken.
    *err = e;
    return -1;
  }
  const long r = net::sendSome(static_cast<net::SocketHandle>(st.s), src, n, err);
  if (r >= 0 || !net::wouldBlock(*err)) return r;
  // The socket's buffer is full: lend the bytes to an overlapped send; its completion says when
  // more can go.
  std::size_t taken = 0;
  if (const int e = st.send.begin(src, n, WSAEWOULDBLOCK, &taken)) {
    *err = e;
    return -1;
  }
  if (const int e = st.port.startSend(st_, false)) {
    st.send.abandon();
    *err = e;
    return -1;
  }
  return static_cast<long>(taken);
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
  if (!continuing) pendingSends_.fetch_add(1);
  WSABUF buf{static_cast<ULONG>(st->send.size()), const_cast<char*>(st->send.data())};
  operationStarted();
  if (WSASend(st->s, &buf, 1, nullptr, 0, &st->sendOp.ov, nullptr) != 0) {
    const int e = WSAGetLastError();
    if (e != WSA_IO_PENDING) {
      st->sendKeep.reset();
      operationFinished();
      if (!continuing) pendingSends_.fetch_sub(1);
      return startError(e);
    }
  }
  return 0;
}

}  // namespace iocp_native::win
