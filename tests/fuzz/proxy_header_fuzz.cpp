// Fuzz target: the PROXY protocol header parser (native/src/proxy_header.cpp), which reads what a
// load balancer, or anyone who reaches a server that expects one, sends first. Input: the
// versions accepted (v1, v2, either), then the bytes.
// Properties, for every prefix of the bytes (all of them up to 128 bytes, 300 spread over the rest
// of longer inputs) as the bytes arrive:
//   - the answers go NeedMore ... then Done or Bad, and stay there (a header found or refused is
//     never reconsidered when more bytes come);
//   - Done uses at most the bytes given, the same header from exactly those bytes, never more than
//     the longest header accepted, of a version accepted; its addresses are numeric addresses
//     (an address list made of each one contains it);
//   - NeedMore is never said of more bytes than the longest header of the version begun (107 for
//     v1, 16 + 4096 for v2: no unbounded wait);
//   - Bad always says why.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "proxy_header.h"

using iocp_native::ProxyHeader;
using iocp_native::ProxyParse;
using iocp_native::ProxyProtocol;

namespace {

struct Parsed {
  ProxyParse result;
  ProxyHeader header;
  std::size_t used = 0;
  std::string why;
};

Parsed parse(std::string_view bytes, ProxyProtocol accept) {
  Parsed p;
  p.result = iocp_native::parseProxyHeader(bytes, accept, p.header, p.used, p.why);
  return p;
}

bool same(const ProxyHeader& a, const ProxyHeader& b) {
  return a.version == b.version && a.hasAddresses == b.hasAddresses && a.source.ip == b.source.ip &&
         a.source.port == b.source.port && a.destination.ip == b.destination.ip &&
         a.destination.port == b.destination.port;
}

void checkAddress(const iocp_native::Endpoint& e) {
  iocp_native::AddressList list;
  std::string why;
  FUZZ_CHECK(list.parse(e.ip, why) && list.contains(e.ip), "an address of the header is not an address: " + e.ip);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  iocp_fuzz::Input in(data, size);
  static const ProxyProtocol kAccept[] = {ProxyProtocol::V1, ProxyProtocol::V2, ProxyProtocol::Either};
  const ProxyProtocol accept = kAccept[in.byte() % 3];
  const std::string bytes = in.rest();
  // A v1 header begins with "PROXY", a v2 header with CR: the first byte says which limit holds.
  const bool v1 = accept == ProxyProtocol::V1 || (accept == ProxyProtocol::Either && !bytes.empty() && bytes[0] == 'P');
  const std::size_t longest = v1 ? iocp_native::kProxyV1MaxLength : iocp_native::kProxyV2MaxLength;

  ProxyParse previous = ProxyParse::NeedMore;
  Parsed done;  // The first Done, if any.
  // Every prefix up to 128 bytes (v1's whole range, v2's preamble and addresses), then 300 spread
  // over the rest.
  const std::size_t step = bytes.size() <= 428 ? 1 : (bytes.size() - 128) / 300;
  for (std::size_t n = 0;; n = n < 128 ? n + 1 : n + step < bytes.size() ? n + step : bytes.size()) {
    const Parsed p = parse(std::string_view(bytes).substr(0, n), accept);
    switch (p.result) {
      case ProxyParse::NeedMore:
        FUZZ_CHECK(previous == ProxyParse::NeedMore, "NeedMore after a header was found or refused");
        FUZZ_CHECK(n < longest, "waits for more after " + std::to_string(n) + " bytes");
        break;
      case ProxyParse::Done:
        FUZZ_CHECK(previous != ProxyParse::Bad, "a header found after it was refused");
        FUZZ_CHECK(p.used > 0 && p.used <= n && p.used <= longest, "Done used " + std::to_string(p.used) + " of " +
                                                                       std::to_string(n) + " bytes");
        if (previous == ProxyParse::Done) {
          FUZZ_CHECK(p.used == done.used && same(p.header, done.header), "more bytes changed the header found");
        } else {
          done = p;
          const Parsed exact = parse(std::string_view(bytes).substr(0, p.used), accept);
          FUZZ_CHECK(exact.result == ProxyParse::Done && exact.used == p.used && same(exact.header, p.header),
                     "the header's own bytes do not give the same header");
          const int version = p.header.version;
          FUZZ_CHECK((version == 1 && accept != ProxyProtocol::V2) || (version == 2 && accept != ProxyProtocol::V1),
                     "a version not accepted: " + std::to_string(version));
          if (p.header.hasAddresses) {
            checkAddress(p.header.source);
            checkAddress(p.header.destination);
          }
        }
        break;
      case ProxyParse::Bad:
        FUZZ_CHECK(previous != ProxyParse::Done, "a header refused after it was found");
        FUZZ_CHECK(!p.why.empty(), "refused without a reason");
        break;
    }
    previous = p.result;
    if (n == bytes.size()) break;
  }
  return 0;
}
