// host.h's name and resolution calls, the same on every platform (getaddrinfo, gethostname);
// the interface list is per platform (posix/host_addresses.cpp, win/host_addresses.cpp).
#include "iocp_native/host.h"

#include "address.h"
#include "net_headers.h"
#include "socket_ops.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace iocp_native {

namespace {

bool sameTextAscii(const std::string& a, const char* b) {
  const std::size_t n = std::strlen(b);
  if (a.size() != n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// `text` as a numeric address of `family` in its canonical form, or "" if it is not one.
std::string canonicalNumeric(const std::string& text, int family) {
  unsigned char raw[sizeof(in6_addr)];
  if (inet_pton(family, text.c_str(), raw) != 1) return "";
  char out[INET6_ADDRSTRLEN] = {0};
  if (inet_ntop(family, raw, out, sizeof out) == nullptr) return "";
  return out;
}

}  // namespace

std::string hostName() {
  net::startNetworking();
  char name[256] = {0};
  if (gethostname(name, sizeof name - 1) != 0) {
    const int err = net::lastError();
    throw HostError(err, "gethostname failed: " + net::errorText(err));
  }
  return name;
}

std::string resolveHost(const std::string& host, int ipVersion) {
  if (ipVersion != 4 && ipVersion != 6) {
    throw HostError(net::kInvalidArgument, "IP version " + std::to_string(ipVersion) + " is not 4 or 6");
  }
  const int family = ipVersion == 4 ? AF_INET : AF_INET6;
  if (sameTextAscii(host, "localhost")) return ipVersion == 4 ? "127.0.0.1" : "::1";
  std::string numeric = canonicalNumeric(host, family);
  if (!numeric.empty()) return numeric;
  net::startNetworking();
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (rc != 0 || list == nullptr) {
    if (list) freeaddrinfo(list);
    throw HostError(rc, "cannot resolve '" + host + "' (IPv" + std::to_string(ipVersion) + "): " +
                            net::resolverErrorText(rc));
  }
  sockaddr_storage ss{};
  std::memcpy(&ss, list->ai_addr, std::min<std::size_t>(list->ai_addrlen, sizeof ss));
  freeaddrinfo(list);
  return net::toEndpoint(ss).ip;
}

}  // namespace iocp_native
