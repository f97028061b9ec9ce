#include "address.h"
#include "socket_ops.h"

#include <cstring>

namespace iocp_native::net {

Endpoint toEndpoint(const sockaddr_storage& ss) {
  Endpoint ep;
  char text[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    ep.port = ntohs(a->sin6_port);
  } else {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    ep.port = ntohs(a->sin_port);
  }
  ep.ip = text;
  return ep;
}

std::string ipv6HexGroups(const sockaddr_in6& a) {
  const auto* b = reinterpret_cast<const unsigned char*>(&a.sin6_addr);
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (int g = 0; g < 8; ++g) {
    const unsigned value = (static_cast<unsigned>(b[2 * g]) << 8) | b[2 * g + 1];
    if (g) out += ':';
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned digit = (value >> shift) & 0xF;
      if (digit || started || shift == 0) {
        out += kHex[digit];
        started = true;
      }
    }
  }
  return out;
}

// Numeric address only: a listener binds to an address, it does not resolve names.
bool parseAddress(const std::string& ip, uint16_t port, sockaddr_storage* ss, int* len) {
  std::memset(ss, 0, sizeof *ss);
  auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (ip.empty() || inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    if (ip.empty()) v4->sin_addr.s_addr = htonl(INADDR_ANY);
    *len = sizeof *v4;
    return true;
  }
  if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *len = sizeof *v6;
    return true;
  }
  return false;
}

Endpoint localEndpoint(SocketHandle s) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(static_cast<NativeSocket>(s), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return toEndpoint(ss);
}

Endpoint peerEndpoint(SocketHandle s) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getpeername(static_cast<NativeSocket>(s), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return toEndpoint(ss);
}

}  // namespace iocp_native::net
