// A connection served by one thread that waits for its socket: the thread engine's connections
// (iohDefault) and the client's. The socket itself is non-blocking; the thread waits in
// net::waitReadable / waitWritable, which interrupt() ends.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "iocp_native/engine.h"
#include "socket_ops.h"
#include "stream_connection.h"

namespace iocp_native {

class ThreadConnection final : public StreamConnection, public ClientConnection {
 public:
  // outsideWriteTimeoutMs: how long a write from outside the handler may wait for the peer.
  ThreadConnection(uint64_t id, net::SocketHandle s, Endpoint peer, Endpoint local,
                   TrafficCounters* counters, int outsideWriteTimeoutMs);
  ~ThreadConnection() override;
  void close() override;  // Handler only. Closes the socket. Idempotent.
  // The calling thread is this connection's handler (thread engine: at the start of its thread).
  // Without an owner (a client) every thread counts as the handler.
  void setHandlerThread() { owner_.store(std::this_thread::get_id()); }
  // A server's connection: until its handler thread starts (setHandlerThread), no thread counts
  // as its handler, so a write from another thread (a broadcast racing the thread's start) takes
  // the outside path with its timeout. Before the connection is announced.
  void expectHandlerThread() { expectingOwner_.store(true); }
  // Heartbeat and idle timeout for this connection, checked inside its own waits; onPing runs
  // when a ping is due (then the payload is sent). From the handler thread, before it reads.
  void enableLiveness(const LivenessOptions& options, std::function<void()> onPing) override;

  // --- ClientConnection. ---
  Connection& connection() override { return *this; }
  void closeGracefully(std::string_view goodbye, int timeoutMs) override {
    StreamConnection::closeGracefully(goodbye, timeoutMs);
  }
  void configureClientTls(std::shared_ptr<TlsContext> context, const std::string& serverName,
                          int handshakeTimeoutMs) override {
    configureTls(std::move(context), false, handshakeTimeoutMs);
    setTlsPeerName(serverName);
  }

 protected:
  IoStatus fillSome(Clock::time_point deadline, bool infinite) override;
  void shutdownSend() override;
  void sendPing(const std::string& payload) override;  // onPing, then payload; handler thread.
  IoStatus sendAll(const char* bytes, std::size_t n) override;
  void interrupt() override;  // Any thread: shuts the socket down so blocked calls return.
  bool inHandler() const override;
  // Sends under sendMu_ like the handler, but waits at most outsideWriteTimeoutMs for the peer.
  IoStatus sendFromOutside(const char* bytes, std::size_t n) override;
  // Begins TLS under the send lock (for writers on other threads) and takes what was received.
  IoStatus openTls() override;

 private:
  // Milliseconds to wait from `now`: until `deadline` (max() = none) or the liveness deadline,
  // the sooner; -1 = forever, 0 = due now.
  int waitMsUntil(Clock::time_point deadline, Clock::time_point now) const;
  // Send all n bytes, waiting for room until `deadline` (max() = no limit; then Timeout).
  // Under sendMu_.
  IoStatus sendLocked(const char* bytes, std::size_t n, Clock::time_point deadline);
  // sendLocked for the handler's bytes: with TLS, their ciphertext. Under sendMu_.
  IoStatus sendPlain(const char* bytes, std::size_t n, Clock::time_point deadline);
  // TLS: decrypt received ciphertext (n may be 0: what waits in the intake), send the session's
  // replies. Ok (the reader looks again), Timeout (receive more), or what ends the read. Handler
  // thread.
  IoStatus afterTlsReceive(const char* bytes, std::size_t n);
  // What the session has for the wire, sent by `deadline` (else NotConnected). Takes sendMu_.
  IoStatus sendTlsOutput(Clock::time_point deadline);
  void sendTlsCloseLocked(Clock::time_point deadline);  // close_notify. Under sendMu_.

  std::mutex mu_;      // Guards socket_ against close() racing interrupt().
  std::atomic<bool> expectingOwner_{false};  // expectHandlerThread() was called.
  std::mutex sendMu_;  // One whole write at a time: messages never interleave on the wire.
  // The TLS session, used by the reading handler and by writers on other threads: taken inside
  // sendMu_ where both are held (take the session's output and send it under sendMu_, so
  // ciphertext leaves in the order the session made it).
  std::mutex tlsMu_;
  net::SocketHandle socket_;
  const int outsideWriteTimeoutMs_;
  std::atomic<std::thread::id> owner_{};  // The handler's thread, if it has one.
  std::function<void()> onPing_;          // Heartbeat ping hook (may be empty).
};

}  // namespace iocp_native
