#include "blocking_connection.h"

#include <algorithm>

namespace iocp {

namespace {
constexpr std::size_t kReadChunk = 64 * 1024;
}

BlockingConnection::BlockingConnection(uint64_t id, net::SocketHandle s, Endpoint peer, Endpoint local,
                                       int outsideWriteTimeoutMs)
    : Connection(id, std::move(peer), std::move(local)),
      socket_(s),
      outsideWriteTimeoutMs_(outsideWriteTimeoutMs) {
  // Every wait goes through waitReadable/waitWritable, which interrupt() can end; a thread never
  // sits inside recv or send, where not every platform lets another thread wake it (Winsock).
  net::setNonBlocking(s, true);
  setHandle(s);
}

bool BlockingConnection::inHandler() const {
  const std::thread::id owner = owner_.load();
  return owner == std::thread::id() || owner == std::this_thread::get_id();
}

BlockingConnection::~BlockingConnection() { close(); }

void BlockingConnection::close() {
  interrupt();  // Wakes a sender from another thread blocked on a peer that does not read.
  std::lock_guard<std::mutex> sending(sendMu_);
  std::lock_guard<std::mutex> lock(mu_);
  if (socket_ == net::kInvalidSocket) return;
  setHandle(-1);
  net::closeSocket(socket_);
  socket_ = net::kInvalidSocket;
}

void BlockingConnection::interrupt() {
  std::lock_guard<std::mutex> lock(mu_);
  if (socket_ != net::kInvalidSocket) net::shutdownBoth(socket_);
}

void BlockingConnection::startLiveness(const LivenessOptions& options,
                                       std::function<void(Connection&)> onPing) {
  onPing_ = std::move(onPing);
  Connection::startLiveness(options);
}

int BlockingConnection::waitMsUntil(Clock::time_point deadline, Clock::time_point now) const {
  const Clock::time_point due = std::min(deadline, livenessDue());
  if (due == Clock::time_point::max()) return -1;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(due - now).count();
  if (left <= 0) return 0;
  return static_cast<int>(std::min<long long>(left + 1, 24LL * 3600 * 1000));  // Rounded up.
}

void BlockingConnection::sendPing(const std::string& payload) {
  if (onPing_) onPing_(*this);
  if (!payload.empty()) sendAll(payload.data(), payload.size());  // Past any open write buffer.
}

IoStatus BlockingConnection::fillSome(Clock::time_point deadline, bool infinite) {
  if (socket_ == net::kInvalidSocket) return IoStatus::NotConnected;  // After close().
  for (;;) {
    const Clock::time_point now = Clock::now();
    if (!infinite && now >= deadline) return IoStatus::Timeout;
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
      input_.append(chunk, static_cast<std::size_t>(n));
      return IoStatus::Ok;
    }
    if (n == 0) return peerClosed();
    if (net::interrupted(err) || net::wouldBlock(err)) continue;
    return socketError(err);
  }
}

void BlockingConnection::shutdownSend() {
  std::lock_guard<std::mutex> lock(sendMu_);  // After any write in progress.
  if (socket_ != net::kInvalidSocket) net::shutdownWrite(socket_);
}

IoStatus BlockingConnection::sendAll(const char* bytes, std::size_t n) {
  std::lock_guard<std::mutex> lock(sendMu_);
  if (socket_ == net::kInvalidSocket) return IoStatus::NotConnected;  // After close().
  return sendLocked(bytes, n, Clock::time_point::max());
}

IoStatus BlockingConnection::sendFromOutside(const char* bytes, std::size_t n) {
  std::lock_guard<std::mutex> lock(sendMu_);
  if (socket_ == net::kInvalidSocket) return IoStatus::NotConnected;
  const IoStatus st =
      sendLocked(bytes, n, Clock::now() + std::chrono::milliseconds(outsideWriteTimeoutMs_));
  if (st != IoStatus::Timeout) return st;
  disconnect(CloseReason::SlowConsumer);
  return IoStatus::NotConnected;
}

IoStatus BlockingConnection::sendLocked(const char* bytes, std::size_t n, Clock::time_point deadline) {
  while (n > 0) {
    int err = 0;
    const long sent = net::sendSome(socket_, bytes, n, &err);
    if (closing()) return IoStatus::NotConnected;
    if (sent > 0) {
      bytes += sent;
      n -= static_cast<std::size_t>(sent);
      continue;
    }
    if (net::interrupted(err)) continue;
    if (!net::wouldBlock(err)) return socketError(err);
    const Clock::time_point now = Clock::now();
    if (now >= deadline) return IoStatus::Timeout;  // Never for max(): no limit.
    int waitMs = -1;
    if (deadline != Clock::time_point::max()) {
      waitMs = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count());
    }
    if (net::waitWritable(socket_, waitMs, &err) < 0) return socketError(err);
  }
  return IoStatus::Ok;
}

}  // namespace iocp
