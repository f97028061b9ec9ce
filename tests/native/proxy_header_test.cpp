// The PROXY protocol header parser and the trusted-sources list (native/src/proxy_header.*):
// the examples of HAProxy's specification, every split of a header, and hostile input (malformed,
// truncated, oversized) refused as early as the bytes allow.
#include <gtest/gtest.h>

#include <string>

#include "proxy_header.h"

using iocp_native::AddressList;
using iocp_native::kProxyV1MaxLength;
using iocp_native::kProxyV2MaxLength;
using iocp_native::ProxyHeader;
using iocp_native::ProxyParse;
using iocp_native::ProxyProtocol;

namespace {

struct Result {
  ProxyParse parse;
  ProxyHeader header;
  std::size_t used = 0;
  std::string why;
};

Result parse(const std::string& bytes, ProxyProtocol accept = ProxyProtocol::Either) {
  Result r;
  r.parse = iocp_native::parseProxyHeader(bytes, accept, r.header, r.used, r.why);
  return r;
}

const std::string kSignature("\r\n\r\n\0\r\nQUIT\n", 12);

// A v2 header: version/command, family/transport, then the address block (and TLVs).
std::string v2(unsigned char verCmd, unsigned char family, const std::string& block) {
  std::string h = kSignature;
  h += static_cast<char>(verCmd);
  h += static_cast<char>(family);
  h += static_cast<char>(block.size() >> 8);
  h += static_cast<char>(block.size() & 0xFF);
  return h + block;
}

std::string bytes(std::initializer_list<int> list) {
  std::string s;
  for (int b : list) s += static_cast<char>(b);
  return s;
}

}  // namespace

TEST(ProxyHeader, V1Tcp4GivesTheClientsAddressAndLeavesTheRest) {
  const Result r = parse("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\n");
  ASSERT_EQ(r.parse, ProxyParse::Done) << r.why;
  EXPECT_EQ(r.header.version, 1);
  EXPECT_TRUE(r.header.hasAddresses);
  EXPECT_EQ(r.header.source.ip, "192.168.0.1");
  EXPECT_EQ(r.header.source.port, 56324);
  EXPECT_EQ(r.header.destination.ip, "192.168.0.11");
  EXPECT_EQ(r.header.destination.port, 443);
  EXPECT_EQ(r.used, std::string("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n").size());
}

TEST(ProxyHeader, V1Tcp6AddressesAreWrittenAsTheEngineWritesThem) {
  const Result r = parse("PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::1 65535 0\r\n", ProxyProtocol::V1);
  ASSERT_EQ(r.parse, ProxyParse::Done) << r.why;
  EXPECT_EQ(r.header.source.ip, "2001:db8::1");
  EXPECT_EQ(r.header.source.port, 65535);
  EXPECT_EQ(r.header.destination.ip, "::1");
}

TEST(ProxyHeader, V1UnknownKeepsTheConnectionsAddresses) {
  for (const std::string h : {"PROXY UNKNOWN\r\n", "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n"}) {
    const Result r = parse(h);
    ASSERT_EQ(r.parse, ProxyParse::Done) << h << ": " << r.why;
    EXPECT_FALSE(r.header.hasAddresses);
    EXPECT_EQ(r.used, h.size());
  }
}

TEST(ProxyHeader, V2ProxyOverTcp4AndTcp6) {
  const Result r4 = parse(v2(0x21, 0x11, bytes({10, 0, 0, 7, 10, 0, 0, 1, 0xC0, 0x01, 0x1F, 0x90})) + "data",
                          ProxyProtocol::V2);
  ASSERT_EQ(r4.parse, ProxyParse::Done) << r4.why;
  EXPECT_EQ(r4.header.version, 2);
  EXPECT_EQ(r4.header.source.ip, "10.0.0.7");
  EXPECT_EQ(r4.header.source.port, 0xC001);
  EXPECT_EQ(r4.header.destination.ip, "10.0.0.1");
  EXPECT_EQ(r4.header.destination.port, 8080);
  EXPECT_EQ(r4.used, 16u + 12u);

  std::string block(36, '\0');
  block[15] = 1;                         // ::1
  block[16] = 0x20, block[17] = 0x01;    // 2001::
  block[32] = 0x12, block[33] = 0x34;    // source port
  block[35] = 80;                        // destination port
  const Result r6 = parse(v2(0x21, 0x21, block + "TLVs here"));  // TLVs belong to the header.
  ASSERT_EQ(r6.parse, ProxyParse::Done) << r6.why;
  EXPECT_EQ(r6.header.source.ip, "::1");
  EXPECT_EQ(r6.header.source.port, 0x1234);
  EXPECT_EQ(r6.header.destination.ip, "2001::");
  EXPECT_EQ(r6.header.destination.port, 80);
  EXPECT_EQ(r6.used, 16u + 36u + 9u);
}

TEST(ProxyHeader, V2LocalAndOtherFamiliesKeepTheConnectionsAddresses) {
  const std::string addresses = bytes({10, 0, 0, 7, 10, 0, 0, 1, 0, 1, 0, 2});
  for (const std::string& h : {v2(0x20, 0x11, addresses), v2(0x20, 0x00, ""), v2(0x21, 0x00, ""),
                               v2(0x21, 0x12, addresses) /* UDP */, v2(0x21, 0x31, std::string(216, 'u'))}) {
    const Result r = parse(h);
    ASSERT_EQ(r.parse, ProxyParse::Done) << r.why;
    EXPECT_FALSE(r.header.hasAddresses);
    EXPECT_EQ(r.used, h.size());
  }
}

TEST(ProxyHeader, EveryTruncationWaitsForMoreAndNoneReadsPastTheHeader) {
  std::string block(36, '\0');
  for (const std::string& h : {std::string("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), std::string("PROXY UNKNOWN\r\n"),
                               v2(0x21, 0x11, bytes({1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2})), v2(0x21, 0x21, block)}) {
    for (std::size_t n = 0; n < h.size(); ++n) {
      const Result r = parse(h.substr(0, n));
      EXPECT_EQ(r.parse, ProxyParse::NeedMore) << n << " bytes of a " << h.size() << "-byte header: " << r.why;
    }
    const Result whole = parse(h + std::string(500, 'x'));
    ASSERT_EQ(whole.parse, ProxyParse::Done) << whole.why;
    EXPECT_EQ(whole.used, h.size());
  }
}

TEST(ProxyHeader, MalformedV1IsRefusedWithAReason) {
  const char* bad[] = {
      "GET / HTTP/1.1\r\n",                             // Not a header at all.
      "PROXY\r\n",                                      // No protocol.
      "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n",             // Unknown protocol.
      "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",               // A field missing.
      "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",           // A field too many.
      "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",            // Two spaces.
      "PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n",         // Port out of range.
      "PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",            // Not a number.
      "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",           // Not an address.
      "PROXY TCP4 ::1 ::1 1 2\r\n",                     // IPv6 said to be TCP4.
      "PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n",             // IPv4 said to be TCP6.
      "PROXY TCP4 host.example 5.6.7.8 1 2\r\n",        // A name, not a number.
      "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",               // LF without CR.
  };
  for (const char* h : bad) {
    const Result r = parse(h);
    EXPECT_EQ(r.parse, ProxyParse::Bad) << h;
    EXPECT_NE(r.why, "") << h;
  }
  EXPECT_NE(parse("GET").why.find("did not begin with a PROXY protocol header"), std::string::npos);
}

TEST(ProxyHeader, AV1HeaderWithoutItsEndIsRefusedAtItsLongestLength) {
  const std::string prefix = "PROXY TCP4 ";
  const std::string longLine = prefix + std::string(kProxyV1MaxLength - prefix.size() - 1, '1');
  EXPECT_EQ(parse(longLine).parse, ProxyParse::NeedMore);  // One byte short of the limit.
  const Result r = parse(longLine + "1");
  EXPECT_EQ(r.parse, ProxyParse::Bad);
  EXPECT_NE(r.why.find("no CRLF within 107 bytes"), std::string::npos) << r.why;
}

TEST(ProxyHeader, MalformedV2IsRefusedWithAReason) {
  const std::string four = bytes({1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2});
  const std::string bad[] = {
      v2(0x11, 0x11, four),                                  // Version 1 in a v2 header.
      v2(0x22, 0x11, four),                                  // Command 2.
      v2(0x21, 0x11, four.substr(0, 11)),                    // IPv4 block too short.
      v2(0x21, 0x21, std::string(35, '\0')),                 // IPv6 block too short.
      std::string("\r\n\r\n\0\r\nQUIT!", 12),                 // A wrong signature byte.
  };
  for (const std::string& h : bad) {
    const Result r = parse(h);
    EXPECT_EQ(r.parse, ProxyParse::Bad) << r.why;
    EXPECT_NE(r.why, "");
  }
}

TEST(ProxyHeader, AnOversizedV2HeaderIsRefusedFromItsLengthAlone) {
  std::string h = kSignature + bytes({0x21, 0x11, 0xFF, 0xFF});  // Says 65535 more bytes follow.
  const Result r = parse(h);
  EXPECT_EQ(r.parse, ProxyParse::Bad);
  EXPECT_NE(r.why.find("65551 bytes long"), std::string::npos) << r.why;
  const std::size_t most = kProxyV2MaxLength - 16;
  EXPECT_EQ(parse(v2(0x21, 0x11, std::string(most, '\0')).substr(0, 16)).parse, ProxyParse::NeedMore);
  EXPECT_EQ(parse(v2(0x21, 0x11, std::string(most + 1, '\0')).substr(0, 16)).parse, ProxyParse::Bad);
}

TEST(ProxyHeader, AVersionNotAskedForIsRefused) {
  EXPECT_EQ(parse("PROXY UNKNOWN\r\n", ProxyProtocol::V2).parse, ProxyParse::Bad);
  EXPECT_EQ(parse(v2(0x20, 0x00, ""), ProxyProtocol::V1).parse, ProxyParse::Bad);
  EXPECT_EQ(parse("PROXY UNKNOWN\r\n", ProxyProtocol::Off).parse, ProxyParse::Bad);
}

TEST(AddressList, MatchesAddressesAndNetworksOfBothFamilies) {
  AddressList list;
  std::string why;
  ASSERT_TRUE(list.parse("127.0.0.1, 10.0.0.0/8; fd00::/8 ::1  192.168.1.128/25", why)) << why;
  EXPECT_TRUE(list.contains("127.0.0.1"));
  EXPECT_FALSE(list.contains("127.0.0.2"));
  EXPECT_TRUE(list.contains("10.255.1.2"));
  EXPECT_FALSE(list.contains("11.0.0.1"));
  EXPECT_TRUE(list.contains("192.168.1.200"));
  EXPECT_FALSE(list.contains("192.168.1.127"));
  EXPECT_TRUE(list.contains("fd12::5"));
  EXPECT_FALSE(list.contains("fe80::1"));
  EXPECT_TRUE(list.contains("::1"));
  EXPECT_TRUE(list.contains("::ffff:10.1.2.3"));  // IPv4-mapped: an IPv4 address.
  EXPECT_FALSE(list.contains("not an address"));
  AddressList everyone;
  ASSERT_TRUE(everyone.parse("0.0.0.0/0 ::/0", why));
  EXPECT_TRUE(everyone.contains("8.8.8.8"));
  EXPECT_TRUE(everyone.contains("2001:db8::1"));
}

TEST(AddressList, ABadEntryIsNamed) {
  AddressList list;
  std::string why;
  EXPECT_FALSE(list.parse("127.0.0.1, balancer.local", why));
  EXPECT_NE(why.find("\"balancer.local\""), std::string::npos) << why;
  EXPECT_FALSE(list.parse("10.0.0.0/33", why));
  EXPECT_NE(why.find("0..32"), std::string::npos) << why;
  EXPECT_FALSE(list.parse("::/129", why));
  EXPECT_FALSE(list.parse("10.0.0.0/", why));
  EXPECT_TRUE(list.parse("", why));
  EXPECT_TRUE(list.empty());
}
