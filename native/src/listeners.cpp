// Opening the listeners of an engine: shared by every engine and platform.
#include "socket_ops.h"

namespace iocp::net {

std::vector<OpenListener> openListeners(const EngineOptions& options, bool nonBlocking) {
  std::vector<OpenListener> open;
  for (std::size_t i = 0; i < options.bindings.size(); ++i) {
    OpenListener l{kInvalidSocket, {}};
    int err = 0;
    std::string what;
    l.socket = openListener(options.bindings[i], options.listenQueue, options.reuseAddress,
                            nonBlocking, &l.bound, &err, &what);
    if (l.socket == kInvalidSocket) {
      for (const OpenListener& o : open) closeSocket(o.socket);
      throw BindError(i, err, what);
    }
    open.push_back(l);
  }
  return open;
}

}  // namespace iocp::net
