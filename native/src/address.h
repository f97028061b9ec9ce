// Numeric socket addresses <-> Endpoint, the same on every platform (socket_ops.h declares
// localEndpoint/peerEndpoint, implemented in address.cpp too), and the one per-platform call that
// takes a socket address.
#pragma once

#include <cstdint>
#include <string>

#include "iocp_native/connection.h"
#include "net_headers.h"
#include "socket_ops.h"

namespace iocp_native::net {

// The numeric address and port of a socket address (IPv4 or IPv6).
Endpoint toEndpoint(const sockaddr_storage& ss);
// An IPv6 address as eight hex groups, upper case, without leading zeros and without "::"
// ("FE80:0:0:0:FC:FF:FE00:1"): the form Indy's TranslateTInAddrToString gives its local list.
std::string ipv6HexGroups(const sockaddr_in6& a);
// Parse a numeric IPv4/IPv6 address ("" = every IPv4 address). False if ip is not numeric.
bool parseAddress(const std::string& ip, uint16_t port, sockaddr_storage* ss, int* len);
// Create a socket for `ss`, bind and listen (non-blocking if asked); per platform. On failure
// returns kInvalidSocket with *err set, and *created false if not even the socket was created.
// reusePort: SO_REUSEPORT (Linux); where the system has none, fails with its "not supported" error.
SocketHandle listenOn(const sockaddr_storage& ss, int len, int backlog, bool reuseAddress, bool reusePort,
                      bool nonBlocking, int* err, bool* created);

}  // namespace iocp_native::net
