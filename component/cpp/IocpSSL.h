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

#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

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

// A server's further certificate, served to a client whose SNI names HostName (ours; Indy has no
// SNI on its server IOHandler).
struct TIocpSNICertificate {
  std::string HostName;  // "host.example.com", or "*.example.com": one label in front of it.
  std::string CertFile;  // PEM: the certificate (chain) for that name.
  std::string KeyFile;   // PEM: its private key (OnGetPassword opens an encrypted one).
};

// SSLOptions: Indy's members (CertFile, KeyFile, RootCertFile, CipherList, SSLVersions, Mode,
// VerifyMode, VerifyDepth) and ours (Enabled, PassThrough, HandshakeTimeout, SNICertificates).
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
  // A server's further certificates by the name a client asks for (SNI; the first that matches,
  // without case); other clients get CertFile. Loaded and checked with it (SetActive,
  // ReloadCertificates). A client ignores them.
  std::vector<TIocpSNICertificate> SNICertificates;
};

// Indy's TIdX509Name: a certificate's subject or issuer.
class TIdX509Name {
 public:
  std::string OneLine;  // OpenSSL's one-line form, as Indy's: "/C=DE/O=Example/CN=host".
};

// Indy's TIdX509Fingerprints: a certificate's digests as upper-case hex pairs with colons.
class TIdX509Fingerprints {
 public:
  std::string MD5AsString;
  std::string SHA1AsString;
  std::string SHA256AsString;
};

// Indy's TIdX509: one certificate of the peer's chain as OnVerifyPeer sees it (valid during the
// call only), with Indy's member names.
class TIdX509 {
 public:
  TIdX509() = default;
  TIdX509(const TIdX509&) = delete;
  TIdX509& operator=(const TIdX509&) = delete;
  TIdX509Name* const Subject = &subject_;
  TIdX509Name* const Issuer = &issuer_;
  TIdX509Fingerprints* const Fingerprints = &fingerprints_;
  std::string SerialNumber;         // Hex pairs with colons, "0A:1B:2C".
  std::string FingerprintAsString;  // The MD5 fingerprint (Indy's), as Fingerprints->MD5AsString.
  double notBefore = 0;             // Validity as a TDateTime (days since 1899-12-30, UTC).
  double notAfter = 0;
  long Version = 0;                 // 2 for an X.509 v3 certificate (OpenSSL's numbering).

 private:
  TIdX509Name subject_, issuer_;
  TIdX509Fingerprints fingerprints_;
};

// Indy's TPasswordEvent: the password of an encrypted KeyFile, asked when the key is loaded
// (Active = true, ReloadCertificates, Connect), on that thread.
using TPasswordEvent = std::function<void(std::string& Password)>;
// Indy's TVerifyPeerEvent: with VerifyMode containing sslvrfPeer, each certificate of the peer's
// chain, the CA's first (ADepth 0 = the peer's own), with OpenSSL's verdict AOk and its error
// (X509_V_ERR_*, 0 = none). The result decides, as in Indy ("Result := AOk" keeps OpenSSL's
// verdict); an exception refuses. Runs inside the handshake on an I/O thread: must not wait.
using TVerifyPeerEvent = std::function<bool(TIdX509* Certificate, bool AOk, int ADepth, int AError)>;

// The TLS events of a server or a client (Indy: the SSL IOHandler's).
struct TIocpSSLEvents {
  TPasswordEvent OnGetPassword;
  TVerifyPeerEvent OnVerifyPeer;
};

// Indy's server IOHandlers, for code that makes one and assigns it to the server's IOHandler
// (TIdServerIOHandlerStack and the like): the engine does the I/O, so a plain one changes
// nothing. AOwner is accepted as C++Builder code passes it (`new TIdServerIOHandlerStack(this)`)
// and not used: the object is not a VCL component, so its owner does not free it; keep it alive
// while the server may activate (or delete it after the server).
class TIocpServerIOHandler {
 public:
  explicit TIocpServerIOHandler(const void* AOwner = nullptr) { (void)AOwner; }
  virtual ~TIocpServerIOHandler() = default;
};

// Indy's TIdServerIOHandlerSSLOpenSSL for code that sets TLS up itself:
//   auto* SSL = new TIdServerIOHandlerSSLOpenSSL(this);
//   SSL->SSLOptions->CertFile = "server.pem";  // SSLOptions is a pointer, as in C++Builder
//   Server->IOHandler = SSL;
// The server takes its SSLOptions and events when it activates: its SSLOptions become these, with
// Enabled, and with PassThrough as in Indy (each connection plain until its handler sets
// IOHandler->PassThrough = false, as Indy's TLS servers do in OnConnect); the events where the
// server has none of its own. Set on the owning thread before activation.
class TIocpServerIOHandlerSSL : public TIocpServerIOHandler {
 public:
  explicit TIocpServerIOHandlerSSL(const void* AOwner = nullptr) : TIocpServerIOHandler(AOwner) {}
  TIocpSSLOptions* const SSLOptions = &options_;
  TPasswordEvent OnGetPassword;
  TVerifyPeerEvent OnVerifyPeer;

 private:
  TIocpSSLOptions options_;
};

}  // namespace Iocp
