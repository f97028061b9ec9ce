// The io_uring port: not written yet, so asking for io_uring gives epoll (make_port.cpp).
#include "linux_ports.h"

namespace iocp_native {

std::unique_ptr<Port> makeUringPort(PortEvents&, int, std::string* why) {
  *why = "not implemented yet";
  return nullptr;
}

}  // namespace iocp_native
