// TLS configuration for the engine (EngineOptions::tls) and for client connections: a context
// holds what a server (or a client) is configured with, as Indy's SSLOptions. One context serves
// any number of connections; the engine's connections run TLS through it on their own strand,
// fiber or thread (native/src/tls_session.h).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

namespace iocp_native {

// A context that cannot be made (a file missing or unreadable, a key that does not match the
// certificate, a cipher list OpenSSL refuses, no TLS in this build): the message says which and
// the library's reason.
class TlsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class TlsVersion { Tls10, Tls11, Tls12, Tls13 };

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
  };
  // Throws TlsError. Any thread.
  static std::shared_ptr<TlsContext> server(const Options& options);
  static std::shared_ptr<TlsContext> client(const Options& options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

 private:
  friend class TlsSession;
  TlsContext(void* ctx, bool server) : ctx_(ctx), server_(server) {}
  void* ctx_;  // SSL_CTX*
  bool server_;
};

}  // namespace iocp_native
