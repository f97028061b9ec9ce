// From a listening socket to an admitted connection: the steps both engines share.
//
//   openListeners ─▶ (engine accepts) ─▶ admitAccepted: stopping? close : over MaxConnections?
//   refuse : configure ─▶ (engine makes the connection) ─▶ announceAccepted: handler.onAccepted
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "admission.h"
#include "iocp_native/engine.h"
#include "socket_ops.h"
#include "stream_connection.h"

namespace iocp_native {

// The engine's TLS context (EngineOptions::tls, replaced by Engine::setTlsContext): each
// connection takes the one current when it is accepted. Any thread.
class TlsContextSlot {
 public:
  explicit TlsContextSlot(std::shared_ptr<TlsContext> context) : context_(std::move(context)) {}
  std::shared_ptr<TlsContext> get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return context_;
  }
  void set(std::shared_ptr<TlsContext> context) {
    std::lock_guard<std::mutex> lock(mu_);
    context_.swap(context);  // The old one is released outside the lock.
  }
  // Give an accepted connection the current context and the engine's TLS settings.
  void configure(StreamConnection& conn, const EngineOptions& options) const {
    conn.configureTls(get(), options.tlsImplicit, options.tlsHandshakeTimeoutMs);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<TlsContext> context_;
};

// The engine's PROXY protocol settings (EngineOptions::proxyProtocol), the trusted sources parsed
// once: each accepted connection is told what to expect. Any thread.
class ProxyReception {
 public:
  // Throws std::invalid_argument when options.proxyTrustedSources is not a list of addresses.
  explicit ProxyReception(const EngineOptions& options);
  void configure(StreamConnection& conn) const {
    if (mode_ != ProxyProtocol::Off) conn.configureProxy(mode_, trusted_, timeoutMs_);
  }

 private:
  ProxyProtocol mode_;
  std::shared_ptr<const AddressList> trusted_;
  int timeoutMs_;
};

// Every binding of `options`, opened and listening, in order; the backlog is options.listenQueue
// or, when that is <= 0, the system's maximum. Opens them all or none: on a failure closes those
// already open and throws BindError. Owner thread.
std::vector<net::OpenListener> openListeners(const EngineOptions& options, bool nonBlocking);

// openListeners again after a stopListening: the same bindings on the ports start() bound
// (`bound`, in binding order; a port the OS chose stays). Throws BindError. Owner thread.
std::vector<net::OpenListener> reopenListeners(const EngineOptions& options, const std::vector<Endpoint>& bound,
                                               bool nonBlocking);

// A socket a listener has just accepted: closed while `stopping`; refused past MaxConnections
// (the refusal message if it fits at once, FIN, close); otherwise given the connection socket
// options (TCP_NODELAY, keepalive, user timeout) and admitted, taking one admission slot. True =
// admitted: the caller owns the socket and makes it a connection. Any thread.
bool admitAccepted(Admission& admission, net::SocketHandle s, const EngineOptions& options, bool stopping);

// Tell the handler about the new connection (EngineHandler::onAccepted) and keep the state it
// returns on the connection. A handler that throws refuses the connection: reported through
// onListenError, and false returned. Accepting thread.
bool announceAccepted(EngineHandler& handler, StreamConnection& conn, std::size_t binding);

}  // namespace iocp_native
