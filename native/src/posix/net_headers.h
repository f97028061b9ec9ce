// The BSD socket headers; the shared socket code includes this by name (per-platform include path).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace iocp::net {
using NativeSocket = int;  // What the OS calls take for a SocketHandle.
}
