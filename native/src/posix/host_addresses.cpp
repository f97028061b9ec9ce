// host.h's localAddresses on POSIX: getifaddrs, as Indy's TIdStackUnix.GetLocalAddressList.
#include "iocp_native/host.h"

#include "address.h"
#include "socket_ops.h"

#include <ifaddrs.h>
#include <net/if.h>

#include <cerrno>
#include <cstring>

namespace iocp_native {

std::vector<LocalAddress> localAddresses() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) {
    const int err = errno;
    throw HostError(err, "getifaddrs failed: " + net::errorText(err));
  }
  std::vector<LocalAddress> out;
  for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || (a->ifa_flags & IFF_LOOPBACK) != 0 || (a->ifa_flags & IFF_UP) == 0) continue;
    const int family = a->ifa_addr->sa_family;
    if (family != AF_INET && family != AF_INET6) continue;
    sockaddr_storage ss{};
    std::memcpy(&ss, a->ifa_addr, family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
    LocalAddress la;
    la.ipVersion = family == AF_INET ? 4 : 6;
    // IPv6 in Indy's form for this list (eight groups, no "::"); IPv4 dotted.
    la.address = la.ipVersion == 6 ? net::ipv6HexGroups(reinterpret_cast<const sockaddr_in6&>(ss))
                                   : net::toEndpoint(ss).ip;
    if (family == AF_INET && a->ifa_netmask != nullptr) {
      sockaddr_storage mask{};
      std::memcpy(&mask, a->ifa_netmask, sizeof(sockaddr_in));
      mask.ss_family = AF_INET;
      la.netmask = net::toEndpoint(mask).ip;
    }
    la.interfaceName = a->ifa_name ? a->ifa_name : "";
    la.friendlyName = la.interfaceName;
    la.interfaceIndex = a->ifa_name ? if_nametoindex(a->ifa_name) : 0;
    out.push_back(std::move(la));
  }
  freeifaddrs(list);
  return out;
}

}  // namespace iocp_native
