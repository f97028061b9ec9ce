// One TCP connection as the handler sees it: an input buffer, blocking-style reads and writes.
//
// The reads and writes below look blocking. Behind them each engine supplies two primitives
// (fillSome, sendSome): the thread engine blocks its thread in the kernel, the completion engine
// parks the connection's fiber and frees the thread until data (or buffer room) arrives.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "iocp/buffer.h"

namespace iocp {

// Result of an I/O call. Only Ok means the call did what it was asked.
enum class IoStatus : int {
  Ok = 0,
  Timeout,           // The deadline passed first; buffered data is kept.
  ClosedGracefully,  // The peer closed its side and every buffered byte has been read.
  SocketError,       // The OS reported an error; see Connection::osError().
  NotConnected,      // The connection was closed locally (Disconnect, server stopping).
  LineTooLong,       // readLine: no terminator within maxLength bytes (MaxLineAction = exception).
};

// Why a connection ended. Set once, by the first cause; later causes are ignored.
enum class CloseReason : int {
  None = 0,
  PeerClosed,       // The peer sent FIN.
  PeerReset,        // The peer reset the connection or the OS reported a socket error.
  LocalDisconnect,  // The handler (or another thread) called Disconnect, or the handler finished.
  HandlerError,     // A handler raised an exception that was not an I/O error.
  ServerStopping,   // The server was deactivated.
  SlowConsumer,     // Output queued for the peer from outside its handler passed the limit.
  HeartbeatTimeout,  // Nothing arrived for Heartbeat.Timeout after a ping.
  IdleTimeout,       // No read or write call completed for the idle timeout.
  ProtocolLimit,     // The peer broke a limit (e.g. a line longer than MaxLineLength).
};

const char* toString(CloseReason reason);  // Stable English name, e.g. "peer closed".
constexpr int kCloseReasonCount = static_cast<int>(CloseReason::ProtocolLimit) + 1;

// Traffic and close counters an engine shares with its connections. Relaxed atomics: cheap to
// bump, a snapshot is a set of loads. Any thread.
struct TrafficCounters {
  std::atomic<uint64_t> bytesIn{0};   // Bytes received.
  std::atomic<uint64_t> bytesOut{0};  // Bytes written (accepted by write()).
  std::atomic<uint64_t> reads{0};     // Receive operations that returned data.
  std::atomic<uint64_t> writes{0};    // write() calls accepted.
  std::atomic<uint64_t> closed[kCloseReasonCount] = {};  // Finished connections, by reason.
  static void bump(std::atomic<uint64_t>& c, uint64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }
};

// When the heartbeat pings: every interval, or only after an interval with nothing received.
enum class HeartbeatMode : int { Always = 0, WhenIdle = 1 };

// Dead-peer detection, applied per connection by its engine (no thread per connection).
struct LivenessOptions {
  bool heartbeat = false;          // Ping, and close when nothing arrives for timeout after a ping.
  int heartbeatIntervalMs = 30000;
  int heartbeatTimeoutMs = 10000;
  HeartbeatMode heartbeatMode = HeartbeatMode::Always;
  std::string heartbeatPayload;    // Bytes written as the ping ("" = none; the engine's handler
                                   // onHeartbeat may write the protocol's own).
  // Close after this long without a completed read or write call (bytes trickling in without
  // completing what the handler waits for do not count: a slowloris is closed). 0 = never.
  int idleTimeoutMs = 0;
  bool keepAlive = false;          // TCP keepalive probes (SO_KEEPALIVE).
  int keepAliveTimeMs = 60000;     // Idle time before the first probe.
  int keepAliveIntervalMs = 10000; // Between probes.
  int userTimeoutMs = 0;           // Close when sent data stays unacknowledged this long
                                   // (TCP_USER_TIMEOUT; Windows: TCP_MAXRT). 0 = OS default.
  bool any() const { return heartbeat || idleTimeoutMs > 0; }
};

// What readLine does when no terminator arrives within maxLength bytes.
enum class MaxLineAction : int { Exception = 0, Split = 1 };

// A network endpoint in text form.
struct Endpoint {
  std::string ip;     // Numeric address, "127.0.0.1" or "::1".
  uint16_t port = 0;  // Host byte order.
};

using Clock = std::chrono::steady_clock;
constexpr int kInfinite = -1;  // Timeout value meaning "wait forever".

class Connection {
 public:
  Connection(uint64_t id, Endpoint peer, Endpoint local);
  virtual ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // --- Identity. Any thread. ---
  uint64_t id() const { return id_; }                // Unique per engine, never reused.
  const Endpoint& peer() const { return peer_; }     // Remote address.
  const Endpoint& local() const { return local_; }   // Local address the connection arrived on.

  // --- Reads. Only from this connection's handler (its thread or fiber). ---
  // Timeouts are whole-call deadlines in milliseconds; kInfinite waits forever.

  // Read up to (not including) `terminator`. A CR right before an LF terminator is stripped.
  // maxLength > 0 bounds the line: Exception returns LineTooLong (bytes stay buffered), Split returns
  // the first maxLength bytes as the line and sets *split. On Timeout `line` is empty, bytes stay buffered.
  IoStatus readLine(std::string& line, std::string_view terminator, std::size_t maxLength,
                    MaxLineAction action, int timeoutMs, bool* split = nullptr);
  // Read exactly n bytes into dst. On failure nothing is consumed.
  IoStatus readExact(void* dst, std::size_t n, int timeoutMs);
  // Wait until at least n bytes are buffered (n = 0 means: return what is there, wait for nothing).
  IoStatus waitFor(std::size_t n, int timeoutMs);
  // Read whatever the socket has now, waiting up to timeoutMs for the first byte. Ok if bytes arrived.
  IoStatus readAvailable(int timeoutMs);
  Buffer& input() { return input_; }  // Bytes received and not yet consumed.

  // --- Writes. ---
  // Sends all n bytes or fails. With the write buffer open the bytes are collected and sent at
  // writeBufferFlush/Close or when the collected size reaches the threshold.
  // Any thread: from the connection's own handler the call waits while the output queue is full
  // (backpressure). From elsewhere (another connection's handler broadcasting, a timer thread) the
  // bytes are queued whole and sent by the connection's own strand, never interleaved inside a
  // message; a connection whose queued output from outside passes the engine's limit is
  // disconnected (slow consumer) and the call returns NotConnected.
  IoStatus write(const void* bytes, std::size_t n);
  // Write buffering: only from this connection's handler.
  void writeBufferOpen(std::size_t threshold);  // Start collecting writes; 0 = no threshold.
  IoStatus writeBufferFlush();                  // Send what was collected, keep collecting.
  IoStatus writeBufferClose();                  // Send what was collected and stop collecting.
  void writeBufferCancel();                     // Drop what was collected and stop collecting.
  bool writeBufferOpened() const { return writeBufferOpen_; }

  // --- State. ---
  // True while the connection can still deliver data: not closed locally and either the peer has
  // not closed or buffered input remains. Only from the handler.
  bool connected() const;
  bool closing() const { return closing_.load(std::memory_order_acquire); }  // Any thread.
  int osError() const { return osError_.load(); }  // OS error code behind the last SocketError. Any thread.
  CloseReason reason() const { return static_cast<CloseReason>(reason_.load()); }  // Any thread.

  // Close the connection from any thread: pending and future I/O calls return NotConnected.
  // The first reason recorded wins. The socket itself is closed by close() on the handler side.
  void disconnect(CloseReason reason = CloseReason::LocalDisconnect);

  // Handler only, last call on the connection: send queued output (bounded by the engine's
  // close-flush timeout), then close the socket. Idempotent.
  virtual void close() = 0;
  // Handler only: a clean goodbye. Sends `goodbye` (may be empty) and what is buffered, shuts the
  // sending side down (FIN), drops whatever the peer still sends until it closes too or
  // timeoutMs pass, then close(). The peer sees a graceful close at once, never a reset.
  void closeGracefully(std::string_view goodbye, int timeoutMs);

  void* userData = nullptr;  // Owned by the layer above (the component's context). Any thread.
  // Counters to update (the engine's); null = none. Set before the handler starts.
  void setCounters(TrafficCounters* counters) { counters_ = counters; }
  // The handler has finished and the socket is closed: count the close under its reason.
  void countClose() {
    if (counters_) TrafficCounters::bump(counters_->closed[static_cast<int>(reason())]);
  }
  // The OS socket handle while open (for socket options); -1 once closed. Any thread.
  std::intptr_t handle() const { return handle_.load(); }

  // Record the close reason if none is set yet. Returns true if this call set it. Any thread.
  bool setReason(CloseReason reason);
  // The last read failed on a protocol limit (LineTooLong) and nothing was read since. Handler.
  bool protocolLimitHit() const { return protocolLimitHit_; }

 protected:
  // --- Liveness, for engines. Every call from the connection's own handler context (its thread,
  // or its strand while the fiber is parked). ---
  void startLiveness(const LivenessOptions& options);  // At the start of the handler.
  bool livenessOn() const { return liveness_ != nullptr; }
  // When runLiveness() next has something to do; max() if never.
  Clock::time_point livenessDue() const;
  // Do what is due at `now`: ping (through sendPing) or disconnect with the heartbeat or idle
  // reason. Returns false if it disconnected.
  bool runLiveness(Clock::time_point now);
  // A ping is due: the engine's heartbeat hook, then `payload` (Heartbeat's, may be empty).
  // Writes here are not progress.
  virtual void sendPing(const std::string& payload) = 0;
  void setHandle(std::intptr_t h) { handle_.store(h); }

  // Send what is queued, then FIN; reads go on. Handler only.
  virtual void shutdownSend() = 0;
  // Append at least one byte to input_ before `deadline`. Returns ClosedGracefully on FIN.
  virtual IoStatus fillSome(Clock::time_point deadline, bool infinite) = 0;
  // Send all n bytes (may queue them in the engine as long as it bounds the queued size).
  // Called from the connection's own handler.
  virtual IoStatus sendAll(const char* bytes, std::size_t n) = 0;
  // True when the caller runs in this connection's own handler context.
  virtual bool inHandler() const = 0;
  // write() from any other context: queue or send without breaking the handler's own writes.
  virtual IoStatus sendFromOutside(const char* bytes, std::size_t n) = 0;
  // Wake whatever the handler is blocked in so it observes closing(). Any thread.
  virtual void interrupt() = 0;

  // For engines: the socket is being closed; I/O calls return NotConnected without interrupt().
  void markClosing() { closing_.store(true, std::memory_order_release); }
  // Helpers for engines: record an OS error seen on the socket (sets PeerReset/PeerClosed reason).
  IoStatus socketError(int err);
  IoStatus peerClosed();

  Buffer input_;
  bool peerClosed_ = false;  // FIN seen. Handler only.
  std::atomic<int> osError_{0};

 private:
  IoStatus fill(Clock::time_point deadline, bool infinite);

  void noteProgress();  // A read or write call completed.
  IoStatus writeUncounted(const void* bytes, std::size_t n);
  bool protocolLimitHit_ = false;
  enum class LivenessStep { None, Ping, HeartbeatTimeout, IdleTimeout };
  LivenessStep livenessStep(Clock::time_point now);  // What is due; marks a ping as sent.
  bool pinging_ = false;  // Inside sendPing: writes do not count as progress.

  struct Liveness {
    LivenessOptions options;
    Clock::time_point lastReceive;   // Bytes last arrived.
    Clock::time_point lastProgress;  // A read or write call last completed.
    Clock::time_point lastPing;      // The last ping was sent.
    Clock::time_point unanswered;    // The first ping nothing has arrived since; {} = none.
  };
  std::unique_ptr<Liveness> liveness_;  // Null while off.
  TrafficCounters* counters_ = nullptr;
  std::atomic<std::intptr_t> handle_{-1};
  const uint64_t id_;
  const Endpoint peer_;
  const Endpoint local_;
  std::atomic<bool> closing_{false};
  std::atomic<int> reason_{0};
  std::string writeBuffer_;
  std::size_t writeThreshold_ = 0;
  bool writeBufferOpen_ = false;
};

}  // namespace iocp
