// The completion engine's ports on Linux; makePort (make_port.cpp) picks one.
#pragma once

#include <memory>
#include <string>

#include "../completion_port.h"

namespace iocp_native {

std::unique_ptr<Port> makeEpollPort(PortEvents& events);  // Throws std::runtime_error.
// io_uring with `rings` rings (one per I/O thread). Returns null, with the reason in *why, where
// the kernel refuses it (too old, disabled, out of locked memory, a feature missing).
std::unique_ptr<Port> makeUringPort(PortEvents& events, int rings, std::string* why);

}  // namespace iocp_native
