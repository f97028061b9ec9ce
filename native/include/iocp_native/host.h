// This machine's name and addresses, and name resolution: what Indy's GStack (TIdStack) answers
// (HostName, LocalAddress, LocalAddresses, GetLocalAddressList, ResolveHost). hostName and
// resolveHost are shared (src/host.cpp); localAddresses is per platform (posix/host_addresses.cpp:
// getifaddrs; win/host_addresses.cpp: GetAdaptersAddresses).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace iocp_native {

// One address of a local network interface (Indy's TIdStackLocalAddress).
struct LocalAddress {
  int ipVersion = 4;          // 4 or 6.
  std::string address;        // Numeric: "192.168.1.10"; IPv6 as Indy lists it: "FE80:0:0:0:0:0:0:1".
  std::string netmask;        // IPv4: "255.255.255.0"; empty for IPv6 or when the OS gives none.
  std::string interfaceName;  // "eth0"; on Windows the adapter's name.
  std::string friendlyName;   // On Windows the adapter's friendly name; elsewhere interfaceName.
  uint32_t interfaceIndex = 0;
};

// Thrown when the OS cannot answer (and by resolveHost when a name does not resolve).
class HostError : public std::runtime_error {
 public:
  HostError(int error, const std::string& what) : std::runtime_error(what), osError(error) {}
  int osError;
};

// The addresses of this machine's interfaces that are up, loopback excluded (as Indy's
// GetLocalAddressList), IPv4 and IPv6, in the order the OS lists them. Throws HostError. Any thread.
std::vector<LocalAddress> localAddresses();

// This machine's host name (gethostname). Throws HostError. Any thread.
std::string hostName();

// The first address `host` resolves to, numeric, of ipVersion 4 or 6 (getaddrinfo); a numeric
// address of that version comes back as it is and "localhost" as the loopback address, as Indy's
// ResolveHost. Blocks for as long as the resolver takes. Throws HostError. Any thread.
std::string resolveHost(const std::string& host, int ipVersion);

}  // namespace iocp_native
