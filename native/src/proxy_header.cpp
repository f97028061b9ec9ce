#include "proxy_header.h"

#include <algorithm>
#include <cstring>

#include "address.h"

namespace iocp_native {

namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr std::string_view kV2Signature{"\r\n\r\n\0\r\nQUIT\n", 12};

// `bytes` is (so far) a beginning of `expected`.
bool beginsLike(std::string_view bytes, std::string_view expected) {
  const std::size_t n = std::min(bytes.size(), expected.size());
  return bytes.substr(0, n) == expected.substr(0, n);
}

// The next field of a v1 line (up to a single space or the end). Moves `rest` past it and the space.
std::string_view field(std::string_view& rest) {
  const std::size_t sp = rest.find(' ');
  const std::string_view f = rest.substr(0, sp);
  rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
  return f;
}

bool parsePort(std::string_view text, uint16_t& port) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return false;
  port = static_cast<uint16_t>(value);
  return true;
}

// A v1 address of the family `tcp6` says, as the engine writes addresses ("::1", not "0::1").
bool parseV1Address(std::string_view text, bool tcp6, uint16_t port, Endpoint& out) {
  sockaddr_storage ss;
  int len = 0;
  if (text.empty() || text.size() > 45 || !net::parseAddress(std::string(text), port, &ss, &len)) return false;
  if ((ss.ss_family == AF_INET6) != tcp6) return false;
  out = net::toEndpoint(ss);
  return true;
}

ProxyParse parseV1(std::string_view bytes, ProxyHeader& header, std::size_t& used, std::string& why) {
  if (!beginsLike(bytes, kV1Prefix)) {
    why = "the connection did not begin with a PROXY protocol v1 header (\"PROXY \")";
    return ProxyParse::Bad;
  }
  const std::size_t lf = bytes.substr(0, kProxyV1MaxLength).find('\n');
  if (lf == std::string_view::npos) {
    if (bytes.size() < kProxyV1MaxLength) return ProxyParse::NeedMore;
    why = "the PROXY protocol v1 header has no CRLF within " + std::to_string(kProxyV1MaxLength) + " bytes";
    return ProxyParse::Bad;
  }
  if (lf == 0 || bytes[lf - 1] != '\r') {
    why = "the PROXY protocol v1 header ends with a LF that follows no CR";
    return ProxyParse::Bad;
  }
  std::string_view rest = bytes.substr(kV1Prefix.size(), lf - 1 - kV1Prefix.size());
  const std::string_view proto = field(rest);
  header = ProxyHeader{};
  header.version = 1;
  used = lf + 1;
  if (proto == "UNKNOWN") return ProxyParse::Done;  // The rest of the line says nothing to rely on.
  if (proto != "TCP4" && proto != "TCP6") {
    why = "the PROXY protocol v1 header names protocol \"" + std::string(proto.substr(0, 16)) +
          "\" (TCP4, TCP6 or UNKNOWN)";
    return ProxyParse::Bad;
  }
  const bool tcp6 = proto == "TCP6";
  const std::string_view src = field(rest), dst = field(rest), sport = field(rest), dport = field(rest);
  uint16_t sp = 0, dp = 0;
  if (!rest.empty() || !parsePort(sport, sp) || !parsePort(dport, dp)) {
    why = "the PROXY protocol v1 header is not \"PROXY " + std::string(proto) +
          " <source> <destination> <source port> <destination port>\"";
    return ProxyParse::Bad;
  }
  if (!parseV1Address(src, tcp6, sp, header.source) || !parseV1Address(dst, tcp6, dp, header.destination)) {
    why = std::string("the PROXY protocol v1 header's addresses are not numeric ") + (tcp6 ? "IPv6" : "IPv4") +
          " addresses";
    return ProxyParse::Bad;
  }
  header.hasAddresses = true;
  return ProxyParse::Done;
}

uint16_t bigEndian16(const unsigned char* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

ProxyParse parseV2(std::string_view bytes, ProxyHeader& header, std::size_t& used, std::string& why) {
  if (!beginsLike(bytes, kV2Signature)) {
    why = "the connection did not begin with a PROXY protocol v2 header (its 12-byte signature)";
    return ProxyParse::Bad;
  }
  if (bytes.size() < 16) return ProxyParse::NeedMore;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const unsigned version = p[12] >> 4, command = p[12] & 0x0F;
  if (version != 2 || command > 1) {
    why = "the PROXY protocol v2 header has version " + std::to_string(version) + ", command " +
          std::to_string(command) + " (2 and LOCAL or PROXY expected)";
    return ProxyParse::Bad;
  }
  const unsigned family = p[13] >> 4, transport = p[13] & 0x0F;
  const std::size_t total = 16 + bigEndian16(p + 14);
  if (total > kProxyV2MaxLength) {
    why = "the PROXY protocol v2 header is " + std::to_string(total) + " bytes long (at most " +
          std::to_string(kProxyV2MaxLength) + " accepted)";
    return ProxyParse::Bad;
  }
  if (bytes.size() < total) return ProxyParse::NeedMore;
  header = ProxyHeader{};
  header.version = 2;
  used = total;
  // LOCAL (the balancer's own connection, a health check), or addresses other than TCP over
  // IPv4/IPv6: the connection's own addresses stay, as the spec asks of a receiver.
  if (command == 0 || transport != 1 || (family != 1 && family != 2)) return ProxyParse::Done;
  const std::size_t need = family == 1 ? 12 : 36;
  if (total - 16 < need) {
    why = "the PROXY protocol v2 header's address block is " + std::to_string(total - 16) + " bytes (" +
          std::to_string(need) + " needed for " + (family == 1 ? "IPv4" : "IPv6") + ")";
    return ProxyParse::Bad;
  }
  const unsigned char* a = p + 16;
  sockaddr_storage src{}, dst{};
  if (family == 1) {
    auto* s = reinterpret_cast<sockaddr_in*>(&src);
    auto* d = reinterpret_cast<sockaddr_in*>(&dst);
    s->sin_family = d->sin_family = AF_INET;
    std::memcpy(&s->sin_addr, a, 4);
    std::memcpy(&d->sin_addr, a + 4, 4);
    std::memcpy(&s->sin_port, a + 8, 2);  // Both in network order already.
    std::memcpy(&d->sin_port, a + 10, 2);
  } else {
    auto* s = reinterpret_cast<sockaddr_in6*>(&src);
    auto* d = reinterpret_cast<sockaddr_in6*>(&dst);
    s->sin6_family = d->sin6_family = AF_INET6;
    std::memcpy(&s->sin6_addr, a, 16);
    std::memcpy(&d->sin6_addr, a + 16, 16);
    std::memcpy(&s->sin6_port, a + 32, 2);
    std::memcpy(&d->sin6_port, a + 34, 2);
  }
  header.source = net::toEndpoint(src);
  header.destination = net::toEndpoint(dst);
  header.hasAddresses = true;
  return ProxyParse::Done;
}

}  // namespace

ProxyParse parseProxyHeader(std::string_view bytes, ProxyProtocol accept, ProxyHeader& header, std::size_t& used,
                            std::string& why) {
  used = 0;
  if (bytes.empty()) return ProxyParse::NeedMore;
  switch (accept) {
    case ProxyProtocol::V1: return parseV1(bytes, header, used, why);
    case ProxyProtocol::V2: return parseV2(bytes, header, used, why);
    case ProxyProtocol::Either:
      if (bytes[0] == kV1Prefix[0]) return parseV1(bytes, header, used, why);
      if (bytes[0] == kV2Signature[0]) return parseV2(bytes, header, used, why);
      why = "the connection did not begin with a PROXY protocol header (v1 or v2)";
      return ProxyParse::Bad;
    case ProxyProtocol::Off: break;
  }
  why = "no PROXY protocol header is expected";
  return ProxyParse::Bad;
}

std::string checkAddressList(std::string_view text) {
  AddressList list;
  std::string why;
  return list.parse(text, why) ? std::string() : why;
}

// --- AddressList ---------------------------------------------------------------------------------

namespace {

// The address bytes of a numeric address: 4 (IPv4, also from an IPv4-mapped IPv6 address) or 16.
int addressBytes(const std::string& ip, unsigned char out[16]) {
  sockaddr_storage ss;
  int len = 0;
  if (ip.empty() || !net::parseAddress(ip, 0, &ss, &len)) return 0;
  if (ss.ss_family == AF_INET) {
    std::memcpy(out, &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr, 4);
    return 4;
  }
  const auto* b = reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr);
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  if (std::memcmp(b, kMapped, 12) == 0) {
    std::memcpy(out, b + 12, 4);
    return 4;
  }
  std::memcpy(out, b, 16);
  return 16;
}

bool prefixMatches(const unsigned char* a, const unsigned char* b, int bits) {
  const int whole = bits / 8, rest = bits % 8;
  if (std::memcmp(a, b, static_cast<std::size_t>(whole)) != 0) return false;
  if (rest == 0) return true;
  const unsigned mask = (0xFFu << (8 - rest)) & 0xFFu;
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

bool AddressList::parse(std::string_view text, std::string& why) {
  std::vector<Entry> parsed;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find_first_of(",; \t", at);
    const std::string_view item = text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    at = end == std::string_view::npos ? text.size() : end + 1;
    if (item.empty()) continue;
    const std::size_t slash = item.find('/');
    Entry e{};
    const int n = addressBytes(std::string(item.substr(0, slash)), e.bytes);
    if (n == 0) {
      why = "\"" + std::string(item) + "\" is not a numeric address or network (such as 10.0.0.0/8 or ::1)";
      return false;
    }
    e.family = n == 4 ? 4 : 6;
    e.prefix = n * 8;
    if (slash != std::string_view::npos) {
      uint16_t bits = 0;
      if (!parsePort(item.substr(slash + 1), bits) || bits > n * 8) {
        why = "\"" + std::string(item) + "\": the prefix length must be 0.." + std::to_string(n * 8);
        return false;
      }
      e.prefix = bits;
    }
    parsed.push_back(e);
  }
  entries_ = std::move(parsed);
  return true;
}

bool AddressList::contains(const std::string& ip) const {
  unsigned char b[16];
  const int n = addressBytes(ip, b);
  if (n == 0) return false;
  const int family = n == 4 ? 4 : 6;
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const Entry& e) { return e.family == family && prefixMatches(b, e.bytes, e.prefix); });
}

}  // namespace iocp_native
