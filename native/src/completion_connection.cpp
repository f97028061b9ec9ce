#include "completion_connection.h"

#include <algorithm>
#include <thread>

#include "handler_runner.h"

namespace iocp_native {

namespace {

// The connection whose strand this thread runs (in the event model: its handler context).
thread_local const CompletionConnection* tlStrandConnection = nullptr;
// The connection whose fiber this thread is running (Connection::sleep finds its handler).
thread_local FiberConnection* tlFiberConnection = nullptr;

// The longest afterExecute waits for an idle polling handler before calling it again.
constexpr int kMaxIdleWaitMs = 64;

}  // namespace

// --- The core ---------------------------------------------------------------------------------

std::shared_ptr<CompletionConnection> CompletionConnection::create(const CompletionServices& services, uint64_t id,
                                                                   Endpoint peer, Endpoint local) {
  if (services.options.events) return std::make_shared<EventConnection>(services, id, std::move(peer), std::move(local));
  return std::make_shared<FiberConnection>(services, id, std::move(peer), std::move(local));
}

CompletionConnection::CompletionConnection(const CompletionServices& services, uint64_t id,
                                           Endpoint peer, Endpoint local)
    : StreamConnection(id, std::move(peer), std::move(local), &services.counters),
      services_(services),
      worker_(services.options.workThreads > 0
                  ? static_cast<int>(std::hash<uint64_t>{}(id) % services.options.workThreads)
                  : -1) {}

CompletionConnection::~CompletionConnection() = default;  // socket_ closes itself if still open.

void CompletionConnection::endForIoThreadFailure(int osError) {
  // The reason first: a handler that sees the OS error must not end the connection as its own.
  setReason(CloseReason::IoThreadFailed);
  int none = 0;
  if (osError != 0) osError_.compare_exchange_strong(none, osError);
  disconnect(CloseReason::IoThreadFailed, false);
}

void CompletionConnection::notify(unsigned bits, bool onEngineThread) {
  if (!strand_.post(bits)) return;  // The owner will see the bits before it lets go.
  if (onEngineThread) services_.scheduler.dispatch(shared_from_this());
  else services_.scheduler.post(shared_from_this());
}

void CompletionConnection::runStrand() {
  struct Current {  // This thread runs this connection's strand until we return.
    const CompletionConnection* previous = tlStrandConnection;
    explicit Current(const CompletionConnection* c) { tlStrandConnection = c; }
    ~Current() { tlStrandConnection = previous; }
  } current(this);
  for (;;) {
    unsigned bits = strand_.take();
    noteInputBits(bits);
    if (!ended()) {
      if ((bits & kEvStart) && !started_) {
        started_ = true;
        startLiveness(services_.options.liveness);
        armLiveness();
      }
      if (bits & kEvLiveness) onLivenessTimer();
      if ((bits & kEvForeign) && !dropping()) {
        adoptForeignOutput();
        bits |= kEvOut;  // Try to send it now.
      }
      if ((bits & kEvOut) && !writerWaits() && !output_.empty() && !dropping()) {
        if (const int err = flushOutput()) {
          socketError(err);  // Records the OS code and the reason; the reader sees it.
          bits |= kEvIn;
        }
      }
      if (started_) drive(bits);
    }
    if (ended()) {
      cancelTimer(livenessTimer_);
      services_.scheduler.retire(*this);  // Keeps the strand owned: nobody runs it again.
      return;
    }
    if (strand_.tryRelease()) return;
  }
}

void CompletionConnection::cancelTimer(TimerQueue::Handle& timer) {
  if (timer) services_.timers.cancel(timer);
  timer = TimerQueue::Handle{};
}

void CompletionConnection::onLivenessTimer() {
  livenessTimer_ = TimerQueue::Handle{};  // It fired.
  if (!closing() && runLiveness(Clock::now())) armLiveness();
}

void CompletionConnection::sendPing(const std::string& payload) {
  services_.handler.onHeartbeat(*this, state());
  if (!payload.empty()) write(payload.data(), payload.size());  // From the strand: queued whole.
}

void CompletionConnection::armLiveness() {
  if (!livenessOn()) return;
  cancelTimer(livenessTimer_);
  livenessTimer_ = services_.timers.add(livenessDue(), TimerTarget{TimerTarget::Kind::Liveness, id()});
}

IoStatus CompletionConnection::fillSome(Clock::time_point deadline, bool infinite) {
  for (;;) {
    if (closing() || !open()) return IoStatus::NotConnected;
    if (osError_ != 0) return IoStatus::SocketError;  // Seen by a background flush.
    if (tlsPeerClosed()) return peerClosed();  // Its close_notify came with its last bytes.
    if (tlsIntakeWaiting()) {  // Bytes received before TLS began (beginTls).
      const IoStatus st = afterTlsReceive();
      if (st != IoStatus::Timeout) return st;
      continue;
    }
    // Ask the OS only when it may have something: not after it was emptied, until kEvIn (taken by
    // the strand, or posted and not yet taken, as when a handler polls with no wait).
    if (!inputDrained_ || strand_.pending(kEvIn)) {
      // errno is read inside receive(), a function that never parks: errno's address is constant
      // per thread to the compiler, so reading it here, in a loop that parks, could read a stale
      // thread's.
      int err = 0;
      const long n = socket_->receive(receiveInto(), kReadChunk, &err);
      if (n > 0) {
        inputDrained_ = static_cast<std::size_t>(n) < kReadChunk && edgesSeen_ && !inputEnded_ &&
                        socket_->shortReceiveArms();
        if (!tlsOn()) return IoStatus::Ok;
        const IoStatus st = afterTlsReceive();
        if (st != IoStatus::Timeout) return st;
        continue;  // Only handshake or protocol records: receive more.
      }
      if (n == 0) {
        noteTlsTruncation();
        return peerClosed();
      }
      if (net::interrupted(err)) continue;
      if (!net::wouldBlock(err)) return socketError(err);
      inputDrained_ = edgesSeen_ = true;
    }
    if (!waitForInput(deadline, infinite)) return IoStatus::Timeout;
  }
}

IoStatus CompletionConnection::afterTlsReceive() {
  const Absorbed a = absorbReceived();
  takeTlsOutput(output_);  // Handshake records, tickets, an alert: before anything written later.
  const int err = output_.empty() || dropping() ? 0 : flushOutput();
  switch (a) {
    case Absorbed::Progress: break;
    case Absorbed::More: return err ? socketError(err) : IoStatus::Timeout;
    case Absorbed::Failed: return tlsFailed();
  }
  return err ? socketError(err) : IoStatus::Ok;
}

IoStatus CompletionConnection::enqueue(const char* bytes, std::size_t n) {
  if (!tlsOn()) {
    output_.append(bytes, n);
    return IoStatus::Ok;
  }
  return encrypt(bytes, n, output_) ? IoStatus::Ok : tlsFailed();
}

int CompletionConnection::flushOutput() {
  const char* bytes = output_.data();
  std::size_t n = output_.size();
  const int err = sendWhatFits(
      [this](const char* b, std::size_t k, int* e) { return socket_->send(b, k, e); }, bytes, n);
  output_.consume(output_.size() - n);  // An empty Buffer frees its storage.
  return err;
}

IoStatus CompletionConnection::sendDirect(const char*& bytes, std::size_t& n) {
  if (closing() || !open()) return IoStatus::NotConnected;
  if (tlsOn()) return encryptDirect(bytes, n);
  if (const int err = flushOutput()) return socketError(err);
  if (output_.empty()) {  // Nothing queued: straight to the socket, no copy.
    if (const int err = sendWhatFits(
            [this](const char* b, std::size_t k, int* e) { return socket_->send(b, k, e); }, bytes, n))
      return socketError(err);
  }
  return IoStatus::Ok;
}

IoStatus CompletionConnection::encryptDirect(const char*& bytes, std::size_t& n) {
  // Encrypt as much as the output limit leaves room for, sending as the socket takes it; the
  // ciphertext of a write is never split by anything else.
  constexpr std::size_t kPiece = 64 * 1024;
  while (n > 0) {
    if (const int err = flushOutput()) return socketError(err);
    const std::size_t room = outputLimit() > output_.size() ? outputLimit() - output_.size() : 0;
    if (room == 0) break;  // The caller queues or waits for the rest.
    const std::size_t k = std::min({n, room, kPiece});
    if (!encrypt(bytes, k, output_)) return tlsFailed();
    bytes += k;
    n -= k;
  }
  if (const int err = flushOutput()) return socketError(err);
  return IoStatus::Ok;
}

void CompletionConnection::adoptForeignOutput() {
  if (midWrite() || !open()) return;  // The handler's write (or close) adopts it when it ends.
  std::lock_guard<std::mutex> lock(foreignMu_);
  if (foreignOutput_.empty()) return;
  if (!tlsOn()) output_.append(foreignOutput_.view());
  else if (enqueue(foreignOutput_.data(), foreignOutput_.size()) != IoStatus::Ok) return;  // Failed: ends.
  foreignOutput_.clear();
}

IoStatus CompletionConnection::sendFromOutside(const char* bytes, std::size_t n) {
  bool overflow = false;
  {
    std::lock_guard<std::mutex> lock(foreignMu_);
    if (foreignOutput_.size() + n > outputLimit()) overflow = true;
    else foreignOutput_.append(bytes, n);
  }
  if (overflow) {
    disconnect(CloseReason::SlowConsumer);
    return IoStatus::NotConnected;
  }
  notify(kEvForeign, false);
  return IoStatus::Ok;
}

void CompletionConnection::closeSocket() {
  output_.clear();
  if (!open()) return;
  if (tlsOn()) {
    // Bytes still unread when a socket closes make the OS reset the connection, and a reset can
    // overtake the close_notify: a TLS peer's last handshake or protocol records are taken first.
    Buffer scrap;
    int err = 0;
    for (int i = 0; i < 16 && socket_->receive(scrap, 4096, &err) > 0; ++i) scrap.clear();
  }
  setHandle(-1);
  socket_->close();
  socket_.reset();
}

// --- The fiber driver -------------------------------------------------------------------------

FiberConnection::FiberConnection(const CompletionServices& services, uint64_t id, Endpoint peer, Endpoint local)
    : CompletionConnection(services, id, std::move(peer), std::move(local)),
      fiber_(std::make_unique<Fiber>(services.options.fiberStackSize,
                                     [this] { runHandler(*this, services_.handler); })) {}

void FiberConnection::drive(unsigned bits) {
  const bool wake = (bits & (kEvStart | kEvClose | kEvTimer)) || (bits & waitMask_);
  if (!wake) return;
  FiberConnection* const outer = tlFiberConnection;
  tlFiberConnection = this;
  fiber_->resume();
  tlFiberConnection = outer;
  stackHint_.store(fiber_->parkedAt(), std::memory_order_relaxed);
}

void FiberConnection::park(unsigned mask, Clock::time_point deadline, bool infinite) {
  TimerQueue::Handle timer;
  if (!infinite) timer = services_.timers.add(deadline, TimerTarget{TimerTarget::Kind::Wait, id()});
  waitMask_ = mask;
  noteWait();
  Fiber::park();
  waitMask_ = 0;
  cancelTimer(timer);
}

bool FiberConnection::waitForInput(Clock::time_point deadline, bool infinite) {
  if (!infinite && Clock::now() >= deadline) return false;
  park(kEvIn, deadline, infinite);
  return true;
}

IoStatus FiberConnection::afterExecute(bool idle) {
  if (!idle) {
    idleWaitMs_ = 0;
    return readAvailable(0);
  }
  idleWaitMs_ = std::min(std::max(1, idleWaitMs_ * 2), kMaxIdleWaitMs);
  const IoStatus st = readAvailable(idleWaitMs_);
  if (st == IoStatus::Ok) idleWaitMs_ = 0;  // Input came: the handler will have work.
  return st;
}

void FiberConnection::sleepInHandler(int ms) {
  // Through the timers even for 0: the connections that are ready run first.
  park(0, Clock::now() + std::chrono::milliseconds(std::max(ms, 0)), false);
}

void Connection::sleep(int ms) {
  // Set only while this thread runs a connection's fiber: the caller is that handler.
  if (FiberConnection* const c = tlFiberConnection) {
    c->sleepInHandler(ms);
    return;
  }
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  else std::this_thread::yield();
}

IoStatus FiberConnection::sendAll(const char* bytes, std::size_t n) {
  struct Sending {  // Marks the write in progress; on the way out, adopts waiting foreign output.
    FiberConnection& c;
    explicit Sending(FiberConnection& conn) : c(conn) { c.sending_ = true; }
    ~Sending() {
      c.sending_ = false;
      if (c.dropping()) return;  // disconnect(reason, false): nothing more goes out.
      c.adoptForeignOutput();
      // Send what was adopted now: no event may be pending to trigger it later.
      if (!c.output_.empty()) {
        if (const int err = c.flushOutput()) c.socketError(err);
      }
    }
  } sending(*this);
  // In a no-wait region (a lock is held) queue everything rather than wait for room.
  const bool mayWait = !fiber_->inNoWait();
  while (n > 0) {
    if (const IoStatus st = sendDirect(bytes, n); st != IoStatus::Ok) return st;
    if (n == 0) break;
    // The socket is full: queue what fits under the limit, park for the rest.
    const std::size_t room = outputLimit() > output_.size() ? outputLimit() - output_.size() : 0;
    const std::size_t take = mayWait ? std::min(room, n) : n;
    if (const IoStatus st = enqueue(bytes, take); st != IoStatus::Ok) return st;
    bytes += take;
    n -= take;
    if (n > 0) park(kEvOut, Clock::time_point::max(), true);
  }
  return IoStatus::Ok;
}

void FiberConnection::drainOutput() {
  const auto deadline = Clock::now() + std::chrono::milliseconds(services_.options.closeFlushTimeoutMs);
  try {
    // Send what is queued, and let the OS finish what it already took.
    while (osError_ == 0 && flushOnClose() && flushOutput() == 0 &&
           (!output_.empty() || socket_->sendPending()) && Clock::now() < deadline) {
      park(kEvOut, deadline, false);
    }
  } catch (...) {  // Out of memory for a timer: give up waiting.
  }
}

void FiberConnection::shutdownSend() {
  if (!open()) return;
  adoptForeignOutput();
  closeTls(output_);
  drainOutput();
  socket_->shutdownSend();
}

void FiberConnection::close() {
  if (!open()) return;
  markClosing();  // From here on, writes from outside return NotConnected.
  if (flushOnClose()) {  // Unless disconnect() asked to drop what is still queued.
    adoptForeignOutput();
    closeTls(output_);
    drainOutput();
  }
  closeSocket();
}

// --- The event driver -------------------------------------------------------------------------

bool EventConnection::inHandler() const { return tlStrandConnection == this; }

void EventConnection::drive(unsigned bits) {
  if (finished_) return;
  if (bits & kEvStart) {  // Posted once: the connection is registered.
    if (!proxyExpected()) {
      startHandler();
    } else if (beginProxyHeader() == IoStatus::Ok && proxyDeadline() != Clock::time_point::max()) {
      proxyTimer_ = services_.timers.add(proxyDeadline(), TimerTarget{TimerTarget::Kind::Wait, id()});
    }
    bits |= kEvIn;  // Bytes that came before the socket was registered.
  }
  if ((bits & kEvTimer) && proxyExpected() && Clock::now() >= proxyDeadline() && !closing()) proxyTimedOut();
  if ((bits & kEvTimer) && tlsHandshaking() && Clock::now() >= tlsDeadline() && !closing()) {
    setReasonDetail("the TLS handshake did not finish within the handshake timeout");
    disconnect(CloseReason::TlsHandshakeTimeout);
  }
  // Paused for queued output (receiveAndDeliver): the output went (kEvOut, flushed by the
  // strand's core step) down to half the limit, so reading resumes. The input edges that came
  // meanwhile were taken and dropped: the socket may hold bytes, so it is asked again.
  if (paused_ && output_.size() <= resumeBelow()) {
    paused_ = false;
    bits |= kEvIn;
  }
  if ((bits & kEvIn) && proxyExpected() && !closing()) receiveProxyHeader();
  if ((bits & kEvIn) && !proxyExpected() && !paused_ && !ending_ && !closing()) receiveAndDeliver();
  if (ending_ || closing() || peerHasClosed() || osError_ != 0) endEvents();
}

void EventConnection::startHandler() {
  // TLS from the first byte: the handshake goes on as bytes arrive; onData once it is done.
  if (tlsBeforeConnect()) callHandler([this] { startTls(); });
  callHandler([this] { services_.handler.onConnect(*this, state()); });
}

void EventConnection::receiveProxyHeader() {
  for (;;) {
    const ProxyParse r = takeProxyHeader();
    if (r == ProxyParse::Bad) return;  // Ended: drive's endEvents follows.
    if (r == ProxyParse::Done) break;
    if (fillSome(Clock::time_point::max(), true) != IoStatus::Ok) return;  // Nothing yet, FIN or error.
  }
  cancelTimer(proxyTimer_);
  startHandler();
  // What came behind the header (with TLS, startTls took it as the start of its stream).
  if (!input_.empty() && !tlsOn() && !closing()) {
    noteReceived(input_.size());
    callHandler([this] { services_.handler.onData(*this, state()); });
  }
}

IoStatus EventConnection::startTls() {
  if (!passThrough()) return IoStatus::Ok;
  if (closing()) return IoStatus::NotConnected;
  beginTls();  // The handshake goes on as bytes arrive (receiveAndDeliver); nothing waits here.
  if (tlsDeadline() != Clock::time_point::max()) {
    tlsTimer_ = services_.timers.add(tlsDeadline(), TimerTarget{TimerTarget::Kind::Wait, id()});
  }
  notify(kEvIn, true);  // Bytes already received (now the intake) are taken on the next round.
  return IoStatus::Ok;
}

template <typename Fn>
void EventConnection::callHandler(Fn&& fn) {
  try {
    fn();
  } catch (...) {
    if (!error_) error_ = std::current_exception();
    setEndReason(*this, error_);
    disconnect(reason());
  }
}

void EventConnection::receiveAndDeliver() {
  // Edge-triggered readiness: receive until the socket has nothing more (fillSome, which never
  // waits here, says Timeout then), handing each chunk to the handler at once.
  while (!closing()) {
    if (outputFull() && services_.options.slowConsumer == SlowConsumer::PauseReading) {
      // Backpressure: what is received stays in the OS until the peer has taken enough of the
      // output; the OS's receive buffer then fills and TCP stops the peer.
      paused_ = true;
      TrafficCounters::bump(services_.counters.readPauses);
      return;
    }
    const std::size_t before = input_.size();
    if (fillSome(Clock::time_point::max(), true) != IoStatus::Ok) return;  // Empty, FIN or error.
    if (!tlsHandshaking()) cancelTimer(tlsTimer_);
    if (input_.size() == before) continue;  // The handshake finished; no plaintext yet.
    noteReceived(input_.size() - before);
    callHandler([this] { services_.handler.onData(*this, state()); });
  }
}

IoStatus EventConnection::sendAll(const char* bytes, std::size_t n) {
  // Never wait: send what fits, queue the rest. PauseReading: always (the handler is not called
  // with more input while the output is past the limit, so it stays bounded by what one call
  // writes); Disconnect: up to MaxPendingOutput.
  if (const IoStatus st = sendDirect(bytes, n); st != IoStatus::Ok) return st;
  if (n == 0) return IoStatus::Ok;
  if (services_.options.slowConsumer == SlowConsumer::Disconnect && output_.size() + n > outputLimit()) {
    disconnect(CloseReason::SlowConsumer, false);  // What it would not read is dropped.
    return IoStatus::NotConnected;
  }
  return enqueue(bytes, n);
}

void EventConnection::shutdownSend() {
  if (!open()) return;
  adoptForeignOutput();
  closeTls(output_);
  if (flushOutput() == 0 && output_.empty() && !socket_->sendPending()) socket_->shutdownSend();
}

void EventConnection::endEvents() {
  if (!ending_) {
    ending_ = true;
    setEndReason(*this, error_);
    markClosing();  // From here on, writes return NotConnected.
    cancelLivenessTimer();
    endDeadline_ = Clock::now() + std::chrono::milliseconds(services_.options.closeFlushTimeoutMs);
    if (flushOnClose() && open()) {
      adoptForeignOutput();
      closeTls(output_);
      try {
        endTimer_ = services_.timers.add(endDeadline_, TimerTarget{TimerTarget::Kind::Wait, id()});
      } catch (...) {  // Out of memory for a timer: do not wait.
        endDeadline_ = Clock::now();
      }
    }
  }
  // Send what is queued as the socket takes it; come back on kEvOut or the deadline.
  if (open() && flushOnClose() && osError_ == 0 && Clock::now() < endDeadline_ && flushOutput() == 0 &&
      (!output_.empty() || socket_->sendPending()))
    return;
  cancelTimer(endTimer_);
  cancelTimer(tlsTimer_);
  cancelTimer(proxyTimer_);
  closeSocket();
  countClose();
  finished_ = true;
  services_.handler.onDisconnect(*this, state(), error_);  // Must not throw.
}

}  // namespace iocp_native
