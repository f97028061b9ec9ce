// The stream logic every engine's connection shares (lines, exact reads, write buffering, close
// reasons, counters, liveness) on top of a few primitives each engine supplies (fillSome,
// sendAll, ...): the thread engine waits on its own thread, the completion engine parks a fiber.
//
// Connection states (who moves them):
//   open ──disconnect() any thread / I/O error / peer FIN seen──▶ closing (reason set once)
//        ──close() handler context──▶ closed (socket gone; counted under its reason)
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "iocp_native/connection.h"
#include "liveness.h"
#include "proxy_header.h"
#include "socket_ops.h"
#include "tls_session.h"
#include "traffic_counters.h"

namespace iocp_native {

// Bytes one receive asks the OS for.
constexpr std::size_t kReadChunk = 64 * 1024;

// Send what the socket takes now: advances bytes/n past what went. Returns 0 when everything went
// or the socket is full (n > 0 is left), else the OS error. `send(bytes, n, &err)` is the
// platform's non-blocking send (returns the count taken, or -1 with err set).
template <typename SendFn>
int sendWhatFits(SendFn&& send, const char*& bytes, std::size_t& n) {
  while (n > 0) {
    int err = 0;
    const long sent = send(bytes, n, &err);
    if (sent > 0) {
      bytes += sent;
      n -= static_cast<std::size_t>(sent);
      continue;
    }
    if (net::interrupted(err)) continue;
    return net::wouldBlock(err) ? 0 : err;
  }
  return 0;
}

class StreamConnection : public Connection {
 public:
  // counters: the engine's (null = not counted).
  StreamConnection(uint64_t id, Endpoint peer, Endpoint local, TrafficCounters* counters);

  // --- Connection (see iocp_native/connection.h for each member's contract). ---
  std::intptr_t handle() const override { return handle_.load(); }
  IoStatus readLine(std::string& line, std::string_view terminator, std::size_t maxLength,
                    MaxLineAction action, int timeoutMs, bool* split = nullptr) override;
  IoStatus readExact(void* dst, std::size_t n, int timeoutMs) override;
  IoStatus waitFor(std::size_t n, int timeoutMs) override;
  IoStatus readAvailable(int timeoutMs) override;
  Buffer& input() override { return input_; }
  IoStatus write(const void* bytes, std::size_t n) override;
  void writeBufferOpen(std::size_t threshold) override;
  IoStatus writeBufferFlush(std::size_t count = static_cast<std::size_t>(-1)) override;
  IoStatus writeBufferClose() override;
  void writeBufferCancel() override;
  bool writeBufferOpened() const override { return writeBufferOpen_; }
  bool connected() const override;
  bool checkConnected() override;
  bool peerHasClosed() const override { return peerClosed_; }
  bool closing() const override { return closing_.load(std::memory_order_acquire); }
  int osError() const override { return osError_.load(); }
  CloseReason reason() const override { return static_cast<CloseReason>(reason_.load()); }
  std::string reasonDetail() const override;
  void disconnect(CloseReason reason = CloseReason::LocalDisconnect, bool flushOutput = true) override;
  bool passThrough() const override { return tls_ == nullptr; }
  // Blocking-style (a fiber or a thread): begins TLS and waits for the handshake through fill().
  IoStatus startTls() override;
  std::string tlsProtocol() const override;

  // --- For the engines. ---
  // TLS for this connection (EngineOptions::tls): the context its session is made with, whether
  // the handshake runs before onConnect, and its time limit in ms (0 = none). The engine, before
  // the handler starts.
  void configureTls(std::shared_ptr<TlsContext> context, bool beforeConnect, int handshakeTimeoutMs);
  // The PROXY protocol (EngineOptions::proxyProtocol): a header of `mode` is expected from a
  // source in `trusted` within timeoutMs. The engine, before the handler starts.
  void configureProxy(ProxyProtocol mode, std::shared_ptr<const AddressList> trusted, int timeoutMs);
  // A header is expected and has not come yet. Handler context.
  bool proxyExpected() const { return proxyMode_ != ProxyProtocol::Off; }
  // Blocking-style (a thread or a fiber), before onConnect: read the header through fill() and
  // take the client's address from it. Ok, or what ended the connection (a source not trusted, a
  // header refused or not whole in time: reason ProxyRefused, reasonDetail() says why).
  IoStatus readProxyHeader();
  // The same in steps, for the event model: beginProxyHeader when the connection starts (Ok, or
  // NotConnected for a source not trusted), then takeProxyHeader after each receive: Done (the
  // header consumed, the peer replaced), NeedMore, or Bad (the connection is ended). Handler context.
  IoStatus beginProxyHeader();
  ProxyParse takeProxyHeader();
  Clock::time_point proxyDeadline() const { return proxyDeadline_; }  // From beginProxyHeader.
  // End the connection, reason ProxyRefused with `detail`. Returns NotConnected.
  IoStatus refuseProxy(std::string detail);
  IoStatus proxyTimedOut();  // refuseProxy: the header was not whole within the timeout.
  // A client's: the server's name for SNI and certificate verification. Before startTls.
  void setTlsPeerName(std::string host) { tlsPeerName_ = std::move(host); }
  // TLS from the first byte (EngineOptions::tlsImplicit): openTls before onConnect,
  // awaitHandshake after it. Handler context.
  bool tlsBeforeConnect() const { return tlsContext_ && tlsBeforeConnect_; }
  // Start the TLS session (bytes already received are the start of its stream; a client's first
  // step sends its ClientHello) without waiting for the handshake. Ok, or what ended the
  // connection. Throws TlsError when no TLS context is configured. Handler context.
  virtual IoStatus openTls();
  // Wait for the handshake through fill(), up to the handshake timeout (counted from openTls):
  // Ok, or what ended the connection (a timeout ends it with reason TlsHandshakeTimeout).
  // Handler context, after openTls.
  IoStatus awaitHandshake();
  // Handler context, last call: send queued output unless disconnect() said not to (bounded by
  // the engine's close-flush timeout), then close the socket. Idempotent.
  virtual void close() = 0;
  // Handler context: a clean goodbye (see ClientConnection::closeGracefully).
  void closeGracefully(std::string_view goodbye, int timeoutMs);
  // Record the close reason if none is set yet. Returns true if this call set it. Any thread.
  bool setReason(CloseReason reason);
  // The last read failed on a protocol limit (LineTooLong) and nothing was read since. Handler.
  bool protocolLimitHit() const { return protocolLimitHit_; }
  // The handler has finished and the socket is closed: count the close under its reason.
  void countClose();
  // The component's per-connection state (EngineHandler::onAccepted's result). Set before the
  // handler starts, then read only.
  void* state() const { return state_; }
  void setState(void* state) { state_ = state; }
  // What a handler call did, to tell an OnExecute that did nothing: the input's size, the
  // handler's own writes and the waits it parked in. Handler context.
  struct Activity {
    std::size_t input;
    uint64_t writes, waits;
    bool operator==(const Activity& o) const { return input == o.input && writes == o.writes && waits == o.waits; }
  };
  Activity activity() const { return Activity{input_.size(), ownWrites_, waits_}; }
  // Before the first OnExecute: its activity is measured from here (executeAgain). Handler context.
  void startExecute() { executeStart_ = activity(); }
  bool executeAgain() override;
  // Indy's execute loop, after each OnExecute: what is pending moves into the input (Indy's
  // Connected() does a zero-timeout read). `idle`: the OnExecute neither read, wrote nor waited;
  // an engine whose handlers share threads then waits for input or a short, growing time
  // instead of letting a polling handler spin. Handler context.
  virtual IoStatus afterExecute(bool idle);
  // Connection::sleep for this connection's handler. Handler context.
  virtual void sleepInHandler(int ms);

 protected:
  // Heartbeat / idle timeout from now on (nothing if options.any() is false). Handler context,
  // at the start of the handler.
  void startLiveness(const LivenessOptions& options);
  bool livenessOn() const { return liveness_ != nullptr; }
  Clock::time_point livenessDue() const;  // When runLiveness() next has something to do; max() if never.
  // Do what is due at `now`: ping (through sendPing) or disconnect with the heartbeat or idle
  // reason. Returns false if it disconnected. Handler context.
  bool runLiveness(Clock::time_point now);

  // --- Supplied by each engine. Handler context unless noted. ---
  // Append at least one byte to input_ before `deadline` (infinite: no deadline). Returns
  // ClosedGracefully on FIN (through peerClosed()), SocketError through socketError().
  virtual IoStatus fillSome(Clock::time_point deadline, bool infinite) = 0;
  // Send all n bytes (may queue them, as long as the queued size is bounded).
  virtual IoStatus sendAll(const char* bytes, std::size_t n) = 0;
  // write() from any context other than the handler's: queue or send without breaking the
  // handler's own writes. Any thread.
  virtual IoStatus sendFromOutside(const char* bytes, std::size_t n) = 0;
  virtual bool inHandler() const = 0;  // The caller runs in this connection's handler context. Any thread.
  virtual void interrupt() = 0;        // Wake what the handler waits in, to see closing(). Any thread.
  virtual void shutdownSend() = 0;     // Send what is queued, then FIN; reads go on.
  // A ping is due: the engine's heartbeat hook, then `payload` (Heartbeat's, may be empty).
  virtual void sendPing(const std::string& payload) = 0;

  // Helpers for engines.
  void setHandle(std::intptr_t h) { handle_.store(h); }
  // The socket is being closed: I/O calls return NotConnected without interrupt(). Any thread.
  void markClosing() { closing_.store(true, std::memory_order_release); }
  bool flushOnClose() const { return flushOnClose_.load(std::memory_order_acquire); }
  // Closing with queued output to be dropped (disconnect(reason, false)): send nothing more.
  bool dropping() const { return closing() && !flushOnClose(); }
  // The event model: n bytes were appended to input_ by the engine itself (no fill()): count
  // them and tell liveness something arrived and was handled. Handler context.
  void noteReceived(std::size_t n);
  IoStatus socketError(int err);  // Record an OS error (reason PeerReset); returns SocketError.
  void noteWait() { ++waits_; }   // The handler parked (Activity). Handler context.
  IoStatus peerClosed();          // Record the peer's FIN (reason PeerClosed); ClosedGracefully.

  // --- The transport filter (TLS) between the socket and the buffers. Handler context. ---
  //   receive ─▶ receiveInto() ─▶ absorbReceived(): plaintext into input_, replies for the wire
  //   write   ─▶ encrypt() ─▶ ciphertext appended to the engine's wire queue
  // Where a receive puts what the socket gave: the input buffer, or with TLS the filter's intake.
  Buffer& receiveInto() { return tls_ ? tlsIntake_ : input_; }
  bool tlsOn() const { return tls_ != nullptr; }
  bool tlsHandshaking() const { return tls_ && !tls_->handshakeDone(); }
  // What absorbReceived made of the intake.
  enum class Absorbed {
    Progress,  // Plaintext came, or the handshake has just finished: the reader looks again.
    More,      // Nothing for the reader yet: receive more (or the peer's close_notify came:
               // tlsPeerClosed() ends the next read).
    Failed,    // The session failed (tlsFailed() ends the connection).
  };
  // TLS: decrypt the intake into the input buffer; what the session must answer (handshake
  // records, tickets, alerts) waits for takeTlsOutput. Call with the intake non-empty or to
  // advance the handshake.
  Absorbed absorbReceived();
  bool tlsIntakeWaiting() const { return !tlsIntake_.empty(); }
  // The peer's close_notify came with its last bytes: the next read ends (fillSome checks first).
  bool tlsPeerClosed() const { return tlsPeerClosed_; }
  // Plaintext to send: the ciphertext is appended to `wire` (nothing while the handshake runs:
  // the session keeps it). False if the session failed.
  bool encrypt(const char* bytes, std::size_t n, Buffer& wire);
  // Ciphertext the session has for the wire, appended to `wire`.
  void takeTlsOutput(Buffer& wire) { if (tls_) tls_->takeOutput(wire); }
  bool tlsOutputWaiting() const { return tls_ && tls_->hasOutput(); }
  // A clean TLS goodbye (close_notify) appended to `wire`, if a session is established and sound.
  void closeTls(Buffer& wire);
  // The session failed: the reason (TlsFailed, with the session's words) and disconnect. Send what
  // takeTlsOutput has (the alert) before calling this. Returns NotConnected.
  IoStatus tlsFailed();
  // Create the session; bytes already received move to the intake (the start of the TLS stream).
  // Throws TlsError when the engine has no TLS context.
  void beginTls();
  // When the handshake must be done by (max() = no limit), from beginTls.
  Clock::time_point tlsDeadline() const { return tlsDeadline_; }
  // A peer's FIN after an established session without close_notify: say so in the detail.
  void noteTlsTruncation();
  void setReasonDetail(std::string detail);

  Buffer input_;
  std::atomic<int> osError_{0};

 private:
  IoStatus fill(Clock::time_point deadline, bool infinite);  // fillSome + counters + liveness.
  void noteProgress();  // A read or write call completed.
  IoStatus writeOwn(const char* bytes, std::size_t n);  // write() from the handler itself.

  TrafficCounters* const counters_;
  std::atomic<std::intptr_t> handle_{-1};
  std::atomic<bool> closing_{false};
  std::atomic<bool> flushOnClose_{true};
  std::atomic<int> reason_{0};
  bool peerClosed_ = false;  // FIN seen. Handler only.
  bool protocolLimitHit_ = false;
  bool pinging_ = false;  // Inside sendPing: writes do not count as progress.
  std::unique_ptr<Liveness> liveness_;  // Null while off.
  std::string writeBuffer_;
  std::size_t writeThreshold_ = 0;
  bool writeBufferOpen_ = false;
  void* state_ = nullptr;
  uint64_t ownWrites_ = 0;  // write() calls from the handler itself (Activity).
  uint64_t waits_ = 0;      // Parks of the handler (Activity).
  Activity executeStart_{};  // The activity when the current OnExecute began.
  bool executeEnded_ = false;  // executeAgain has answered false.
  // The PROXY protocol (configureProxy).
  ProxyProtocol proxyMode_ = ProxyProtocol::Off;  // Off again once the header came.
  std::shared_ptr<const AddressList> proxyTrusted_;
  int proxyTimeoutMs_ = 0;
  Clock::time_point proxyDeadline_ = Clock::time_point::max();
  // TLS (configureTls, beginTls).
  std::shared_ptr<TlsContext> tlsContext_;
  bool tlsBeforeConnect_ = true;
  int tlsHandshakeTimeoutMs_ = 0;
  std::string tlsPeerName_;
  std::unique_ptr<TlsSession> tls_;  // Null while bytes pass through.
  Buffer tlsIntake_;                 // Ciphertext received, not yet given to the session.
  Buffer tlsEarly_;                  // Plaintext that came with the handshake's end (fill takes it).
  bool tlsPeerClosed_ = false;       // The peer's close_notify was read (with bytes before it).
  Clock::time_point tlsDeadline_ = Clock::time_point::max();
  mutable std::mutex detailMu_;
  std::string detail_;  // reasonDetail(); guarded by detailMu_.
};

}  // namespace iocp_native
