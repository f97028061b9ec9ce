// The PROXY protocol (HAProxy's, versions 1 and 2: www.haproxy.org/download/2.6/doc/proxy-protocol.txt):
// a load balancer that accepted the client's connection sends, before the client's first byte, a
// header naming the client's address. Here: the header parser, pure (bytes in, addresses out), and
// the list of sources a server believes such a header from. The engines read the header before
// onConnect (handler_runner.cpp, the event model's EventConnection).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iocp_native/connection.h"
#include "iocp_native/engine.h"

namespace iocp_native {

// What a header says.
struct ProxyHeader {
  int version = 0;  // 1 or 2.
  // The header names the client (PROXY TCP4/TCP6, v2 PROXY over TCP): source is the client's
  // address, destination the address it connected to. false (v1 UNKNOWN, v2 LOCAL, or an address
  // family other than TCP over IPv4/IPv6): the connection's own addresses stay.
  bool hasAddresses = false;
  Endpoint source, destination;
};

// The longest header accepted: v1's limit (the spec's 107 bytes), and for v2 the 16-byte
// preamble plus its addresses and TLVs (the spec allows 65535; HAProxy sends a few hundred).
constexpr std::size_t kProxyV1MaxLength = 107;
constexpr std::size_t kProxyV2MaxLength = 16 + 4096;

enum class ProxyParse {
  NeedMore,  // What came so far is a valid beginning: wait for more bytes.
  Done,      // A whole header: *used bytes of it, `header` filled.
  Bad,       // Not a header this server accepts: `why` says what is wrong.
};

// Parse the header at the start of `bytes` (what arrived so far). Decides as early as the bytes
// allow: a wrong first byte is Bad at once, not after a timeout. Never reads past the header.
ProxyParse parseProxyHeader(std::string_view bytes, ProxyProtocol accept, ProxyHeader& header, std::size_t& used,
                            std::string& why);

// Addresses and networks ("10.0.0.5", "10.0.0.0/8", "::1", "fd00::/8"), from a list separated by
// commas, semicolons or blanks. A source outside the list may not send a PROXY header.
class AddressList {
 public:
  // Parse `text`. False, with `why`, for an entry that is not a numeric address or network.
  bool parse(std::string_view text, std::string& why);
  bool contains(const std::string& ip) const;  // A numeric address (IPv4-mapped IPv6 counts as IPv4).
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    int family;                 // 4 or 6.
    unsigned char bytes[16];    // The network's address.
    int prefix;                 // Bits that must match.
  };
  std::vector<Entry> entries_;
};

}  // namespace iocp_native
