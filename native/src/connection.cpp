// Shared stream logic (lines, exact reads, write buffering) on top of the engine's two primitives.
#include "iocp/connection.h"

#include <algorithm>


namespace iocp {

namespace {
Clock::time_point deadlineAfter(int timeoutMs) {
  return timeoutMs < 0 ? Clock::time_point::max() : Clock::now() + std::chrono::milliseconds(timeoutMs);
}
}  // namespace

const char* toString(CloseReason reason) {
  switch (reason) {
    case CloseReason::None: return "none";
    case CloseReason::PeerClosed: return "peer closed";
    case CloseReason::PeerReset: return "peer reset";
    case CloseReason::LocalDisconnect: return "local disconnect";
    case CloseReason::HandlerError: return "handler error";
    case CloseReason::ServerStopping: return "server stopping";
    case CloseReason::SlowConsumer: return "slow consumer";
    case CloseReason::HeartbeatTimeout: return "heartbeat timeout";
    case CloseReason::IdleTimeout: return "idle timeout";
    case CloseReason::ProtocolLimit: return "protocol limit";
  }
  return "unknown";
}

Connection::Connection(uint64_t id, Endpoint peer, Endpoint local)
    : id_(id), peer_(std::move(peer)), local_(std::move(local)) {}

Connection::~Connection() = default;

bool Connection::setReason(CloseReason reason) {
  int expected = 0;
  return reason_.compare_exchange_strong(expected, static_cast<int>(reason));
}

void Connection::disconnect(CloseReason reason) {
  setReason(reason);
  if (!closing_.exchange(true, std::memory_order_acq_rel)) interrupt();
}

bool Connection::connected() const {
  if (closing()) return false;
  return !peerClosed_ || !input_.empty();
}

IoStatus Connection::socketError(int err) {
  osError_ = err;
  setReason(CloseReason::PeerReset);
  return IoStatus::SocketError;
}

IoStatus Connection::peerClosed() {
  peerClosed_ = true;
  setReason(CloseReason::PeerClosed);
  return IoStatus::ClosedGracefully;
}

IoStatus Connection::fill(Clock::time_point deadline, bool infinite) {
  if (closing()) return IoStatus::NotConnected;
  if (peerClosed_) return IoStatus::ClosedGracefully;
  if (osError_ != 0) return IoStatus::SocketError;
  if (!infinite && Clock::now() >= deadline) return IoStatus::Timeout;
  const std::size_t before = input_.size();
  const IoStatus st = fillSome(deadline, infinite);
  if (st == IoStatus::Ok && counters_) {
    TrafficCounters::bump(counters_->reads);
    TrafficCounters::bump(counters_->bytesIn, input_.size() - before);
  }
  if (st == IoStatus::Ok && liveness_) {
    liveness_->lastReceive = Clock::now();
    liveness_->unanswered = Clock::time_point{};  // Anything from the peer answers the ping.
  }
  return st;
}

void Connection::noteProgress() {
  protocolLimitHit_ = false;
  if (liveness_) liveness_->lastProgress = Clock::now();
}

void Connection::startLiveness(const LivenessOptions& options) {
  if (!options.any()) return;
  liveness_ = std::make_unique<Liveness>();
  liveness_->options = options;
  const Clock::time_point now = Clock::now();
  liveness_->lastReceive = liveness_->lastProgress = liveness_->lastPing = now;
}

namespace {
std::chrono::milliseconds msOf(int v) { return std::chrono::milliseconds(v < 1 ? 1 : v); }
}  // namespace

Clock::time_point Connection::livenessDue() const {
  if (!liveness_) return Clock::time_point::max();
  const Liveness& l = *liveness_;
  const LivenessOptions& o = l.options;
  Clock::time_point due = Clock::time_point::max();
  if (o.heartbeat) {
    const Clock::time_point pingFrom =
        o.heartbeatMode == HeartbeatMode::Always ? l.lastPing : std::max(l.lastPing, l.lastReceive);
    due = std::min(due, pingFrom + msOf(o.heartbeatIntervalMs));
    if (l.unanswered != Clock::time_point{}) {
      due = std::min(due, l.unanswered + msOf(o.heartbeatTimeoutMs));
    }
  }
  if (o.idleTimeoutMs > 0) due = std::min(due, l.lastProgress + msOf(o.idleTimeoutMs));
  return due;
}

bool Connection::runLiveness(Clock::time_point now) {
  switch (livenessStep(now)) {
    case LivenessStep::Ping:
      pinging_ = true;
      sendPing(liveness_->options.heartbeatPayload);
      pinging_ = false;
      return true;
    case LivenessStep::HeartbeatTimeout:
      disconnect(CloseReason::HeartbeatTimeout);
      return false;
    case LivenessStep::IdleTimeout:
      disconnect(CloseReason::IdleTimeout);
      return false;
    case LivenessStep::None:
      break;
  }
  return true;
}

Connection::LivenessStep Connection::livenessStep(Clock::time_point now) {
  if (!liveness_) return LivenessStep::None;
  Liveness& l = *liveness_;
  const LivenessOptions& o = l.options;
  if (o.idleTimeoutMs > 0 && now >= l.lastProgress + msOf(o.idleTimeoutMs)) {
    return LivenessStep::IdleTimeout;
  }
  if (!o.heartbeat) return LivenessStep::None;
  if (l.unanswered != Clock::time_point{} && now >= l.unanswered + msOf(o.heartbeatTimeoutMs)) {
    return LivenessStep::HeartbeatTimeout;
  }
  const Clock::time_point pingFrom =
      o.heartbeatMode == HeartbeatMode::Always ? l.lastPing : std::max(l.lastPing, l.lastReceive);
  if (now < pingFrom + msOf(o.heartbeatIntervalMs)) return LivenessStep::None;
  l.lastPing = now;
  if (l.unanswered == Clock::time_point{}) l.unanswered = now;
  return LivenessStep::Ping;
}

IoStatus Connection::readLine(std::string& line, std::string_view terminator, std::size_t maxLength,
                              MaxLineAction action, int timeoutMs, bool* split) {
  const bool lf = terminator.empty() || terminator == "\n";
  if (terminator.empty()) terminator = "\n";
  line.clear();
  if (split) *split = false;
  const Clock::time_point deadline = deadlineAfter(timeoutMs);
  std::size_t searched = 0;  // Bytes already known not to start a terminator.
  for (;;) {
    const std::size_t pos = input_.find(terminator, searched);
    if (pos != Buffer::npos && (maxLength == 0 || pos <= maxLength)) {
      std::size_t len = pos;
      if (lf && len > 0 && input_.data()[len - 1] == '\r') --len;
      line.assign(input_.data(), len);
      input_.consume(pos + terminator.size());
      noteProgress();
      return IoStatus::Ok;
    }
    // Only once a whole terminator fits past maxLength is the line known to be too long.
    if (maxLength > 0 && input_.size() >= maxLength + terminator.size()) {
      if (action == MaxLineAction::Exception) {
        protocolLimitHit_ = true;  // Ends the connection as "protocol limit" unless read past.
        return IoStatus::LineTooLong;
      }
      line = input_.take(maxLength);
      if (split) *split = true;
      noteProgress();
      return IoStatus::Ok;
    }
    if (input_.size() >= terminator.size()) searched = input_.size() - terminator.size() + 1;
    const IoStatus st = fill(deadline, timeoutMs < 0);
    if (st != IoStatus::Ok) return st;
  }
}

IoStatus Connection::waitFor(std::size_t n, int timeoutMs) {
  const Clock::time_point deadline = deadlineAfter(timeoutMs);
  while (input_.size() < n) {
    const IoStatus st = fill(deadline, timeoutMs < 0);
    if (st != IoStatus::Ok) return st;
  }
  noteProgress();
  return IoStatus::Ok;
}

IoStatus Connection::readExact(void* dst, std::size_t n, int timeoutMs) {
  const IoStatus st = waitFor(n, timeoutMs);
  if (st == IoStatus::Ok) input_.copyOut(dst, n);
  return st;
}

IoStatus Connection::readAvailable(int timeoutMs) {
  const IoStatus st = fill(deadlineAfter(timeoutMs), timeoutMs < 0);
  if (st == IoStatus::Ok) noteProgress();
  return st;
}

IoStatus Connection::write(const void* bytes, std::size_t n) {
  const IoStatus st = writeUncounted(bytes, n);
  if (st == IoStatus::Ok && counters_ && n > 0) {
    TrafficCounters::bump(counters_->writes);
    TrafficCounters::bump(counters_->bytesOut, n);
  }
  return st;
}

IoStatus Connection::writeUncounted(const void* bytes, std::size_t n) {
  if (closing()) return IoStatus::NotConnected;
  if (!inHandler()) return n == 0 ? IoStatus::Ok : sendFromOutside(static_cast<const char*>(bytes), n);
  if (osError_ != 0) return IoStatus::SocketError;
  if (liveness_ && !pinging_) liveness_->lastProgress = Clock::now();  // Own writes count, pings not.
  if (writeBufferOpen_) {
    writeBuffer_.append(static_cast<const char*>(bytes), n);
    if (writeThreshold_ > 0 && writeBuffer_.size() >= writeThreshold_) return writeBufferFlush();
    return IoStatus::Ok;
  }
  return n == 0 ? IoStatus::Ok : sendAll(static_cast<const char*>(bytes), n);
}

void Connection::closeGracefully(std::string_view goodbye, int timeoutMs) {
  if (!closing()) {
    if (writeBufferOpen_) writeBufferClose();
    if (!goodbye.empty()) write(goodbye.data(), goodbye.size());
    shutdownSend();
    const Clock::time_point deadline = deadlineAfter(timeoutMs);
    while (fill(deadline, timeoutMs < 0) == IoStatus::Ok) input_.clear();  // Until the peer closes.
  }
  setReason(CloseReason::LocalDisconnect);
  close();
}

void Connection::writeBufferOpen(std::size_t threshold) {
  writeBufferOpen_ = true;
  writeThreshold_ = threshold;
}

IoStatus Connection::writeBufferFlush() {  // Counted when write() collected the bytes.
  if (writeBuffer_.empty()) return IoStatus::Ok;
  if (closing()) return IoStatus::NotConnected;
  std::string pending;
  pending.swap(writeBuffer_);
  return sendAll(pending.data(), pending.size());
}

IoStatus Connection::writeBufferClose() {
  const IoStatus st = writeBufferFlush();
  writeBufferOpen_ = false;
  return st;
}

void Connection::writeBufferCancel() {
  writeBuffer_.clear();
  writeBufferOpen_ = false;
}

}  // namespace iocp
