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
  // Indy's test: four times Fetch(AIP, '.') as a number 0..255 (IndyStrToInt: spaces trimmed,
  // decimal here), then nothing left, so a trailing '.' passes as in Indy.
  std::string rest = AIP;
  bool ok = true;
  for (int part = 0; part < 4; ++part) {
    const std::size_t dot = rest.find('.');
    std::string field = rest.substr(0, dot);
    rest = dot == std::string::npos ? std::string() : rest.substr(dot + 1);
    const std::size_t first = field.find_first_not_of(' ');
    const std::size_t last = field.find_last_not_of(' ');
    field = first == std::string::npos ? std::string() : field.substr(first, last - first + 1);
    if (!field.empty() && field[0] == '+') field.erase(0, 1);
    int value = field.empty() ? -1 : 0;
    for (const char c : field) {
      if (c < '0' || c > '9') {
        value = -1;
        break;
      }
      if (value <= 255) value = value * 10 + (c - '0');
    }
    ok = ok && value >= 0 && value <= 255;
  }
  return ok && rest.empty();
}

}  // namespace Iocp
