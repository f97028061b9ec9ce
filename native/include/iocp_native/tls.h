// TLS configuration for the engine (EngineOptions::tls) and for client connections: a context
// holds what a server (or a client) is configured with, as Indy's SSLOptions. One context serves
// any number of connections; the engine's connections run TLS through it on their own strand,
// fiber or thread (native/src/tls_session.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace iocp_native {

// A context that cannot be made (a file missing or unreadable, a key that does not match the
// certificate, a cipher list OpenSSL refuses, no TLS in this build): the message says which and
// the library's reason.
class TlsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class TlsVersion { Tls10, Tls11, Tls12, Tls13 };

// One certificate of the peer's chain as a verify callback sees it (Indy's TIdX509).
struct PeerCertificate {
  std::string subject;       // One line, OpenSSL's X509_NAME_oneline: "/C=DE/O=Example/CN=host".
  std::string issuer;        // The same for the issuer.
  std::string serialNumber;  // Hex bytes with colons, "0A:1B:2C" (Indy's SerialNumber).
  std::string md5;           // Fingerprints of the DER certificate, "AB:CD:..." (Indy's
  std::string sha1;          // FingerprintAsString is the MD5 one).
  std::string sha256;
  std::int64_t notBefore = 0;  // Validity, seconds since 1970-01-01 UTC.
  std::int64_t notAfter = 0;
  long version = 0;  // X509_get_version: 2 for an X.509 v3 certificate.
};

// A further certificate of a server, chosen by the name a client asks for (SNI).
struct SniCertificate {
  std::string hostName;  // "host.example.com", or "*.example.com" for one label in front of it.
  std::string certFile;  // PEM: the certificate (chain) served for that name.
  std::string keyFile;   // PEM: its private key (onGetPassword opens an encrypted one).
};

class TlsContext {
 public:
  struct Options {
    std::string certFile;    // PEM; a server's own certificate (chain), optional for a client.
    std::string keyFile;     // PEM; its private key.
    std::string caFile;      // PEM; the CAs that verify the peer's certificate ("" = none).
    // OpenSSL's TLS 1.2 cipher list; "" = AEAD suites with forward secrecy (ECDHE with AES-GCM or
    // ChaCha20-Poly1305), or OpenSSL's default where TLS 1.0/1.1 are asked for.
    std::string cipherList;
    TlsVersion minVersion = TlsVersion::Tls12;
    TlsVersion maxVersion = TlsVersion::Tls13;
    bool verifyPeer = false;  // Ask for the peer's certificate and verify it against caFile.
    bool requirePeerCertificate = true;  // verifyPeer on a server: refuse a client without one.
    bool verifyOnce = false;  // verifyPeer on a server: ask in the first handshake only.
    int verifyDepth = 0;      // Longest chain accepted when verifying; 0 = OpenSSL's default.
    // With verifyPeer, called for each certificate of the peer's chain, the CA's first (Indy's
    // OnVerifyPeer): ok is OpenSSL's verdict on it (with verifyDepth), depth 0 the peer's own,
    // error an X509_V_ERR_* code (0 = none). What it returns decides, as in Indy: return ok to
    // keep OpenSSL's verdict. Runs inside the handshake on the thread that runs it (an I/O thread:
    // it must not wait); an exception counts as false. Empty: OpenSSL's verdict.
    std::function<bool(const PeerCertificate& certificate, bool ok, int depth, int error)> onVerifyPeer;
    // The password of an encrypted keyFile (Indy's OnGetPassword), asked while the context is
    // made. Empty: the key must not be encrypted (an encrypted one is refused, never prompted for).
    std::function<std::string()> onGetPassword;
    // A server's further certificates: a client whose SNI names one of their hostNames gets that
    // certificate (the first that matches, names compared without case); any other client,
    // or one without SNI, gets certFile. Each is loaded and checked as certFile is.
    std::vector<SniCertificate> sniCertificates;
  };
  // Throws TlsError. Any thread.
  static std::shared_ptr<TlsContext> server(const Options& options);
  static std::shared_ptr<TlsContext> client(const Options& options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  struct Hooks;  // Internal: the Options' callbacks, where OpenSSL's C callbacks find them.

 private:
  friend class TlsSession;
  TlsContext(void* ctx, bool server, std::unique_ptr<Hooks> hooks);
  void* ctx_;  // SSL_CTX*
  bool server_;
  std::unique_ptr<Hooks> hooks_;
};

}  // namespace iocp_native
