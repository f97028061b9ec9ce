// The count of sockets the library holds open (listeners, accepted connections, clients, pending
// AcceptEx sockets): what tests check for leaks. Thread safe.
#pragma once

#include <cstddef>

namespace iocp_native::net {

std::size_t openSocketCount();  // Open right now.
void countSocket(int delta);    // Platform files: +1 for each socket created, -1 in closeSocket.

}  // namespace iocp_native::net
