#include "iocp_native/socket_options.h"

#include "socket_ops.h"

namespace iocp_native {

int setSocketOption(std::intptr_t socket, int level, int name, int value) {
  return net::setIntOption(socket, level, name, value);
}

int getSocketOption(std::intptr_t socket, int level, int name, int* value) {
  return net::getIntOption(socket, level, name, value);
}

bool setSocketKeepAlive(std::intptr_t socket, bool on, int timeMs, int intervalMs) {
  return net::setKeepAlive(socket, on, timeMs, intervalMs);
}

void setSocketNagle(std::intptr_t socket, bool nagle) { net::setNoDelay(socket, !nagle); }

}  // namespace iocp_native
