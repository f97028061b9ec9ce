#include "completion_connection.h"

#include <algorithm>
#include <thread>

#include "handler_runner.h"

namespace iocp_native {

namespace {

// The connection whose strand this thread runs in the event model (its handler context).
thread_local const CompletionConnection* tlEventConnection = nullptr;
// The connection whose fiber this thread is running (Connection::sleep finds its handler).
thread_local CompletionConnection* tlFiberConnection = nullptr;

// The longest afterExecute waits for an idle polling handler before calling it again.
constexpr int kMaxIdleWaitMs = 64;

}  // namespace

CompletionConnection::CompletionConnection(const CompletionServices& services, uint64_t id,
                                           Endpoint peer, Endpoint local)
    : StreamConnection(id, std::move(peer), std::move(local), &services.counters),
      services_(services),
      worker_(services.options.workThreads > 0
                  ? static_cast<int>(std::hash<uint64_t>{}(id) % services.options.workThreads)
                  : -1),
      events_(services.options.events) {
  if (!events_)
    fiber_ = std::make_unique<Fiber>(services.options.fiberStackSize,
                                     [this] { runHandler(*this, services_.handler); });
}

bool CompletionConnection::inHandler() const {
  return events_ ? tlEventConnection == this : Fiber::current() == fiber_.get();
}

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
  if (events_) {
    runEvents();
    return;
  }
  for (;;) {
    unsigned bits = strand_.take();
    noteInputBits(bits);
    if ((bits & kEvStart) && !started_) {
      started_ = true;
      startLiveness(services_.options.liveness);
      armLiveness();
    }
    if ((bits & kEvLiveness) && !fiber_->finished()) onLivenessTimer();
    if ((bits & kEvForeign) && !dropping()) {
      adoptForeignOutput();
      bits |= kEvOut;  // Try to send it now.
    }
    if ((bits & kEvOut) && !(waitMask_ & kEvOut) && !output_.empty() && !dropping()) {
      if (const int err = flushOutput()) {
        socketError(err);  // Records the OS code and the reason; the parked reader returns it.
        bits |= kEvIn;
      }
    }
    const bool wake = (bits & (kEvStart | kEvClose | kEvTimer)) || (bits & waitMask_);
    if (started_ && wake && !fiber_->finished()) {
      CompletionConnection* const outer = tlFiberConnection;
      tlFiberConnection = this;
      fiber_->resume();
      tlFiberConnection = outer;
      stackHint_.store(fiber_->parkedAt(), std::memory_order_relaxed);
    }
    if (fiber_->finished()) {
      if (livenessTimer_) services_.timers.cancel(livenessTimer_);
      services_.scheduler.retire(*this);  // Keeps the strand owned: nobody runs it again.
      return;
    }
    if (strand_.tryRelease()) return;
  }
}

void CompletionConnection::runEvents() {
  struct Current {  // This thread runs this connection's handler context until we return.
    const CompletionConnection* previous = tlEventConnection;
    explicit Current(const CompletionConnection* c) { tlEventConnection = c; }
    ~Current() { tlEventConnection = previous; }
  } current(this);
  for (;;) {
    unsigned bits = strand_.take();
    noteInputBits(bits);
    if (!finished_) {
      if ((bits & kEvStart) && !started_) {
        started_ = true;
        startLiveness(services_.options.liveness);
        armLiveness();
        callHandler([this] { services_.handler.onConnect(*this, state()); });
        bits |= kEvIn;  // Bytes that came before the socket was registered.
      }
      if (started_) {
        if ((bits & kEvLiveness) && !ending_) onLivenessTimer();
        if ((bits & kEvForeign) && !dropping()) {
          adoptForeignOutput();
          bits |= kEvOut;
        }
        if ((bits & kEvOut) && !output_.empty() && !dropping()) {
          if (const int err = flushOutput()) socketError(err);
        }
        if ((bits & kEvIn) && !ending_ && !closing()) receiveAndDeliver();
        if (ending_ || closing() || peerHasClosed() || osError_ != 0) endEvents();
      }
    }
    if (finished_) {
      if (livenessTimer_) services_.timers.cancel(livenessTimer_);
      services_.scheduler.retire(*this);  // Keeps the strand owned: nobody runs it again.
      return;
    }
    if (strand_.tryRelease()) return;
  }
}

template <typename Fn>
void CompletionConnection::callHandler(Fn&& fn) {
  try {
    fn();
  } catch (...) {
    if (!error_) error_ = std::current_exception();
    setEndReason(*this, error_);
    disconnect(reason());
  }
}

void CompletionConnection::receiveAndDeliver() {
  // Edge-triggered readiness: receive until the socket has nothing more (fillSome, which never
  // waits in the event model, says Timeout then), handing each chunk to the handler at once.
  while (!closing()) {
    const std::size_t before = input_.size();
    if (fillSome(Clock::time_point::max(), true) != IoStatus::Ok) return;  // Empty, FIN or error.
    noteReceived(input_.size() - before);
    callHandler([this] { services_.handler.onData(*this, state()); });
  }
}

void CompletionConnection::endEvents() {
  if (!ending_) {
    ending_ = true;
    setEndReason(*this, error_);
    markClosing();  // From here on, writes return NotConnected.
    if (livenessTimer_) {
      services_.timers.cancel(livenessTimer_);
      livenessTimer_ = TimerQueue::Handle{};
    }
    endDeadline_ = Clock::now() + std::chrono::milliseconds(services_.options.closeFlushTimeoutMs);
    if (flushOnClose() && open()) {
      adoptForeignOutput();
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
  if (endTimer_) services_.timers.cancel(endTimer_);
  endTimer_ = TimerQueue::Handle{};
  output_.clear();
  if (open()) {
    setHandle(-1);
    socket_->close();
    socket_.reset();
  }
  countClose();
  finished_ = true;
  services_.handler.onDisconnect(*this, state(), error_);  // Must not throw.
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
  if (livenessTimer_) services_.timers.cancel(livenessTimer_);
  livenessTimer_ = services_.timers.add(livenessDue(), TimerTarget{TimerTarget::Kind::Liveness, id()});
}

void CompletionConnection::park(unsigned mask, Clock::time_point deadline, bool infinite) {
  TimerQueue::Handle timer;
  if (!infinite) timer = services_.timers.add(deadline, TimerTarget{TimerTarget::Kind::Wait, id()});
  waitMask_ = mask;
  noteWait();
  Fiber::park();
  waitMask_ = 0;
  if (timer) services_.timers.cancel(timer);
}

IoStatus CompletionConnection::afterExecute(bool idle) {
  if (!idle) {  // (The event model has no execute loop.)
    idleWaitMs_ = 0;
    return readAvailable(0);
  }
  idleWaitMs_ = std::min(std::max(1, idleWaitMs_ * 2), kMaxIdleWaitMs);
  const IoStatus st = readAvailable(idleWaitMs_);
  if (st == IoStatus::Ok) idleWaitMs_ = 0;  // Input came: the handler will have work.
  return st;
}

void CompletionConnection::sleepInHandler(int ms) {
  // Through the timers even for 0: the connections that are ready run first.
  park(0, Clock::now() + std::chrono::milliseconds(std::max(ms, 0)), false);
}

void Connection::sleep(int ms) {
  // Set only while this thread runs a connection's fiber: the caller is that handler.
  if (StreamConnection* const c = tlFiberConnection) {
    c->sleepInHandler(ms);
    return;
  }
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  else std::this_thread::yield();
}

IoStatus CompletionConnection::fillSome(Clock::time_point deadline, bool infinite) {
  for (;;) {
    if (closing() || !open()) return IoStatus::NotConnected;
    if (osError_ != 0) return IoStatus::SocketError;  // Seen by a background flush.
    // Ask the OS only when it may have something: not after it was emptied, until kEvIn (taken by
    // the strand, or posted and not yet taken, as when a handler polls with no wait).
    if (!inputDrained_ || strand_.pending(kEvIn)) {
      // errno is read inside receive(), a function that never parks: errno's address is constant
      // per thread to the compiler, so reading it here, in a loop that parks, could read a stale
      // thread's.
      int err = 0;
      const long n = socket_->receive(input_, kReadChunk, &err);
      if (n > 0) {
        inputDrained_ = static_cast<std::size_t>(n) < kReadChunk && edgesSeen_ && !inputEnded_ &&
                        socket_->shortReceiveArms();
        return IoStatus::Ok;
      }
      if (n == 0) return peerClosed();
      if (net::interrupted(err)) continue;
      if (!net::wouldBlock(err)) return socketError(err);
      inputDrained_ = edgesSeen_ = true;
    }
    if (events_) return IoStatus::Timeout;  // The event model never waits: a read that would, times out.
    if (!infinite && Clock::now() >= deadline) return IoStatus::Timeout;
    park(kEvIn, deadline, infinite);
  }
}

int CompletionConnection::flushOutput() {
  const char* bytes = output_.data();
  std::size_t n = output_.size();
  const int err = sendWhatFits(
      [this](const char* b, std::size_t k, int* e) { return socket_->send(b, k, e); }, bytes, n);
  output_.consume(output_.size() - n);  // An empty Buffer frees its storage.
  return err;
}

void CompletionConnection::adoptForeignOutput() {
  if (sending_ || !open()) return;  // sendAll (or close) adopts it when the handler's write ends.
  std::lock_guard<std::mutex> lock(foreignMu_);
  if (foreignOutput_.empty()) return;
  output_.append(foreignOutput_.view());
  foreignOutput_.clear();
}

IoStatus CompletionConnection::sendFromOutside(const char* bytes, std::size_t n) {
  const std::size_t limit = std::max<std::size_t>(services_.options.maxPendingOutput, 1);
  bool overflow = false;
  {
    std::lock_guard<std::mutex> lock(foreignMu_);
    if (foreignOutput_.size() + n > limit) overflow = true;
    else foreignOutput_.append(bytes, n);
  }
  if (overflow) {
    disconnect(CloseReason::SlowConsumer);
    return IoStatus::NotConnected;
  }
  notify(kEvForeign, false);
  return IoStatus::Ok;
}

IoStatus CompletionConnection::sendAll(const char* bytes, std::size_t n) {
  if (events_) {  // Never wait: send what fits, queue the rest (up to MaxPendingOutput).
    if (closing() || !open()) return IoStatus::NotConnected;
    if (const int err = flushOutput()) return socketError(err);
    if (output_.empty()) {
      if (const int err = sendWhatFits(
              [this](const char* b, std::size_t k, int* e) { return socket_->send(b, k, e); }, bytes, n))
        return socketError(err);
    }
    if (n == 0) return IoStatus::Ok;
    if (output_.size() + n > std::max<std::size_t>(services_.options.maxPendingOutput, 1)) {
      disconnect(CloseReason::SlowConsumer, false);  // What it would not read is dropped.
      return IoStatus::NotConnected;
    }
    output_.append(bytes, n);
    return IoStatus::Ok;
  }
  struct Sending {  // Marks the write in progress; on the way out, adopts waiting foreign output.
    CompletionConnection& c;
    explicit Sending(CompletionConnection& conn) : c(conn) { c.sending_ = true; }
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
  const std::size_t limit = std::max<std::size_t>(services_.options.maxPendingOutput, 1);
  // In a no-wait region (a lock is held) queue everything rather than wait for room.
  const bool mayWait = !fiber_->inNoWait();
  while (n > 0) {
    if (closing() || !open()) return IoStatus::NotConnected;
    if (const int err = flushOutput()) return socketError(err);
    if (output_.empty()) {  // Nothing queued: straight to the socket, no copy.
      const int err = sendWhatFits(
          [this](const char* b, std::size_t k, int* e) { return socket_->send(b, k, e); }, bytes, n);
      if (err != 0) return socketError(err);
      if (n == 0) break;
    }
    // The socket is full: queue what fits under the limit, park for the rest.
    const std::size_t room = limit > output_.size() ? limit - output_.size() : 0;
    const std::size_t take = mayWait ? std::min(room, n) : n;
    output_.append(bytes, take);
    bytes += take;
    n -= take;
    if (n > 0) park(kEvOut, Clock::time_point::max(), true);
  }
  return IoStatus::Ok;
}

void CompletionConnection::drainOutput() {
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

void CompletionConnection::shutdownSend() {
  if (!open()) return;
  adoptForeignOutput();
  drainOutput();
  socket_->shutdownSend();
}

void CompletionConnection::close() {
  if (!open()) return;
  markClosing();  // From here on, writes from outside return NotConnected.
  if (flushOnClose()) {  // Unless disconnect() asked to drop what is still queued.
    adoptForeignOutput();
    drainOutput();
  }
  output_.clear();
  setHandle(-1);
  socket_->close();
  socket_.reset();
}

}  // namespace iocp_native
