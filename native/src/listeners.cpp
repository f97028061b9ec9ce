// Opening the listeners of an engine, refusing connections, and the count of open sockets: shared by
// every platform.
#include "socket_ops.h"

#include <atomic>

namespace iocp::net {

namespace {
std::atomic<long> gOpenSockets{0};
}

std::size_t openSocketCount() { return static_cast<std::size_t>(gOpenSockets.load()); }
void countSocket(int delta) { gOpenSockets.fetch_add(delta); }

std::vector<OpenListener> openListeners(const EngineOptions& options, bool nonBlocking) {
  std::vector<OpenListener> open;
  const int backlog = options.listenQueue > 0 ? options.listenQueue : maxListenBacklog();
  for (std::size_t i = 0; i < options.bindings.size(); ++i) {
    OpenListener l{kInvalidSocket, {}};
    int err = 0;
    std::string what;
    l.socket = openListener(options.bindings[i], backlog, options.reuseAddress,
                            nonBlocking, &l.bound, &err, &what);
    if (l.socket == kInvalidSocket) {
      for (const OpenListener& o : open) closeSocket(o.socket);
      throw BindError(i, err, what);
    }
    open.push_back(l);
  }
  return open;
}

void configureAccepted(SocketHandle s, const EngineOptions& options) {
  if (options.noDelay) setNoDelay(s, true);
  const LivenessOptions& l = options.liveness;
  if (l.keepAlive) setKeepAlive(s, true, l.keepAliveTimeMs, l.keepAliveIntervalMs);
  if (l.userTimeoutMs > 0) setUserTimeout(s, l.userTimeoutMs);
}

void refuseConnection(SocketHandle s, const std::string& message) {
  if (!message.empty()) {
    int err = 0;
    sendSome(s, message.data(), message.size(), &err);
  }
  shutdownWrite(s);
  closeSocket(s);
}

}  // namespace iocp::net
