// Built without liburing: asking for io_uring gives epoll (make_port.cpp), with this reason.
#include "linux_ports.h"

namespace iocp_native {

std::unique_ptr<Port> makeUringPort(PortEvents&, int, std::string* why) {
  *why = "built without liburing";
  return nullptr;
}

}  // namespace iocp_native
