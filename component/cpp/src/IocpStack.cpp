// TIocpStack: Indy's GStack over the engine's host calls (native/include/iocp_native/host.h).
#include "IocpStack.h"

#include "iocp_native/host.h"

namespace Iocp {

namespace {

TIocpStack theStack;

template <typename F>
auto hostCall(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const iocp_native::HostError& e) {
    throw EIdSocketError(e.osError, e.what());
  }
}

}  // namespace

TIocpStack* const GStack = &theStack;

std::string TIocpStack::HostName() const {
  return hostCall([] { return iocp_native::hostName(); });
}

std::vector<TIocpLocalAddress> TIocpStack::GetLocalAddressList() const {
  const std::vector<iocp_native::LocalAddress> list = hostCall([] { return iocp_native::localAddresses(); });
  std::vector<TIocpLocalAddress> out;
  out.reserve(list.size());
  for (const iocp_native::LocalAddress& a : list) {
    TIocpLocalAddress la;
    la.IPVersion = a.ipVersion == 6 ? Id_IPv6 : Id_IPv4;
    la.IPAddress = a.address;
    la.SubNetMask = a.netmask;
    la.InterfaceName = a.interfaceName;
    la.FriendlyName = a.friendlyName;
    la.InterfaceIndex = a.interfaceIndex;
    out.push_back(std::move(la));
  }
  return out;
}

std::vector<std::string> TIocpStack::LocalAddresses() const {
  std::vector<std::string> out;
  for (const TIocpLocalAddress& a : GetLocalAddressList()) {
    if (a.IPVersion == Id_IPv4) out.push_back(a.IPAddress);
  }
  return out;
}

std::string TIocpStack::LocalAddress() const {
  const std::vector<std::string> all = LocalAddresses();
  return all.empty() ? std::string() : all.front();
}

std::string TIocpStack::ResolveHost(const std::string& AHost, TIdIPVersion AIPVersion) const {
  try {
    return iocp_native::resolveHost(AHost, AIPVersion == Id_IPv6 ? 6 : 4);
  } catch (const iocp_native::HostError& e) {
    throw EIdResolveError(e.osError, e.what());
  }
}

bool TIocpStack::IsIP(const std::string& AIP) const {
  int parts = 0;
  std::size_t i = 0;
  while (parts < 4) {
    std::size_t digits = 0;
    int value = 0;
    while (i < AIP.size() && AIP[i] >= '0' && AIP[i] <= '9') {
      if (value <= 255) value = value * 10 + (AIP[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0 || value > 255) return false;  // Leading zeros pass, as Indy's.
    ++parts;
    if (parts < 4) {
      if (i >= AIP.size() || AIP[i] != '.') return false;
      ++i;
    }
  }
  return i == AIP.size();
}

}  // namespace Iocp
