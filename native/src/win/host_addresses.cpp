// host.h's localAddresses on Windows: GetAdaptersAddresses, as Indy's
// TIdStackWindows.GetLocalAddressList (adapters that are up, loopback skipped).
#include "iocp_native/host.h"

#include "address.h"
#include "socket_ops.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#include <windows.h>

#include <cstring>
#include <vector>

namespace iocp_native {

namespace {

std::string narrow(const wchar_t* w) {
  if (w == nullptr || *w == 0) return "";
  const int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, nullptr, 0, nullptr, nullptr);
  if (n <= 1) return "";
  std::string out(static_cast<std::size_t>(n - 1), '\0');
  WideCharToMultiByte(CP_UTF8, 0, w, -1, out.data(), n, nullptr, nullptr);
  return out;
}

std::string ipv4Mask(ULONG prefixLength) {
  sockaddr_storage ss{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  v4->sin_family = AF_INET;
  const ULONG bits = prefixLength > 32 ? 32 : prefixLength;
  v4->sin_addr.s_addr = bits == 0 ? 0 : htonl(0xFFFFFFFFu << (32 - bits));
  return net::toEndpoint(ss).ip;
}

}  // namespace

std::vector<LocalAddress> localAddresses() {
  net::startNetworking();
  const ULONG flags = GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER;
  ULONG size = 16 * 1024;
  std::vector<unsigned char> buf;
  ULONG rc = ERROR_BUFFER_OVERFLOW;
  for (int attempt = 0; attempt < 4 && rc == ERROR_BUFFER_OVERFLOW; ++attempt) {
    buf.resize(size);
    rc = GetAdaptersAddresses(AF_UNSPEC, flags, nullptr,
                              reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buf.data()), &size);
  }
  std::vector<LocalAddress> out;
  if (rc == ERROR_NO_DATA) return out;
  if (rc != NO_ERROR) {
    throw HostError(static_cast<int>(rc), "GetAdaptersAddresses failed: " + net::errorText(static_cast<int>(rc)));
  }
  for (auto* a = reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buf.data()); a != nullptr; a = a->Next) {
    if (a->IfType == IF_TYPE_SOFTWARE_LOOPBACK || a->OperStatus != IfOperStatusUp) continue;
    for (IP_ADAPTER_UNICAST_ADDRESS* u = a->FirstUnicastAddress; u != nullptr; u = u->Next) {
      const sockaddr* sa = u->Address.lpSockaddr;
      if (sa == nullptr || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)) continue;
      sockaddr_storage ss{};
      std::memcpy(&ss, sa, sa->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
      LocalAddress la;
      la.ipVersion = sa->sa_family == AF_INET ? 4 : 6;
      // IPv6 in Indy's form for this list (eight groups, no "::"); IPv4 dotted.
      la.address = la.ipVersion == 6 ? net::ipv6HexGroups(reinterpret_cast<const sockaddr_in6&>(ss))
                                     : net::toEndpoint(ss).ip;
      if (la.ipVersion == 4) la.netmask = ipv4Mask(u->OnLinkPrefixLength);
      la.interfaceName = a->AdapterName ? a->AdapterName : "";
      la.friendlyName = narrow(a->FriendlyName);
      la.interfaceIndex = la.ipVersion == 4 ? a->IfIndex : a->Ipv6IfIndex;
      out.push_back(std::move(la));
    }
  }
  return out;
}

}  // namespace iocp_native
