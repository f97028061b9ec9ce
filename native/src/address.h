// Numeric socket addresses <-> Endpoint, the same on every platform (socket_ops.h declares
// localEndpoint/peerEndpoint, implemented here too).
#pragma once

#include <cstdint>
#include <string>

#include "iocp/connection.h"
#include "net_headers.h"

namespace iocp::net {

// "127.0.0.1:80" form of a socket address (IPv4 or IPv6).
Endpoint toEndpoint(const sockaddr_storage& ss);
// Parse a numeric IPv4/IPv6 address ("" = every IPv4 address). False if ip is not numeric.
bool parseAddress(const std::string& ip, uint16_t port, sockaddr_storage* ss, int* len);

}  // namespace iocp::net
