// The Winsock headers; the shared socket code includes this by name (per-platform include path).
#pragma once

#include <winsock2.h>
#include <ws2tcpip.h>

namespace iocp_native::net {
using NativeSocket = SOCKET;  // What the OS calls take for a SocketHandle.
constexpr int kInvalidArgument = WSAEINVAL;
}
