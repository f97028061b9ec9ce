// Internal to the component: the option table of TIocpTCPServer, written down once.
//
// describe() names every configurable property of a server, in declaration order, with what
// each layer needs: the C ABI id and macro (iocp.h's IOCP_SERVER_<macro>), the member's name
// (its XML element; the dotted path of its groups is the Pascal property path), a help line,
// and its range or its names. Everything that handles options walks it:
//
//   options::check     the one validation, at SetActive            (IocpServerOptions.cpp)
//   options::copy      a load's copy of every option                (IocpServerOptions.cpp)
//   options::rows      the flat list: iocp_server_option_info, and the generator of the
//                      constants in iocp.h and IocpApi.pas          (tools/option-table)
//   Writer / Reader    XML save and load                            (IocpXmlConfig.cpp)
//   OptionById         iocp_server_set_int/get_int/set_str/get_str  (capi/src/capi_server.cpp)
//
// Adding an option: one line here (with a new id), its member in IocpTCPServer.h, its published
// property in component/pascal/IocpTCPServer.pas (at the same path: the Pascal component finds it
// by name, and refuses to start without it), and the engine code that uses it; then
// `iocp-option-table --write .` regenerates the C and Pascal constants and README's table.
//
// A walker W has:
//   number(const Key&, T& value, long long lo, long long hi)   // a whole number in lo..hi
//   boolean(const Key&, bool& value)
//   text(const Key&, std::string& value)                        // bytes
//   choice(const Key&, E& value, const Name<E> (&names)[N])     // one of the names' values
//   flags(const Key&, TIocpSet<E>& value, const Name<E> (&names)[N])  // a set of the names (bit
//                                                                  // 1 << value each, Delphi's)
//   group(const char* name, Body body)                          // body() walks the members
//   bindings(const char* name, TIocpSocketHandles& list)        // the listening addresses
//   certificates(const char* name, std::vector<TIocpSNICertificate>& list)  // SSLOptions' SNI ones
// S is TIocpTCPServer or const TIocpTCPServer (a walker that only reads takes a const one).
#pragma once

#include <climits>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "IocpTCPServer.h"

namespace Iocp {
namespace options {

// One option's names.
struct Key {
  int id;             // iocp_server_set_int/get_int (1..99) or set_str/get_str (100..): never reused.
  const char* macro;  // IOCP_SERVER_<macro> in iocp.h and IocpApi.pas.
  const char* name;   // The member's name, and the XML element's.
  const char* help;   // One line for the generated constants.
};

// A named value of a choice. The first name of a value is the one written; later ones are
// accepted aliases.
template <typename E>
struct Name {
  const char* text;
  E value;
};

constexpr long long kIntMax = INT_MAX;
constexpr long long kMaxThreads = 1024;
constexpr long long kMinFiberStack = 16 * 1024;          // Less overflows in ordinary handler code.
constexpr long long kMaxFiberStack = 1024 * 1024 * 1024;  // 1 GiB reserved per connection.
constexpr long long kMaxSocketBuffer = 256 * 1024 * 1024;

constexpr Name<TIdIOHandlerType> kIOHandlerTypes[] = {
    {"iohDefault", iohDefault}, {"iohIOCP", iohIOCP}, {"iohEPOLL", iohEPOLL}};
constexpr Name<TIocpBackend> kBackends[] = {{"ibDefault", ibDefault}, {"ibIoUring", ibIoUring}};
constexpr Name<TIocpSlowConsumer> kSlowConsumers[] = {{"scPauseReading", scPauseReading},
                                                     {"scDisconnect", scDisconnect}};
constexpr Name<TIocpProxyProtocolMode> kProxyProtocolModes[] = {
    {"ppOff", ppOff}, {"ppV1", ppV1}, {"ppV2", ppV2}, {"ppEither", ppEither}};
constexpr Name<TIocpHeartbeatMode> kHeartbeatModes[] = {{"hbAlways", hbAlways}, {"hbWhenIdle", hbWhenIdle}};
constexpr Name<TIocpFramingKind> kFramingKinds[] = {
    {"fkNone", fkNone}, {"fkLine", fkLine}, {"fkLengthPrefixed", fkLengthPrefixed}};
constexpr Name<int> kLengthBytes[] = {{"1", 1}, {"2", 2}, {"4", 4}, {"8", 8}};
constexpr Name<TIdSSLVersion> kSSLVersions[] = {
    {"sslvSSLv2", sslvSSLv2},     {"sslvSSLv23", sslvSSLv23},   {"sslvSSLv3", sslvSSLv3},    {"sslvTLSv1", sslvTLSv1},
    {"sslvTLSv1_1", sslvTLSv1_1}, {"sslvTLSv1_2", sslvTLSv1_2}, {"sslvTLSv1_3", sslvTLSv1_3}};
constexpr Name<TIdSSLMode> kSSLModes[] = {
    {"sslmUnassigned", sslmUnassigned}, {"sslmClient", sslmClient}, {"sslmServer", sslmServer}, {"sslmBoth", sslmBoth}};
constexpr Name<TIdSSLVerifyMode> kSSLVerifyModes[] = {
    {"sslvrfPeer", sslvrfPeer}, {"sslvrfFailIfNoPeerCert", sslvrfFailIfNoPeerCert}, {"sslvrfClientOnce", sslvrfClientOnce}};

// The table. Order: declaration order (the XML document's order).
template <typename W, typename S>
void describe(W& w, S& s) {
  w.number(Key{1, "DEFAULT_PORT", "DefaultPort", "port of a binding without one"}, s.DefaultPort, 0, 65535);
  w.bindings("Bindings", s.Bindings);
  w.number(Key{2, "LISTEN_QUEUE", "ListenQueue", "listen() backlog; 0 = the system's maximum"}, s.ListenQueue, 0,
           kIntMax);
  w.number(Key{3, "MAX_CONNECTIONS", "MaxConnections", "0 = unlimited"}, s.MaxConnections, 0, kIntMax);
  w.text(Key{100, "MAX_CONNECTION_REPLY", "MaxConnectionReply", "line sent to a refused client; \"\" = close"},
         s.MaxConnectionReply);
  w.boolean(Key{4, "REUSE_SOCKET", "ReuseSocket", "SO_REUSEADDR on the listeners"}, s.ReuseSocket);
  w.boolean(Key{38, "REUSE_PORT", "ReusePort", "SO_REUSEPORT: several processes on one port (Linux)"}, s.ReusePort);
  w.boolean(Key{5, "USE_NAGLE", "UseNagle", "false sets TCP_NODELAY on accepted connections"}, s.UseNagle);
  w.number(Key{6, "TERMINATE_WAIT_TIME", "TerminateWaitTime", "ms Active = false waits for handlers"},
           s.TerminateWaitTime, 0, kIntMax);
  w.group("IOHandlerOptions", [&] {
    auto& h = s.IOHandlerOptions;
    w.choice(Key{7, "IOHANDLER_TYPE", "IOHandlerType", "iohDefault: a thread per connection; iohIOCP: the engine"},
             h.IOHandlerType, kIOHandlerTypes);
    w.group("IOCP", [&] {
      w.number(Key{8, "IOCP_THREADS", "IOCPThreads", "0 = number of processors"}, h.IOCP.IOCPThreads, 0,
               kMaxThreads);
      w.number(Key{9, "WORKOP_THREADS", "WorkOpThreads", "N = each connection pinned to one of N threads"},
               h.IOCP.WorkOpThreads, 0, kMaxThreads);
      w.number(Key{10, "FIBER_STACK_SIZE", "FiberStackSize", "bytes reserved per connection's fiber"},
               h.IOCP.FiberStackSize, kMinFiberStack, kMaxFiberStack);
      w.number(Key{11, "MAX_PENDING_OUTPUT", "MaxPendingOutput", "bytes queued before a write waits"},
               h.IOCP.MaxPendingOutput, 1, kIntMax);
      w.choice(Key{25, "BACKEND", "Backend", "what iohIOCP waits on (Linux): epoll, io_uring"}, h.IOCP.Backend,
               kBackends);
      w.choice(Key{35, "SLOW_CONSUMER", "SlowConsumer",
                   "event model, output past MaxPendingOutput: pause reading the peer, or drop it"},
               h.IOCP.SlowConsumer, kSlowConsumers);
    });
  });
  w.group("Heartbeat", [&] {
    w.boolean(Key{12, "HEARTBEAT_ENABLED", "Enabled", "ping every Interval, close after Timeout"},
              s.Heartbeat.Enabled);
    w.number(Key{13, "HEARTBEAT_INTERVAL", "Interval", "ms"}, s.Heartbeat.Interval, 1, kIntMax);
    w.number(Key{14, "HEARTBEAT_TIMEOUT", "Timeout", "ms"}, s.Heartbeat.Timeout, 1, kIntMax);
    w.choice(Key{15, "HEARTBEAT_MODE", "Mode", "every Interval, or after an Interval of silence"}, s.Heartbeat.Mode, kHeartbeatModes);
    w.text(Key{101, "HEARTBEAT_PAYLOAD", "Payload", "bytes written as the ping; \"\" = none"}, s.Heartbeat.Payload);
  });
  w.group("KeepAlive", [&] {
    w.boolean(Key{17, "KEEPALIVE_ENABLED", "Enabled", "TCP keepalive probes"}, s.KeepAlive.Enabled);
    w.number(Key{18, "KEEPALIVE_TIME", "Time", "ms idle before the first probe"}, s.KeepAlive.Time, 1, kIntMax);
    w.number(Key{19, "KEEPALIVE_INTERVAL", "Interval", "ms between probes"}, s.KeepAlive.Interval, 1, kIntMax);
  });
  w.number(Key{16, "IDLE_TIMEOUT", "IdleTimeout", "ms without a completed read or write; 0 = never"},
           s.IdleTimeout, 0, kIntMax);
  w.number(Key{20, "USER_TIMEOUT", "UserTimeout", "ms data may stay unacknowledged; 0 = the OS default"},
           s.UserTimeout, 0, kIntMax);
  w.number(Key{26, "RECEIVE_BUFFER_SIZE", "ReceiveBufferSize", "SO_RCVBUF of accepted sockets; 0 = the OS default"},
           s.ReceiveBufferSize, 0, kMaxSocketBuffer);
  w.number(Key{27, "SEND_BUFFER_SIZE", "SendBufferSize", "SO_SNDBUF of accepted sockets; 0 = the OS default"},
           s.SendBufferSize, 0, kMaxSocketBuffer);
  w.group("Framing", [&] {
    w.choice(Key{21, "FRAMING_KIND", "Kind", "how OnMessage's messages are cut"}, s.Framing.Kind,
             kFramingKinds);
    w.text(Key{102, "FRAMING_DELIMITER", "Delimiter", "fkLine: ends each message (a CR before an LF is dropped)"},
           s.Framing.Delimiter);
    w.choice(Key{22, "FRAMING_LENGTH_BYTES", "LengthBytes", "fkLengthPrefixed: bytes of the length"}, s.Framing.LengthBytes,
             kLengthBytes);
    w.boolean(Key{23, "FRAMING_BIG_ENDIAN", "BigEndian", "fkLengthPrefixed: network byte order"},
              s.Framing.BigEndian);
    w.number(Key{24, "FRAMING_MAX_FRAME_SIZE", "MaxFrameSize", "longest message in bytes"}, s.Framing.MaxFrameSize,
             1, kIntMax);
  });
  w.group("SSLOptions", [&] {
    auto& t = s.SSLOptions;
    w.boolean(Key{28, "SSL_ENABLED", "Enabled", "TLS on every connection (needs CertFile and KeyFile)"}, t.Enabled);
    w.text(Key{103, "SSL_CERT_FILE", "CertFile", "PEM: the server's certificate (chain)"}, t.CertFile);
    w.text(Key{104, "SSL_KEY_FILE", "KeyFile", "PEM: its private key"}, t.KeyFile);
    w.text(Key{105, "SSL_ROOT_CERT_FILE", "RootCertFile", "PEM: the CAs that verify client certificates"},
           t.RootCertFile);
    w.text(Key{106, "SSL_CIPHER_LIST", "CipherList", "OpenSSL's TLS 1.2 cipher list; \"\" = AEAD with forward secrecy"},
           t.CipherList);
    w.flags(Key{29, "SSL_VERSIONS", "SSLVersions", "TLS versions accepted (bit 1 << TIdSSLVersion)"}, t.SSLVersions,
            kSSLVersions);
    w.choice(Key{30, "SSL_MODE", "Mode", "the side: sslmServer, sslmBoth or sslmUnassigned"}, t.Mode, kSSLModes);
    w.flags(Key{31, "SSL_VERIFY_MODE", "VerifyMode", "client certificates: sslvrfPeer asks and verifies"},
            t.VerifyMode, kSSLVerifyModes);
    w.number(Key{32, "SSL_VERIFY_DEPTH", "VerifyDepth", "longest chain verified; 0 = OpenSSL's default"},
             t.VerifyDepth, 0, 100);
    w.boolean(Key{33, "SSL_PASS_THROUGH", "PassThrough", "plain until the handler sets PassThrough false (STARTTLS)"},
              t.PassThrough);
    w.number(Key{34, "SSL_HANDSHAKE_TIMEOUT", "HandshakeTimeout", "ms a TLS handshake may take; 0 = no limit"},
             t.HandshakeTimeout, 0, kIntMax);
    w.certificates("SNICertificates", t.SNICertificates);
  });
  w.group("ProxyProtocol", [&] {
    auto& p = s.ProxyProtocol;
    w.choice(Key{36, "PROXY_PROTOCOL_MODE", "Mode", "the PROXY protocol header every connection begins with"},
             p.Mode, kProxyProtocolModes);
    w.text(Key{107, "PROXY_PROTOCOL_TRUSTED_SOURCES", "TrustedSources",
               "addresses/networks allowed to send it (\"10.0.0.0/8, ::1\")"},
           p.TrustedSources);
    w.number(Key{37, "PROXY_PROTOCOL_TIMEOUT", "Timeout", "ms the whole header may take"}, p.Timeout, 1, kIntMax);
  });
}

// The words every layer uses for a refused value, so a value gets the same answer wherever it
// came from: "allowed range: 1..8", "allowed values: fkNone, fkLine" (a choice's names, aliases
// included), "Framing.Kind = 3 is not allowed; allowed values: ...".
inline std::string allowedRange(long long lo, long long hi) {
  return "allowed range: " + std::to_string(lo) + ".." + std::to_string(hi);
}
template <typename E, std::size_t N>
std::string allowedNames(const Name<E> (&list)[N]) {
  std::string r = "allowed values: ";
  for (std::size_t i = 0; i < N; ++i) r += (i ? ", " : "") + std::string(list[i].text);
  return r;
}
// All the bits a set's names stand for.
template <typename E, std::size_t N>
unsigned flagsMask(const Name<E> (&list)[N]) {
  unsigned m = 0;
  for (const Name<E>& n : list) m |= 1u << n.value;
  return m;
}
// A set as Delphi writes it: "[sslvTLSv1_2,sslvTLSv1_3]" (names in the table's order), "[]" empty.
template <typename E, std::size_t N>
std::string flagsText(unsigned bits, const Name<E> (&list)[N]) {
  std::string r = "[";
  for (const Name<E>& n : list) {
    if (!(bits & (1u << n.value))) continue;
    if (r.size() > 1) r += ',';
    r += n.text;
    bits &= ~(1u << n.value);  // An alias is written once.
  }
  return r + "]";
}
// A set from text: names separated by commas, brackets and blanks optional ("[a, b]", "a,b",
// "[]"). False with the first unknown name in `bad`.
template <typename E, std::size_t N>
bool parseFlags(const std::string& text, unsigned& bits, const Name<E> (&list)[N], std::string& bad) {
  bits = 0;
  std::string name;
  const auto flush = [&]() {
    if (name.empty()) return true;
    for (const Name<E>& n : list) {
      if (name == n.text) {
        bits |= 1u << n.value;
        name.clear();
        return true;
      }
    }
    bad = name;
    return false;
  };
  for (char c : text) {
    if (c == '[' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == ',') {
      if (!flush()) return false;
      continue;
    }
    name += c;
  }
  return flush();
}

inline std::string notAllowed(const std::string& path, const std::string& value, const std::string& allowed) {
  return path + " = " + value + " is not allowed; " + allowed;
}

// The kinds of iocp_server_option_info (iocp.h IOCP_OPTION_*).
enum class Kind { Number = 1, Boolean = 2, Choice = 3, Text = 4, Flags = 5 };

// One row of the flat table.
struct Row {
  int id;
  Kind kind;
  std::string macro;      // "DEFAULT_PORT"
  std::string path;       // "IOHandlerOptions.IOCP.IOCPThreads"
  std::string help;
  long long lo, hi;       // Number: the range; Boolean 0..1; Choice: lowest..highest value; Text 0..0;
                          // Flags: 0..every bit.
  std::string value;      // A new server's value, as XML writes it ("0", "true", "iohDefault", "\n",
                          // "[sslvTLSv1_2,sslvTLSv1_3]").
  // Choice: value and first name; Flags: bit (1 << value) and name; table order.
  std::vector<std::pair<long long, std::string>> names;
};

// Every option of the table (not Bindings), in table order. Any thread.
const std::vector<Row>& rows();

// The value checks of SetActive: raises EIdException "Path = value is not allowed; allowed ..."
// for the first option out of its range or not one of its names. Owning thread.
void check(const TIocpTCPServer& server);

// Copies every option (Bindings included) from one server to another. Owning thread, both inactive.
void copy(const TIocpTCPServer& from, TIocpTCPServer& to);

// A dotted path of groups, for walkers that name options ("IOHandlerOptions.IOCP.IOCPThreads").
class Path {
 public:
  template <typename Body>
  void group(const char* name, Body body) {
    const std::size_t n = path_.size();
    path_ += name;
    path_ += '.';
    body();
    path_.resize(n);
  }
  std::string at(const char* name) const { return path_ + name; }

 private:
  std::string path_;
};

}  // namespace options
}  // namespace Iocp
