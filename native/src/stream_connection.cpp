#include "stream_connection.h"

#include <algorithm>
#include <thread>

namespace iocp_native {

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
    case CloseReason::IoThreadFailed: return "I/O thread failed";
  }
  return "unknown";
}

StreamConnection::StreamConnection(uint64_t id, Endpoint peer, Endpoint local, TrafficCounters* counters)
    : Connection(id, std::move(peer), std::move(local)), counters_(counters) {}

bool StreamConnection::setReason(CloseReason reason) {
  int expected = 0;
  return reason_.compare_exchange_strong(expected, static_cast<int>(reason));
}

void StreamConnection::disconnect(CloseReason reason, bool flushOutput) {
  setReason(reason);
  if (!flushOutput) flushOnClose_.store(false, std::memory_order_release);
  // A request to drop queued output wakes the handler even when it is already closing (e.g.
  // flushing after an earlier disconnect), so the flush stops at once.
  if (!closing_.exchange(true, std::memory_order_acq_rel) || !flushOutput) interrupt();
}

bool StreamConnection::connected() const {
  if (closing()) return false;
  return !peerClosed_ || !input_.empty();
}

bool StreamConnection::checkConnected() {
  if (inHandler() && !closing() && !peerClosed_ && input_.empty() &&
      readAvailable(0) == IoStatus::SocketError) {
    disconnect(CloseReason::PeerReset);
  }
  return connected();
}

IoStatus StreamConnection::socketError(int err) {
  osError_ = err;
  setReason(CloseReason::PeerReset);
  return IoStatus::SocketError;
}

IoStatus StreamConnection::peerClosed() {
  peerClosed_ = true;
  setReason(CloseReason::PeerClosed);
  return IoStatus::ClosedGracefully;
}

IoStatus StreamConnection::fill(Clock::time_point deadline, bool infinite) {
  if (closing()) return IoStatus::NotConnected;
  if (peerClosed_) return IoStatus::ClosedGracefully;
  if (osError_ != 0) return IoStatus::SocketError;
  // Past the deadline fillSome still takes what is already there (a zero timeout polls once).
  const std::size_t before = input_.size();
  const IoStatus st = fillSome(deadline, infinite);
  if (st != IoStatus::Ok) return st;
  if (counters_) {
    TrafficCounters::bump(counters_->reads);
    TrafficCounters::bump(counters_->bytesIn, input_.size() - before);
  }
  if (liveness_) liveness_->received(Clock::now());
  return st;
}

void StreamConnection::noteReceived(std::size_t n) {
  if (counters_) {
    TrafficCounters::bump(counters_->reads);
    TrafficCounters::bump(counters_->bytesIn, n);
  }
  if (liveness_) liveness_->received(Clock::now());
  noteProgress();
}

void StreamConnection::noteProgress() {
  protocolLimitHit_ = false;
  if (liveness_) liveness_->progressed(Clock::now());
}

void StreamConnection::countClose() {
  if (counters_) TrafficCounters::bump(counters_->closed[static_cast<int>(reason())]);
}

void StreamConnection::startLiveness(const LivenessOptions& options) {
  if (options.any()) liveness_ = std::make_unique<Liveness>(options, Clock::now());
}

Clock::time_point StreamConnection::livenessDue() const {
  return liveness_ ? liveness_->due() : Clock::time_point::max();
}

bool StreamConnection::runLiveness(Clock::time_point now) {
  if (!liveness_) return true;
  switch (liveness_->step(now)) {
    case Liveness::Step::Ping:
      pinging_ = true;
      sendPing(liveness_->options().heartbeatPayload);
      pinging_ = false;
      return true;
    case Liveness::Step::HeartbeatTimeout:
      disconnect(CloseReason::HeartbeatTimeout);
      return false;
    case Liveness::Step::IdleTimeout:
      disconnect(CloseReason::IdleTimeout);
      return false;
    case Liveness::Step::None:
      break;
  }
  return true;
}

IoStatus StreamConnection::readLine(std::string& line, std::string_view terminator, std::size_t maxLength,
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

IoStatus StreamConnection::waitFor(std::size_t n, int timeoutMs) {
  const Clock::time_point deadline = deadlineAfter(timeoutMs);
  while (input_.size() < n) {
    const IoStatus st = fill(deadline, timeoutMs < 0);
    if (st != IoStatus::Ok) return st;
  }
  noteProgress();
  return IoStatus::Ok;
}

IoStatus StreamConnection::readExact(void* dst, std::size_t n, int timeoutMs) {
  const IoStatus st = waitFor(n, timeoutMs);
  if (st == IoStatus::Ok) input_.copyOut(dst, n);
  return st;
}

IoStatus StreamConnection::readAvailable(int timeoutMs) {
  const IoStatus st = fill(deadlineAfter(timeoutMs), timeoutMs < 0);
  if (st == IoStatus::Ok) noteProgress();
  return st;
}

IoStatus StreamConnection::afterExecute(bool) { return readAvailable(0); }

bool StreamConnection::executeAgain() {
  if (executeEnded_) return false;
  const IoStatus st = afterExecute(activity() == executeStart_);
  // A socket error with nothing left to read ends the loop without an exception, as in Indy.
  if ((st == IoStatus::SocketError && input_.empty()) || !connected()) {
    executeEnded_ = true;
    return false;
  }
  executeStart_ = activity();
  return true;
}

void StreamConnection::sleepInHandler(int ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  else std::this_thread::yield();
}

IoStatus StreamConnection::write(const void* bytes, std::size_t n) {
  IoStatus st = IoStatus::Ok;
  if (closing()) {
    st = IoStatus::NotConnected;
  } else if (!inHandler()) {
    if (n > 0) st = sendFromOutside(static_cast<const char*>(bytes), n);
  } else if (osError_ != 0) {
    st = IoStatus::SocketError;
  } else {
    ++ownWrites_;
    st = writeOwn(static_cast<const char*>(bytes), n);
  }
  if (st == IoStatus::Ok && counters_ && n > 0) {
    TrafficCounters::bump(counters_->writes);
    TrafficCounters::bump(counters_->bytesOut, n);
  }
  return st;
}

IoStatus StreamConnection::writeOwn(const char* bytes, std::size_t n) {
  if (liveness_ && !pinging_) liveness_->progressed(Clock::now());  // Own writes count, pings not.
  if (writeBufferOpen_) {
    writeBuffer_.append(bytes, n);
    if (writeThreshold_ > 0 && writeBuffer_.size() >= writeThreshold_) return writeBufferFlush();
    return IoStatus::Ok;
  }
  return n == 0 ? IoStatus::Ok : sendAll(bytes, n);
}

void StreamConnection::closeGracefully(std::string_view goodbye, int timeoutMs) {
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

void StreamConnection::writeBufferOpen(std::size_t threshold) {
  writeBufferOpen_ = true;
  writeThreshold_ = threshold;
}

IoStatus StreamConnection::writeBufferFlush(std::size_t count) {  // Counted when write() collected them.
  if (writeBuffer_.empty() || count == 0) return IoStatus::Ok;
  if (closing()) return IoStatus::NotConnected;
  std::string pending;
  if (count >= writeBuffer_.size()) {
    pending.swap(writeBuffer_);
  } else {
    pending.assign(writeBuffer_, 0, count);
    writeBuffer_.erase(0, count);
  }
  return sendAll(pending.data(), pending.size());
}

IoStatus StreamConnection::writeBufferClose() {
  const IoStatus st = writeBufferFlush();
  writeBufferOpen_ = false;
  return st;
}

void StreamConnection::writeBufferCancel() {
  writeBuffer_.clear();
  writeBufferOpen_ = false;
}

}  // namespace iocp_native
