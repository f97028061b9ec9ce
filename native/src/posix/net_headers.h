// The BSD socket headers; the shared socket code includes this by name (per-platform include path).
#pragma once

#include <arpa/inet.h>
#include <netdb.h>   // getaddrinfo
#include <unistd.h>  // gethostname
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

namespace iocp_native::net {
using NativeSocket = int;  // What the OS calls take for a SocketHandle.
constexpr int kInvalidArgument = EINVAL;
}
