// One connection of the completion engine: a core (the port socket, the output queue, the strand,
// liveness) and one of two drivers on top, chosen by EngineOptions::events:
//   FiberConnection   OnExecute: the handler runs on a fiber; reads and writes that cannot finish
//                     park the fiber (never the thread) until the port reports progress.
//   EventConnection   the event model: the strand calls onData per received chunk; nothing waits,
//                     writes queue.
//
//   port event (I/O thread) ─▶ notify(bits) ─strand won─▶ scheduler.dispatch ─▶ runStrand()
//                                                          │ WorkOpThreads = 0: inline
//                                                          │ WorkOpThreads = N: work thread id % N
//                                                          ▼
//              core steps (start, liveness, foreign output, flush) ─▶ the driver's drive(bits):
//              fiber.resume() until the handler parks / receive and onData until the socket is empty
//
// Strand rule (strand.h): notify() posts pending bits; the first notifier to find the connection
// idle owns it and runs it until no bits are pending, so one connection's handler never runs on
// two threads at once.
//
// Dependencies point one way: the engine creates connections and hands each the services below;
// a connection knows its port socket, never the engine.
#pragma once

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>

#include "completion_port.h"
#include "event_bits.h"
#include "fiber.h"
#include "iocp_native/engine.h"
#include "strand.h"
#include "stream_connection.h"
#include "timer_queue.h"

namespace iocp_native {

class CompletionConnection;

// Its pending-event bits: event_bits.h.

// Where a connection's strand runs, implemented by the engine.
class ConnectionScheduler {
 public:
  // Run a connection whose strand the caller just won, from an engine thread: inline, or on its
  // work thread (WorkOpThreads = N).
  virtual void dispatch(std::shared_ptr<CompletionConnection> conn) = 0;
  // The same from a foreign thread (Disconnect from elsewhere, a broadcast, server stop), which
  // must never run a handler itself: hand it to an engine thread.
  virtual void post(std::shared_ptr<CompletionConnection> conn) = 0;
  // The connection's fiber has finished: forget it and free its admission slot. Its strand.
  virtual void retire(CompletionConnection& conn) = 0;

 protected:
  ~ConnectionScheduler() = default;
};

// What a connection needs from its engine, given at construction. All outlive the connection.
struct CompletionServices {
  ConnectionScheduler& scheduler;
  TimerQueue& timers;
  EngineHandler& handler;
  const EngineOptions& options;
  TrafficCounters& counters;
};

// The core: what both drivers share. Created through create(), which picks the driver.
class CompletionConnection : public StreamConnection, public std::enable_shared_from_this<CompletionConnection> {
 public:
  // The connection of the driver EngineOptions::events asks for; the socket comes with attach().
  // Throws on failure (a fiber's stack cannot be mapped).
  static std::shared_ptr<CompletionConnection> create(const CompletionServices& services, uint64_t id, Endpoint peer,
                                                      Endpoint local);
  ~CompletionConnection() override;

  // Any thread. Holds the connection while it runs: once closing is set, the strand may end the
  // connection and drop the engine's last reference before interrupt() has been called.
  void disconnect(CloseReason reason = CloseReason::LocalDisconnect, bool flushOutput = true) override {
    const std::shared_ptr<CompletionConnection> self = weak_from_this().lock();
    StreamConnection::disconnect(reason, flushOutput);
  }
  // Before start: the registered socket, and its OS handle (for Connection::handle()).
  void attach(std::unique_ptr<PortSocket> socket, net::SocketHandle handle) {
    group_ = socket->group();
    socket_ = std::move(socket);
    setHandle(handle);
  }
  // The port group its socket is bound to (PortSocket::group()). Set by attach, before the
  // connection is registered; any thread after that.
  int group() const { return group_; }
  // The I/O thread serving it failed with `osError` (0 = unknown): end it with reason
  // IoThreadFailed, dropping queued output (nothing can send it). Any thread.
  void endForIoThreadFailure(int osError);
  void notify(unsigned bits, bool onEngineThread);  // Any thread.
  // Only by the strand owner: the core's steps for the pending bits, then the driver's, until no
  // bits are pending (or the connection has ended: then it is retired).
  void runStrand();
  int worker() const { return worker_; }            // Work thread index, -1 = any I/O thread.
  // Hints, for a caller about to run several connections one after another (see the engine's
  // onIo): start fetching into the cache what running this connection touches first. Two steps,
  // so no step waits for memory: prefetchState() (this object's hot fields) well ahead,
  // prefetchStack() (the parked fiber's stack, whose address prefetchState() fetched, and the
  // objects of Connection::setCacheHints) just ahead. Not virtual: a virtual call would wait for
  // the very line it should prefetch. Any thread.
  void prefetchState() const {
    __builtin_prefetch(&stackHint_);
    __builtin_prefetch(&strand_);
    __builtin_prefetch(cacheHintsAddress());
  }
  void prefetchStack() const {
    if (const char* at = stackHint_.load(std::memory_order_relaxed)) {
      for (int line = -2; line < 8; ++line) __builtin_prefetch(at + 64 * line);
    }
    prefetchCacheHints();  // A bridge's objects (Connection::setCacheHints).
  }

 protected:
  CompletionConnection(const CompletionServices& services, uint64_t id, Endpoint peer, Endpoint local);

  // --- The driver's part of the strand. Strand owner. ---
  // After the core's steps, once started: run the handler for `bits`.
  virtual void drive(unsigned bits) = 0;
  // The handler has finished and the socket is closed: the connection is retired.
  virtual bool ended() const = 0;
  // A handler's write is waiting for kEvOut itself: the strand leaves flushing to it.
  virtual bool writerWaits() const = 0;
  // A handler's write is in progress: bytes from outside wait until it ends (messages stay whole).
  virtual bool midWrite() const = 0;
  // A read found no input: wait for kEvIn (or the deadline) and return true, or return false
  // where the driver never waits (the read times out).
  virtual bool waitForInput(Clock::time_point deadline, bool infinite) = 0;

  // --- Core steps for the drivers. ---
  IoStatus fillSome(Clock::time_point deadline, bool infinite) final;
  // The common start of a handler's write: the queued output first, then straight to the socket
  // while nothing is queued. Ok with bytes/n advanced past what went (n == 0: all of it), or the
  // failure. Strand or handler context.
  IoStatus sendDirect(const char*& bytes, std::size_t& n);
  // Send queued output without blocking. Returns 0, or the OS error of a failed send.
  int flushOutput();
  // Queue bytes behind the output (with TLS: their ciphertext). Ok, or the session failed.
  IoStatus enqueue(const char* bytes, std::size_t n);
  // Move bytes queued from outside into output_, unless the handler is in the middle of a write.
  void adoptForeignOutput();
  bool open() const { return socket_ != nullptr; }
  // Close the port socket (after the driver has sent what it would). Strand or handler context.
  void closeSocket();
  std::size_t outputLimit() const { return std::max<std::size_t>(services_.options.maxPendingOutput, 1); }
  // Cancel one of this connection's timers if it is armed, and forget it. Strand or handler context.
  void cancelTimer(TimerQueue::Handle& timer);
  void cancelLivenessTimer() { cancelTimer(livenessTimer_); }
  void interrupt() override { notify(kEvClose, false); }
  IoStatus sendFromOutside(const char* bytes, std::size_t n) override;
  void sendPing(const std::string& payload) override;  // onHeartbeat, then payload; strand.

  const CompletionServices services_;
  std::unique_ptr<PortSocket> socket_;  // Strand only; null once closed.
  Buffer output_;                       // The handler's queued output.
  Strand strand_;
  // Where the driver's handler context is parked, for prefetchStack(): a fiber's stack (the
  // event model's handler runs on the strand's own stack: null).
  std::atomic<const char*> stackHint_{nullptr};

 private:
  // Heartbeat / idle timeout due: ping or disconnect, then arm the next deadline. Strand.
  void onLivenessTimer();
  void armLiveness();  // One TimerQueue entry for livenessDue(). Strand.

  const int worker_;
  int group_ = -1;
  // Strand-only state.
  bool started_ = false;
  // The last receive emptied the socket and the port will report kEvIn when more comes (a receive
  // that would block, or a short one where the port says so): the next read waits for kEvIn
  // instead of asking the OS again. Cleared when kEvIn is taken.
  bool inputDrained_ = false;
  bool inputEnded_ = false;  // kEvInEnded came: no more kEvIn edges; never wait on inputDrained_.
  // Edges are known to reach this connection: a kEvIn was taken, or a receive would block. Until
  // then a short receive proves nothing: the port's first report may have come before the engine
  // registered the connection (and was dropped), the peer's close with it.
  bool edgesSeen_ = false;
  // After ciphertext was received (or was waiting in the intake): decrypt, send the session's
  // replies. Ok (the reader looks again), Timeout (receive more), or what ends the read.
  IoStatus afterTlsReceive();
  // sendDirect with TLS: encrypt what fits under the output limit and send what the socket takes.
  IoStatus encryptDirect(const char*& bytes, std::size_t& n);
  // Taken kEvIn / kEvInEnded bits: what the next read may expect from the OS.
  void noteInputBits(unsigned bits) {
    if (bits & kEvInEnded) inputEnded_ = true;
    if (bits & kEvIn) inputDrained_ = false, edgesSeen_ = true;
  }
  TimerQueue::Handle livenessTimer_;
  std::mutex foreignMu_;
  Buffer foreignOutput_;  // Guarded by foreignMu_: whole messages written from outside.
};

// OnExecute: the handler on a fiber (blocking-style code). close() is its last call.
class FiberConnection final : public CompletionConnection {
 public:
  // Creates the fiber (maps its stack). Throws on failure.
  FiberConnection(const CompletionServices& services, uint64_t id, Endpoint peer, Endpoint local);
  void close() override;  // Fiber only.
  // No progress: wait for input or 1, 2, 4 ... kMaxIdleWaitMs ms (a fiber must not spin its
  // thread); after progress, Indy's zero-timeout read.
  IoStatus afterExecute(bool idle) override;
  void sleepInHandler(int ms) override;  // Parks the fiber (kEvTimer); sleep(0) lets others run.

 protected:
  void drive(unsigned bits) override;  // Resume the fiber when what it waits for came.
  bool ended() const override { return fiber_->finished(); }
  bool writerWaits() const override { return (waitMask_ & kEvOut) != 0; }
  bool midWrite() const override { return sending_; }
  bool waitForInput(Clock::time_point deadline, bool infinite) override;
  IoStatus sendAll(const char* bytes, std::size_t n) override;  // Parks while the queue is full.
  bool inHandler() const override { return Fiber::current() == fiber_.get(); }
  void shutdownSend() override;

 private:
  // Park the fiber until one of `mask` arrives, the connection closes or the deadline passes.
  void park(unsigned mask, Clock::time_point deadline, bool infinite);
  // Park until queued output (and what the OS holds for an overlapped send) is gone, the socket
  // fails or the engine's close-flush timeout passes. Fiber only.
  void drainOutput();

  std::unique_ptr<Fiber> fiber_;
  unsigned waitMask_ = 0;  // The bits the parked fiber waits for. Strand.
  bool sending_ = false;   // The handler is inside sendAll: its message must stay contiguous.
  int idleWaitMs_ = 0;     // afterExecute's current wait for an idle polling handler.
};

// The event model (EngineOptions::events): no fiber; the strand calls the handler (onConnect,
// onData after each received chunk) and ends the connection itself. Nothing waits: a read that
// would, times out; writes queue. Past MaxPendingOutput of queued output (EngineOptions::
// slowConsumer) the connection stops reading until the output is down to half (backpressure: the
// peer's TCP window closes), or the peer is dropped as a slow consumer.
class EventConnection final : public CompletionConnection {
 public:
  EventConnection(const CompletionServices& services, uint64_t id, Endpoint peer, Endpoint local)
      : CompletionConnection(services, id, std::move(peer), std::move(local)) {}
  void close() override { disconnect(); }  // The strand ends it (endEvents).
  // Starts the handshake and returns: the strand goes on with it as bytes arrive, bounded by
  // the handshake timeout. Handler (the strand).
  IoStatus startTls() override;

 protected:
  void drive(unsigned bits) override;
  bool ended() const override { return finished_; }
  bool writerWaits() const override { return false; }
  bool midWrite() const override { return false; }
  bool waitForInput(Clock::time_point, bool) override { return false; }
  IoStatus sendAll(const char* bytes, std::size_t n) override;  // Queues what the socket does not take.
  bool inHandler() const override;
  // What is queued goes out as the socket takes it; FIN once nothing is left (nothing waits here).
  void shutdownSend() override;

 private:
  // Receive until the socket is empty, onData after each chunk; or until the queued output is
  // past the limit (PauseReading: reading stops, paused_).
  void receiveAndDeliver();
  // onConnect (with TLS from the first byte: the handshake begins first).
  void startHandler();
  // The PROXY protocol header: receive until it is whole (then startHandler, and onData for what
  // came behind it), refused, or the socket has nothing more yet.
  void receiveProxyHeader();
  bool outputFull() const { return output_.size() >= outputLimit(); }
  // Paused reading resumes once the queued output is down to this (half the limit).
  std::size_t resumeBelow() const { return outputLimit() / 2; }
  // The handler call fn; an exception ends the connection (kept for onDisconnect).
  template <typename Fn>
  void callHandler(Fn&& fn);
  // Close without waiting: send what is queued as the socket takes it (kEvOut, bounded by the
  // close-flush timeout), then close, count, onDisconnect. Sets finished_ when done.
  void endEvents();

  TimerQueue::Handle tlsTimer_;      // The handshake's deadline.
  TimerQueue::Handle proxyTimer_;    // The PROXY protocol header's deadline.
  bool ending_ = false;    // endEvents has begun: waiting for output to drain.
  bool finished_ = false;  // onDisconnect has run.
  bool paused_ = false;    // Reading stopped for queued output (PauseReading); resumes on kEvOut.
  std::exception_ptr error_;  // What the handler threw.
  Clock::time_point endDeadline_{};
  TimerQueue::Handle endTimer_;
};

}  // namespace iocp_native
