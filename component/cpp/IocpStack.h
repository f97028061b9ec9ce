// This machine's name and addresses, and name resolution, as Indy's GStack (TIdStack, unit
// IdStack) gives them to server code: the form that shows "listening on 192.168.1.10", the
// binding built from LocalAddress. Stateless; every member may be called from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "IocpExceptions.h"

namespace Iocp {

// An address family, as Indy's TIdIPVersion.
enum TIdIPVersion { Id_IPv4, Id_IPv6 };

// Name resolution failed (Indy: EIdResolveError, an EIdSocketError).
class EIdResolveError : public EIdSocketError {
 public:
  EIdResolveError(int lastError, const std::string& msg) : EIdSocketError(lastError, msg) {}
};

// One address of a local interface (Indy: TIdStackLocalAddress / TIdStackLocalAddressIPv4).
struct TIocpLocalAddress {
  TIdIPVersion IPVersion = Id_IPv4;
  std::string IPAddress;      // Numeric.
  std::string SubNetMask;     // IPv4 only ("255.255.255.0").
  std::string InterfaceName;  // "eth0"; on Windows the adapter's name.
  std::string FriendlyName;   // On Windows the adapter's friendly name; elsewhere InterfaceName.
  uint32_t InterfaceIndex = 0;
};

class TIocpStack {
 public:
  // This machine's host name. Raises EIdSocketError. Any thread.
  std::string HostName() const;
  // The first IPv4 address of an interface that is up, loopback excluded ("" when there is none),
  // as Indy's LocalAddress. Raises EIdSocketError. Any thread.
  std::string LocalAddress() const;
  // Every such IPv4 address, as Indy's LocalAddresses. Raises EIdSocketError. Any thread.
  std::vector<std::string> LocalAddresses() const;
  // Every address of an interface that is up, IPv4 and IPv6, loopback excluded, with its
  // interface (Indy's GetLocalAddressList). Raises EIdSocketError. Any thread.
  std::vector<TIocpLocalAddress> GetLocalAddressList() const;
  // AHost as a numeric address of AIPVersion: a numeric address as it is, "localhost" as the
  // loopback address, a name through the resolver (blocks for as long as it takes). Raises
  // EIdResolveError. Any thread.
  std::string ResolveHost(const std::string& AHost, TIdIPVersion AIPVersion = Id_IPv4) const;
  // True for a dotted IPv4 address of four numbers 0..255 (Indy's IsIP). Any thread.
  bool IsIP(const std::string& AIP) const;
};

// The one instance, as Indy's GStack (never null here: the stack needs no start-up). Any thread.
extern TIocpStack* const GStack;

}  // namespace Iocp
