// Engine selection and the client-side connect, shared by every platform.
#include "iocp_native/engine.h"

#include <thread>

#include "completion_engine.h"
#include "fiber.h"
#include "socket_ops.h"
#include "thread_connection.h"
#include "thread_engine.h"

namespace iocp_native {

std::unique_ptr<Engine> makeEngine(const EngineOptions& options, EngineHandler& handler) {
  if (options.kind == EngineKind::Completion) return makeCompletionEngine(options, handler);
  return makeThreadEngine(options, handler);
}

std::unique_ptr<ClientConnection> connectTcp(const std::string& host, uint16_t port, int timeoutMs,
                                             bool noDelay) {
  int err = 0;
  bool timedOut = false;
  const net::SocketHandle s = net::connectTo(host, port, timeoutMs, &err, &timedOut);
  if (s == net::kInvalidSocket) {
    const std::string where = host + ":" + std::to_string(port);
    throw ConnectError(err, timedOut,
                       timedOut ? "Connect timed out: " + where
                                : "Could not connect to " + where + ": " + net::errorText(err));
  }
  if (noDelay) net::setNoDelay(s, true);
  static std::atomic<uint64_t> nextClientId{1};
  return std::make_unique<ThreadConnection>(nextClientId++, s, Endpoint{host, port}, net::localEndpoint(s),
                                            nullptr, EngineOptions().outsideWriteTimeoutMs);
}

std::string osErrorText(int osError) { return net::errorText(osError); }

void setFiberSwitchHook(FiberSwitchHook hook) {
  static_assert(kFiberHostStateSize == Fiber::kHostStateSize, "one size for the host state");
  Fiber::setSwitchHook(hook);
}

int processorCount() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace iocp_native
