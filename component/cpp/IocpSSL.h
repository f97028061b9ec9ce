// TLS options with the names of Indy's SSL IOHandlers (TIdServerIOHandlerSSLOpenSSL.SSLOptions,
// TIdSSLIOHandlerSocketOpenSSL.SSLOptions): Server.SSLOptions and Client.SSLOptions.
//
//   Server.SSLOptions.Enabled = true;
//   Server.SSLOptions.CertFile = "server.pem";
//   Server.SSLOptions.KeyFile = "server.key";
//   Server.Active = true;   // every connection is TLS from its first byte (PassThrough = false)
//
// With PassThrough = true a connection starts plain and its handler starts TLS itself, as Indy's
// STARTTLS servers do: AContext->Connection->IOHandler->PassThrough = false.
//
// Set the options on the owning thread while the server is inactive (the client: before Connect).
#pragma once

#include <initializer_list>
#include <string>

namespace Iocp {

// Indy's TIdSSLVersion, with TLS 1.3 (Indy 10's OpenSSL 1.1 units add it). SSL 2.0 and 3.0 are
// accepted as names and never used: OpenSSL 3 has neither.
enum TIdSSLVersion { sslvSSLv2, sslvSSLv23, sslvSSLv3, sslvTLSv1, sslvTLSv1_1, sslvTLSv1_2, sslvTLSv1_3 };
// Indy's TIdSSLMode: which side a context is for. A server needs sslmServer, sslmBoth or
// sslmUnassigned (its own side).
enum TIdSSLMode { sslmUnassigned, sslmClient, sslmServer, sslmBoth };
// Indy's TIdSSLVerifyMode: sslvrfPeer asks the peer for its certificate and verifies it against
// RootCertFile; sslvrfFailIfNoPeerCert refuses a client that sends none; sslvrfClientOnce asks
// only in the first handshake.
enum TIdSSLVerifyMode { sslvrfPeer, sslvrfFailIfNoPeerCert, sslvrfClientOnce };

// A Delphi set of an enumeration: bit n is the element with ordinal n (as Delphi stores it).
// C++Builder style works: TIdSSLVersions() << sslvTLSv1_2 << sslvTLSv1_3.
template <typename E>
struct TIocpSet {
  unsigned Bits = 0;
  TIocpSet() = default;
  TIocpSet(std::initializer_list<E> items) {
    for (E e : items) Bits |= 1u << e;
  }
  TIocpSet& operator<<(E e) {
    Bits |= 1u << e;
    return *this;
  }
  TIocpSet& operator>>(E e) {
    Bits &= ~(1u << e);
    return *this;
  }
  bool Contains(E e) const { return (Bits >> e) & 1u; }
  bool Empty() const { return Bits == 0; }
  bool operator==(const TIocpSet& o) const { return Bits == o.Bits; }
  bool operator!=(const TIocpSet& o) const { return Bits != o.Bits; }
};
using TIdSSLVersions = TIocpSet<TIdSSLVersion>;
using TIdSSLVerifyModeSet = TIocpSet<TIdSSLVerifyMode>;

// SSLOptions: Indy's members (CertFile, KeyFile, RootCertFile, CipherList, SSLVersions, Mode,
// VerifyMode, VerifyDepth) and ours (Enabled, PassThrough, HandshakeTimeout).
struct TIocpSSLOptions {
  bool Enabled = false;      // TLS on (Indy: an SSL IOHandler is assigned).
  std::string CertFile;      // PEM: the certificate (chain); a server needs one.
  std::string KeyFile;       // PEM: its private key.
  std::string RootCertFile;  // PEM: the CAs that verify the peer's certificate.
  std::string CipherList;    // OpenSSL's TLS 1.2 cipher list; "" = AEAD with forward secrecy only.
  // TLS 1.2 and 1.3 unless asked (Indy's default, TLS 1.0 only, is refused by OpenSSL 3's
  // default security level; asking for sslvTLSv1 or sslvTLSv1_1 lowers it).
  TIdSSLVersions SSLVersions{sslvTLSv1_2, sslvTLSv1_3};
  TIdSSLMode Mode = sslmUnassigned;
  TIdSSLVerifyModeSet VerifyMode;  // Empty: the peer's certificate is not asked for.
  int VerifyDepth = 0;             // Longest chain verified; 0 = OpenSSL's default (100).
  // Every connection starts plain; its handler starts TLS with IOHandler->PassThrough = false
  // (STARTTLS; Indy's own default). false (ours): TLS from the first byte: the handshake runs
  // right after OnConnect (what it writes goes out once it is done), OnExecute once it is done.
  bool PassThrough = false;
  int HandshakeTimeout = 10000;  // ms a TLS handshake may take (then "TLS handshake timeout"); 0 = no limit.
};

}  // namespace Iocp
