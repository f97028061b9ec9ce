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
    case CloseReason::TlsFailed: return "TLS failed";
    case CloseReason::TlsHandshakeTimeout: return "TLS handshake timeout";
    case CloseReason::ProxyRefused: return "PROXY header refused";
  }
  return "unknown";
}

std::string reasonText(const Connection& conn) {
  const std::string detail = conn.reasonDetail();
  return std::string(toString(conn.reason())) + (detail.empty() ? "" : ": " + detail);
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

std::string StreamConnection::reasonDetail() const {
  std::lock_guard<std::mutex> lock(detailMu_);
  return detail_;
}

void StreamConnection::setReasonDetail(std::string detail) {
  std::lock_guard<std::mutex> lock(detailMu_);
  if (detail_.empty()) detail_ = std::move(detail);
}

// --- The PROXY protocol --------------------------------------------------------------------------

void StreamConnection::configureProxy(ProxyProtocol mode, std::shared_ptr<const AddressList> trusted, int timeoutMs) {
  proxyMode_ = mode;
  proxyTrusted_ = std::move(trusted);
  proxyTimeoutMs_ = timeoutMs;
}

IoStatus StreamConnection::refuseProxy(std::string detail) {
  setReasonDetail(std::move(detail));
  disconnect(CloseReason::ProxyRefused, false);
  return IoStatus::NotConnected;
}

IoStatus StreamConnection::proxyTimedOut() {
  return refuseProxy("no whole PROXY protocol header within " + std::to_string(proxyTimeoutMs_) + " ms");
}

IoStatus StreamConnection::beginProxyHeader() {
  proxyDeadline_ = proxyTimeoutMs_ > 0 ? Clock::now() + std::chrono::milliseconds(proxyTimeoutMs_)
                                       : Clock::time_point::max();
  if (!proxyTrusted_ || !proxyTrusted_->contains(peer().ip)) {
    return refuseProxy(peer().ip + " is not among the sources trusted to send a PROXY protocol header");
  }
  return IoStatus::Ok;
}

ProxyParse StreamConnection::takeProxyHeader() {
  ProxyHeader header;
  std::size_t used = 0;
  std::string why;
  const ProxyParse r = parseProxyHeader(input_.view(), proxyMode_, header, used, why);
  if (r == ProxyParse::Bad) {
    refuseProxy(why);
  } else if (r == ProxyParse::Done) {
    input_.consume(used);
    if (header.hasAddresses) replacePeer(header.source);
    proxyMode_ = ProxyProtocol::Off;
  }
  return r;
}

IoStatus StreamConnection::readProxyHeader() {
  if (beginProxyHeader() != IoStatus::Ok) return IoStatus::NotConnected;
  for (;;) {
    const ProxyParse r = takeProxyHeader();
    if (r == ProxyParse::Done) return IoStatus::Ok;
    if (r == ProxyParse::Bad) return IoStatus::NotConnected;
    const IoStatus st = fill(proxyDeadline_, proxyDeadline_ == Clock::time_point::max());
    if (st == IoStatus::Timeout) return proxyTimedOut();
    if (st == IoStatus::ClosedGracefully) setReasonDetail("the peer closed before its PROXY protocol header was whole");
    if (st != IoStatus::Ok) return st;
  }
}

// --- TLS ----------------------------------------------------------------------------------------

void StreamConnection::configureTls(std::shared_ptr<TlsContext> context, bool beforeConnect, int handshakeTimeoutMs) {
  tlsContext_ = std::move(context);
  tlsBeforeConnect_ = beforeConnect;
  tlsHandshakeTimeoutMs_ = handshakeTimeoutMs;
}

void StreamConnection::beginTls() {
  if (!tlsContext_) throw TlsError("TLS is not configured for this server (no certificate: see SSLOptions)");
  tls_ = std::make_unique<TlsSession>(tlsContext_);
  tls_->setPeerName(tlsPeerName_);
  tlsDeadline_ = tlsHandshakeTimeoutMs_ > 0 ? Clock::now() + std::chrono::milliseconds(tlsHandshakeTimeoutMs_)
                                            : Clock::time_point::max();
  // What came after the plain part (a client that sends its ClientHello without waiting for the
  // STARTTLS reply) is the start of the TLS stream; it is never read as plaintext after the switch.
  tlsIntake_.append(input_.view());
  input_.clear();
}

StreamConnection::Absorbed StreamConnection::absorbReceived() {
  const bool wasDone = tls_->handshakeDone();
  const std::size_t before = input_.size();
  const TlsSession::Status st = tls_->receive(tlsIntake_.data(), tlsIntake_.size(), input_);
  tlsIntake_.clear();
  if (st == TlsSession::Status::Failed) return Absorbed::Failed;
  // The peer's close_notify may come in the same receive as its last bytes (and its FIN may then
  // already have been reported): remembered, so the next read ends without asking the socket.
  if (st == TlsSession::Status::Closed) tlsPeerClosed_ = true;
  if (input_.size() > before || (!wasDone && tls_->handshakeDone())) return Absorbed::Progress;
  return Absorbed::More;
}

bool StreamConnection::encrypt(const char* bytes, std::size_t n, Buffer& wire) {
  if (tls_->send(bytes, n) == TlsSession::Status::Failed) return false;
  tls_->takeOutput(wire);
  return true;
}

void StreamConnection::closeTls(Buffer& wire) {
  if (!tls_ || !tls_->handshakeDone() || !tls_->reason().empty()) return;
  tls_->close();
  tls_->takeOutput(wire);
}

IoStatus StreamConnection::tlsFailed() {
  setReasonDetail(tls_->reason());
  disconnect(CloseReason::TlsFailed);
  return IoStatus::NotConnected;
}

void StreamConnection::noteTlsTruncation() {
  if (tls_ && tls_->handshakeDone()) setReasonDetail("the peer closed without TLS close_notify");
}

std::string StreamConnection::tlsProtocol() const { return tls_ ? tls_->protocol() : std::string(); }

IoStatus StreamConnection::startTls() {
  if (tls_) return IoStatus::Ok;  // Already on: PassThrough := False again changes nothing.
  if (closing()) return IoStatus::NotConnected;
  if (const IoStatus st = openTls(); st != IoStatus::Ok) return st;
  return awaitHandshake();
}

IoStatus StreamConnection::openTls() {
  beginTls();  // The intake is taken by the next fillSome.
  return IoStatus::Ok;
}

IoStatus StreamConnection::awaitHandshake() {
  if (!tls_) return IoStatus::NotConnected;  // openTls failed.
  if (tls_->handshakeDone()) return IoStatus::Ok;  // A read in onConnect finished it.
  while (!tls_->handshakeDone()) {
    const IoStatus st = fill(tlsDeadline_, tlsDeadline_ == Clock::time_point::max());
    if (st == IoStatus::Ok) continue;
    if (st == IoStatus::Timeout) {
      setReasonDetail("the TLS handshake did not finish within " + std::to_string(tlsHandshakeTimeoutMs_) + " ms");
      disconnect(CloseReason::TlsHandshakeTimeout);
      return IoStatus::NotConnected;
    }
    if (st == IoStatus::ClosedGracefully) setReasonDetail("the peer closed during the TLS handshake");
    return st;
  }
  // Bytes that came with the handshake's end (the input was empty: plaintext comes only after
  // it) wait for the handler's next read, as they would have without TLS: a handler that polls
  // CheckForDataOnSource before it looks at the buffer sees them.
  tlsEarly_.append(input_.view());
  input_.clear();
  return IoStatus::Ok;
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
  IoStatus st = IoStatus::Ok;
  if (!tlsEarly_.empty()) {  // Decrypted with the handshake's end (awaitHandshake).
    input_.append(tlsEarly_.view());
    tlsEarly_.clear();
  } else {
    st = fillSome(deadline, infinite);
  }
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
  if (tlsHandshaking()) {
    // The TLS handshake has its own limit (the handshake timeout); heartbeat and idle time count
    // from its end.
    liveness_->restart(now);
    return true;
  }
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
