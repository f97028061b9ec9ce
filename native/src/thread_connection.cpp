#include "thread_connection.h"

#include <algorithm>

namespace iocp_native {

ThreadConnection::ThreadConnection(uint64_t id, net::SocketHandle s, Endpoint peer, Endpoint local,
                                   TrafficCounters* counters, int outsideWriteTimeoutMs)
    : StreamConnection(id, std::move(peer), std::move(local), counters),
      socket_(s),
      outsideWriteTimeoutMs_(outsideWriteTimeoutMs) {
  // Every wait goes through waitReadable/waitWritable, which interrupt() can end; a thread never
  // sits inside recv or send, where not every platform lets another thread wake it (Winsock).
  net::setNonBlocking(s, true);
  setHandle(s);
}

bool ThreadConnection::inHandler() const {
  const std::thread::id owner = owner_.load();
  if (owner == std::thread::id()) return !expectingOwner_.load();  // A client: every thread.
  return owner == std::this_thread::get_id();
}

ThreadConnection::~ThreadConnection() { close(); }

void ThreadConnection::close() {
  if (tlsOn() && socket_ != net::kInvalidSocket) {
    // Bytes still unread when a socket closes make the OS reset the connection, and a reset can
    // overtake the close_notify: a TLS peer's last handshake or protocol records are taken first.
    char scrap[4096];
    int err = 0;
    for (int i = 0; i < 16 && net::recvSome(socket_, scrap, sizeof scrap, &err) > 0; ++i) {
    }
  }
  interrupt();  // Wakes a sender from another thread blocked on a peer that does not read.
  std::lock_guard<std::mutex> sending(sendMu_);
  std::lock_guard<std::mutex> lock(mu_);
  if (socket_ == net::kInvalidSocket) return;
  setHandle(-1);
  net::closeSocket(socket_);
  socket_ = net::kInvalidSocket;
}

void ThreadConnection::interrupt() {
  if (flushOnClose()) {
    // TLS: close_notify first, as far as the socket takes it now, unless a write holds the
    // socket (a blocked sender is what this call must wake).
    std::unique_lock<std::mutex> sending(sendMu_, std::try_to_lock);
    if (sending.owns_lock() && tlsOn() && socket_ != net::kInvalidSocket) sendTlsCloseLocked(Clock::now());
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (socket_ != net::kInvalidSocket) net::shutdownBoth(socket_);
}

void ThreadConnection::enableLiveness(const LivenessOptions& options, std::function<void()> onPing) {
  onPing_ = std::move(onPing);
  startLiveness(options);
}

int ThreadConnection::waitMsUntil(Clock::time_point deadline, Clock::time_point now) const {
  const Clock::time_point due = std::min(deadline, livenessDue());
  if (due == Clock::time_point::max()) return -1;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(due - now).count();
  if (left <= 0) return 0;
  return static_cast<int>(std::min<long long>(left + 1, 24LL * 3600 * 1000));  // Rounded up.
}

void ThreadConnection::sendPing(const std::string& payload) {
  if (onPing_) onPing_();
  if (!payload.empty()) sendAll(payload.data(), payload.size());  // Past any open write buffer.
}

IoStatus ThreadConnection::afterTlsReceive(const char* bytes, std::size_t n) {
  Absorbed a;
  {
    std::lock_guard<std::mutex> tls(tlsMu_);
    if (n > 0) receiveInto().append(bytes, n);
    a = absorbReceived();
  }
  // The session's replies (handshake records, tickets, an alert) go out before it goes on; a
  // peer that does not read them within the outside-write timeout is not worth waiting for.
  const IoStatus sent = sendTlsOutput(Clock::now() + std::chrono::milliseconds(outsideWriteTimeoutMs_));
  switch (a) {
    case Absorbed::Progress: break;
    case Absorbed::More: return sent == IoStatus::Ok ? IoStatus::Timeout : sent;
    case Absorbed::Failed: return tlsFailed();
  }
  return sent;
}

IoStatus ThreadConnection::sendTlsOutput(Clock::time_point deadline) {
  std::lock_guard<std::mutex> lock(sendMu_);
  Buffer wire;
  {
    std::lock_guard<std::mutex> tls(tlsMu_);
    takeTlsOutput(wire);
  }
  if (wire.empty() || socket_ == net::kInvalidSocket) return IoStatus::Ok;
  const IoStatus st = sendLocked(wire.data(), wire.size(), deadline);
  return st == IoStatus::Timeout ? IoStatus::NotConnected : st;
}

IoStatus ThreadConnection::openTls() {
  {
    // Writes from other threads see the session once it exists: made under their lock.
    std::lock_guard<std::mutex> sending(sendMu_);
    std::lock_guard<std::mutex> tls(tlsMu_);
    beginTls();
  }
  // The bytes that were already received (now the intake) first; a client's first step sends
  // its ClientHello.
  const IoStatus st = afterTlsReceive(nullptr, 0);
  return st == IoStatus::Timeout ? IoStatus::Ok : st;
}

IoStatus ThreadConnection::fillSome(Clock::time_point deadline, bool infinite) {
  if (socket_ == net::kInvalidSocket) return IoStatus::NotConnected;  // After close().
  for (bool first = true;; first = false) {
    if (tlsPeerClosed()) return peerClosed();  // Its close_notify came with its last bytes.
    const Clock::time_point now = Clock::now();
    // Past the deadline, one look without waiting (a zero timeout polls).
    if (!infinite && now >= deadline && !first) return IoStatus::Timeout;
    if (now >= livenessDue()) {
      // Waiting for input is where a dead peer shows: ping or give up here.
      if (!runLiveness(now) || closing()) return IoStatus::NotConnected;
      continue;
    }
    int err = 0;
    const int ready = net::waitReadable(socket_, waitMsUntil(infinite ? Clock::time_point::max() : deadline, now), &err);
    if (closing()) return IoStatus::NotConnected;
    if (ready < 0) return socketError(err);
    if (ready == 0) continue;  // Re-check the deadlines.
    // Receive on the stack and keep only what arrived: an idle connection pins no 64 KiB block.
    char chunk[kReadChunk];
    const long n = net::recvSome(socket_, chunk, sizeof chunk, &err);
    if (closing()) return IoStatus::NotConnected;
    if (n > 0) {
      if (!tlsOn()) {
        input_.append(chunk, static_cast<std::size_t>(n));
        return IoStatus::Ok;
      }
      const IoStatus st = afterTlsReceive(chunk, static_cast<std::size_t>(n));
      if (st != IoStatus::Timeout) return st;
      continue;  // Only handshake or protocol records: receive more.
    }
    if (n == 0) {
      noteTlsTruncation();
      return peerClosed();
    }
    if (net::interrupted(err) || net::wouldBlock(err)) continue;
    return socketError(err);
  }
}

void ThreadConnection::shutdownSend() {
  std::lock_guard<std::mutex> lock(sendMu_);  // After any write in progress.
  if (socket_ == net::kInvalidSocket) return;
  sendTlsCloseLocked(Clock::now() + std::chrono::milliseconds(outsideWriteTimeoutMs_));
  net::shutdownWrite(socket_);
}

void ThreadConnection::sendTlsCloseLocked(Clock::time_point deadline) {
  Buffer wire;
  {
    std::lock_guard<std::mutex> tls(tlsMu_);
    closeTls(wire);
  }
  if (!wire.empty()) sendLocked(wire.data(), wire.size(), deadline);
}

IoStatus ThreadConnection::sendAll(const char* bytes, std::size_t n) {
  std::lock_guard<std::mutex> lock(sendMu_);
  if (socket_ == net::kInvalidSocket) return IoStatus::NotConnected;  // After close().
  return sendPlain(bytes, n, Clock::time_point::max());
}

IoStatus ThreadConnection::sendPlain(const char* bytes, std::size_t n, Clock::time_point deadline) {
  if (!tlsOn()) return sendLocked(bytes, n, deadline);
  // Encrypt a piece at a time and send it, so a large write holds one piece of ciphertext.
  constexpr std::size_t kPiece = 64 * 1024;
  Buffer wire;
  do {
    const std::size_t k = std::min(n, kPiece);
    bool ok;
    {
      std::lock_guard<std::mutex> tls(tlsMu_);
      ok = encrypt(bytes, k, wire);
    }
    if (!ok) return tlsFailed();
    bytes += k;
    n -= k;
    if (!wire.empty()) {
      if (const IoStatus st = sendLocked(wire.data(), wire.size(), deadline); st != IoStatus::Ok) return st;
      wire.clear();
    }
  } while (n > 0);
  return IoStatus::Ok;
}

IoStatus ThreadConnection::sendFromOutside(const char* bytes, std::size_t n) {
  std::lock_guard<std::mutex> lock(sendMu_);
  if (socket_ == net::kInvalidSocket) return IoStatus::NotConnected;
  const IoStatus st =
      sendPlain(bytes, n, Clock::now() + std::chrono::milliseconds(outsideWriteTimeoutMs_));
  if (st != IoStatus::Timeout) return st;
  disconnect(CloseReason::SlowConsumer);
  return IoStatus::NotConnected;
}

IoStatus ThreadConnection::sendLocked(const char* bytes, std::size_t n, Clock::time_point deadline) {
  for (;;) {
    const int err = sendWhatFits(
        [this](const char* b, std::size_t k, int* e) { return net::sendSome(socket_, b, k, e); }, bytes, n);
    if (closing()) return IoStatus::NotConnected;
    if (err != 0) return socketError(err);
    if (n == 0) return IoStatus::Ok;
    const Clock::time_point now = Clock::now();
    if (now >= deadline) return IoStatus::Timeout;  // Never for max(): no limit.
    int waitMs = -1;
    if (deadline != Clock::time_point::max()) {
      waitMs = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count());
    }
    int waitErr = 0;
    if (net::waitWritable(socket_, waitMs, &waitErr) < 0) return socketError(waitErr);
  }
}

}  // namespace iocp_native
