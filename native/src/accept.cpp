#include "accept.h"

#include "address.h"

namespace iocp_native {

namespace {

// Create, bind and listen on one binding. On failure returns kInvalidSocket and sets *err, *what.
net::SocketHandle openListener(const BindingSpec& spec, int backlog, const EngineOptions& options, bool nonBlocking,
                               Endpoint* bound, int* err, std::string* what) {
  sockaddr_storage ss;
  int len = 0;
  const std::string where = (spec.ip.empty() ? std::string("0.0.0.0") : spec.ip) + ":" +
                            std::to_string(spec.port);
  if (!net::parseAddress(spec.ip, spec.port, &ss, &len)) {
    *err = net::kInvalidArgument;
    *what = "Could not bind socket " + where + ": not a numeric IPv4 or IPv6 address";
    return net::kInvalidSocket;
  }
  bool created = false;
  const net::SocketHandle s =
      net::listenOn(ss, len, backlog, options.reuseAddress, options.reusePort, nonBlocking, err, &created);
  if (s == net::kInvalidSocket) {
    *what = (created ? "Could not bind socket " : "Could not create socket for ") + where + ": " +
            net::errorText(*err);
    return s;
  }
  *bound = net::localEndpoint(s);
  return s;
}

// Turn away an accepted connection: send `message` if it fits the socket at once, FIN, close.
void refuseConnection(net::SocketHandle s, const std::string& message) {
  if (!message.empty()) {
    int err = 0;
    net::sendSome(s, message.data(), message.size(), &err);
  }
  net::shutdownWrite(s);
  net::closeSocket(s);
}

// What every engine applies to an accepted socket: TCP_NODELAY, buffer sizes, keepalive, user
// timeout.
void configureAccepted(net::SocketHandle s, const EngineOptions& options) {
  if (options.noDelay) net::setNoDelay(s, true);
  net::setBufferSizes(s, options.receiveBufferSize, options.sendBufferSize);
  const LivenessOptions& l = options.liveness;
  if (l.keepAlive) net::setKeepAlive(s, true, l.keepAliveTimeMs, l.keepAliveIntervalMs);
  if (l.userTimeoutMs > 0) net::setUserTimeout(s, l.userTimeoutMs);
}

}  // namespace

std::vector<net::OpenListener> openListeners(const EngineOptions& options, bool nonBlocking) {
  std::vector<net::OpenListener> open;
  const int backlog = options.listenQueue > 0 ? options.listenQueue : net::maxListenBacklog();
  for (std::size_t i = 0; i < options.bindings.size(); ++i) {
    net::OpenListener l{net::kInvalidSocket, {}};
    int err = 0;
    std::string what;
    l.socket = openListener(options.bindings[i], backlog, options, nonBlocking, &l.bound,
                            &err, &what);
    if (l.socket == net::kInvalidSocket) {
      for (const net::OpenListener& o : open) net::closeSocket(o.socket);
      throw BindError(i, err, what);
    }
    open.push_back(l);
  }
  return open;
}

std::vector<net::OpenListener> reopenListeners(const EngineOptions& options, const std::vector<Endpoint>& bound,
                                               bool nonBlocking) {
  EngineOptions again = options;
  for (std::size_t i = 0; i < again.bindings.size() && i < bound.size(); ++i) again.bindings[i].port = bound[i].port;
  return openListeners(again, nonBlocking);
}

ProxyReception::ProxyReception(const EngineOptions& options)
    : mode_(options.proxyProtocol), timeoutMs_(options.proxyHeaderTimeoutMs) {
  if (mode_ == ProxyProtocol::Off) return;
  auto list = std::make_shared<AddressList>();
  std::string why;
  if (!list->parse(options.proxyTrustedSources, why)) throw std::invalid_argument("trusted sources: " + why);
  trusted_ = std::move(list);
}

bool admitAccepted(Admission& admission, net::SocketHandle s, const EngineOptions& options, bool stopping) {
  if (stopping) {
    net::closeSocket(s);
    return false;
  }
  if (!admission.tryAdmit()) {
    refuseConnection(s, options.refusalMessage);
    return false;
  }
  configureAccepted(s, options);
  return true;
}

bool announceAccepted(EngineHandler& handler, StreamConnection& conn, std::size_t binding) {
  try {
    conn.setState(handler.onAccepted(conn));
    return true;
  } catch (const RefuseConnection&) {  // Reported by the handler itself.
  } catch (const std::exception& e) {
    handler.onListenError(binding, std::string("connection refused by onAccepted: ") + e.what());
  } catch (...) {
    handler.onListenError(binding, "connection refused by onAccepted");
  }
  return false;
}

}  // namespace iocp_native
