// One TCP connection as a handler sees it: an input buffer, blocking-style reads and writes.
//
// This is the engine's interface towards the component; each engine implements it (internal
// headers in native/src). The reads and writes look blocking: the thread engine waits on its own
// thread, the completion engine parks the connection's fiber and frees the thread until data (or
// room for output) arrives.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "iocp_native/buffer.h"

namespace iocp_native {

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
  PeerClosed,        // The peer sent FIN.
  PeerReset,         // The peer reset the connection or the OS reported a socket error.
  LocalDisconnect,   // The handler (or another thread) called Disconnect, or the handler finished.
  HandlerError,      // A handler raised an exception that was not an I/O error.
  ServerStopping,    // The server was deactivated.
  SlowConsumer,      // Output queued for the peer from outside its handler passed the limit.
  HeartbeatTimeout,  // Nothing arrived for Heartbeat.Timeout after a ping.
  IdleTimeout,       // No read or write call completed for the idle timeout.
  ProtocolLimit,     // The peer broke a limit (e.g. a line longer than MaxLineLength).
  IoThreadFailed,    // The completion engine's I/O thread serving it failed (osError() says how).
  TlsFailed,         // The TLS handshake or a record failed (reasonDetail() says why).
  TlsHandshakeTimeout,  // The TLS handshake did not finish within the engine's time limit.
  ProxyRefused,      // No acceptable PROXY protocol header (EngineOptions::proxyProtocol; reasonDetail() says why).
};
constexpr int kCloseReasonCount = static_cast<int>(CloseReason::ProxyRefused) + 1;
const char* toString(CloseReason reason);  // Stable English name, e.g. "peer closed". Any thread.
class Connection;
// toString(reason()), and ": " + reasonDetail() where there is one ("TLS failed: ..."). Any thread.
std::string reasonText(const Connection& conn);

// What readLine does when no terminator arrives within maxLength bytes.
enum class MaxLineAction : int { Exception = 0, Split = 1 };

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
  bool any() const { return heartbeat || idleTimeoutMs > 0; }  // Anything to watch per connection.
};

// A network endpoint in text form.
struct Endpoint {
  std::string ip;     // Numeric address, "127.0.0.1" or "::1".
  uint16_t port = 0;  // Host byte order.
};

using Clock = std::chrono::steady_clock;
constexpr int kInfinite = -1;  // Timeout value meaning "wait forever".

class Connection {
 public:
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // --- Identity. Any thread. ---
  uint64_t id() const { return id_; }                // Unique per engine, never reused.
  // Remote address: the client's. Behind a load balancer that sends the PROXY protocol
  // (EngineOptions::proxyProtocol), the one its header names, from onConnect on (until then, and
  // from other threads until then, the balancer's). Any thread.
  const Endpoint& peer() const { return peer_; }
  const Endpoint& local() const { return local_; }   // Local address the connection arrived on.
  // The OS socket handle while open (for socket options); -1 once closed.
  virtual std::intptr_t handle() const = 0;

  // --- Reads. Only from this connection's handler (its thread or fiber). ---
  // Timeouts are whole-call deadlines in milliseconds; kInfinite waits forever.

  // Read up to (not including) `terminator`. A CR right before an LF terminator is stripped.
  // maxLength > 0 bounds the line: Exception returns LineTooLong (bytes stay buffered), Split
  // returns the first maxLength bytes as the line and sets *split. On Timeout `line` is empty and
  // the bytes stay buffered.
  virtual IoStatus readLine(std::string& line, std::string_view terminator, std::size_t maxLength,
                            MaxLineAction action, int timeoutMs, bool* split = nullptr) = 0;
  // Read exactly n bytes into dst. On failure nothing is consumed.
  virtual IoStatus readExact(void* dst, std::size_t n, int timeoutMs) = 0;
  // Wait until at least n bytes are buffered (n = 0: return what is there, wait for nothing).
  virtual IoStatus waitFor(std::size_t n, int timeoutMs) = 0;
  // Read whatever the socket has, waiting up to timeoutMs for the first byte. Ok if bytes arrived.
  virtual IoStatus readAvailable(int timeoutMs) = 0;
  virtual Buffer& input() = 0;  // Bytes received and not yet consumed.

  // --- Writes. ---
  // Sends all n bytes or fails. With the write buffer open the bytes are collected and sent at
  // writeBufferFlush/Close or when the collected size reaches the threshold.
  // Any thread: from the connection's own handler the call waits while the output queue is full
  // (backpressure). From elsewhere (another connection's handler broadcasting, a timer thread)
  // the bytes are queued whole and sent by the connection's own handler context, never
  // interleaved inside a message; a connection whose queued output from outside passes the
  // engine's limit is disconnected (slow consumer) and the call returns NotConnected.
  virtual IoStatus write(const void* bytes, std::size_t n) = 0;
  // Write buffering: only from this connection's handler.
  virtual void writeBufferOpen(std::size_t threshold) = 0;  // Collect writes; 0 = no threshold.
  // Send the first `count` collected bytes (all of them by default), keep the rest and keep
  // collecting (Indy's WriteBufferFlush(AByteCount)).
  virtual IoStatus writeBufferFlush(std::size_t count = static_cast<std::size_t>(-1)) = 0;
  virtual IoStatus writeBufferClose() = 0;  // Send what was collected and stop collecting.
  virtual void writeBufferCancel() = 0;     // Drop what was collected and stop collecting.
  virtual bool writeBufferOpened() const = 0;

  // --- State. ---
  // True while the connection can still deliver data: not closed locally and either the peer has
  // not closed or buffered input remains. Only from the handler.
  virtual bool connected() const = 0;
  // Indy's TIdIOHandlerStack.Connected: connected(), but on the handler's own context with
  // nothing buffered, what the socket has is read first (no wait), so a peer's close shows here
  // and not only at the next read; a socket error closes the connection. Elsewhere: connected().
  virtual bool checkConnected() = 0;
  // Indy's execute loop for a handler that runs it itself (a language bridge keeps one exception
  // frame per connection so): after each OnExecute, what the engine's own loop does between two
  // calls (pending input moves into the buffer as Indy's Connected() reads it; a round that did
  // nothing waits, see StreamConnection::afterExecute). True: run OnExecute again; false: the loop
  // has ended (return from OnExecute), and it stays false. Only from the handler, in OnExecute.
  virtual bool executeAgain() = 0;
  // The peer's FIN has been seen by a read (buffered bytes may remain). Only from the handler.
  virtual bool peerHasClosed() const = 0;
  virtual bool closing() const = 0;         // Closed or being closed locally. Any thread.
  virtual int osError() const = 0;          // OS error code behind the last SocketError. Any thread.
  virtual CloseReason reason() const = 0;   // Why it ended; None while open. Any thread.
  // More words on reason() where there are any (TlsFailed: the TLS library's reason), else "".
  // Any thread once reason() is set.
  virtual std::string reasonDetail() const = 0;

  // --- TLS (EngineOptions::tls). Only from the handler. ---
  // Indy's PassThrough: true while bytes go as they are, false once TLS runs on the connection.
  virtual bool passThrough() const = 0;
  // Indy's PassThrough := False: TLS starts on this connection now, as the server side with the
  // engine's context (STARTTLS); bytes already received count as the start of the TLS stream.
  // Where the handler may wait (a fiber, a thread) it waits for the handshake, up to the engine's
  // handshake timeout: Ok, or NotConnected with reason TlsFailed / TlsHandshakeTimeout. The event
  // model only starts it: writes wait in the session until the handshake is done, onData comes
  // with the first decrypted bytes. Throws TlsError when the engine has no TLS context.
  virtual IoStatus startTls() = 0;
  // The TLS version in use ("TLSv1.3") once the handshake is done, else "".
  virtual std::string tlsProtocol() const = 0;

  // Close the connection from any thread: pending and future I/O calls return NotConnected. The
  // first reason recorded wins. flushOutput: send what is still queued for the peer first
  // (bounded by the engine's close-flush timeout); false drops it and closes at once.
  virtual void disconnect(CloseReason reason = CloseReason::LocalDisconnect, bool flushOutput = true) = 0;

  // Indy's IndySleep for handlers: in a completion-engine handler the fiber parks for ms (its
  // thread serves other connections meanwhile; a disconnect ends the sleep early); anywhere else
  // the calling thread sleeps. Any thread.
  static void sleep(int ms);

  // --- Cache hints (for language bridges). ---
  // Up to kCacheHints addresses of per-connection objects the handler touches as soon as it runs
  // (a bridge's own context objects): the completion engine fetches them into the cache just
  // before it resumes this connection's handler, as it does the fiber's stack. Null entries are
  // skipped; a later call replaces the set. Only a hint: nothing is read through them. Any thread.
  static constexpr std::size_t kCacheHints = 6;
  void setCacheHints(const void* const* addresses, std::size_t n) {
    for (std::size_t i = 0; i < kCacheHints; ++i) {
      cacheHints_[i].store(i < n ? addresses[i] : nullptr, std::memory_order_relaxed);
    }
  }

 protected:
  Connection(uint64_t id, Endpoint peer, Endpoint local)
      : id_(id), peer_(std::move(peer)), local_(std::move(local)) {}
  // The engine's side of setCacheHints: start fetching the hinted objects. Any thread.
  void prefetchCacheHints() const {
    for (const auto& hint : cacheHints_) {
      if (const void* at = hint.load(std::memory_order_relaxed)) __builtin_prefetch(at);
    }
  }
  const void* cacheHintsAddress() const { return &cacheHints_; }
  // The PROXY protocol header named the client: its address from now on. Handler context, before
  // onConnect.
  void replacePeer(Endpoint peer) { peer_ = std::move(peer); }

 private:
  const uint64_t id_;
  Endpoint peer_;  // Replaced at most once, before onConnect (replacePeer).
  const Endpoint local_;
  std::atomic<const void*> cacheHints_[kCacheHints] = {};
};

}  // namespace iocp_native
