// TLS on a byte stream without a socket: OpenSSL 3 with memory BIOs, so the handshake and the
// records run wherever the caller runs them (a connection's strand, fiber or thread) and never
// block. The engine's connections will put it between the port and the input buffer:
//
//   ciphertext from the socket ──▶ TlsSession::receive ──▶ plaintext appended to the input Buffer
//   plaintext the handler writes ─▶ TlsSession::send ────▶ ciphertext ──▶ takeOutput ──▶ socket
//
// TlsContext holds what a server (or a client) is configured with, as Indy's SSLOptions: the
// certificate, key and CA files, the protocol versions (TLS 1.2 and 1.3 unless asked otherwise),
// the cipher list, whether the peer's certificate is verified. One context serves any number of
// sessions; a session is one connection's and is used by one thread at a time.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>

#include "iocp_native/buffer.h"

namespace iocp_native {

// A context that cannot be made (a file missing or unreadable, a key that does not match the
// certificate, a cipher list OpenSSL refuses): the message says which and OpenSSL's reason.
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
    std::string cipherList;  // OpenSSL's TLS 1.2 cipher list ("" = OpenSSL's default).
    TlsVersion minVersion = TlsVersion::Tls12;
    TlsVersion maxVersion = TlsVersion::Tls13;
    bool verifyPeer = false;  // Require and verify the peer's certificate against caFile.
    int verifyDepth = 10;     // Longest chain accepted when verifying.
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

class TlsSession {
 public:
  enum class Status {
    Ok,      // Progress (or nothing to do yet); see takeOutput() for bytes to send.
    Closed,  // The peer sent close_notify: no more plaintext comes.
    Failed,  // The handshake or a record failed (garbage, a refused certificate, a bad MAC):
             // reason() says what; send what takeOutput() holds (an alert), then close.
  };

  explicit TlsSession(std::shared_ptr<TlsContext> context);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Ciphertext from the peer (n may be 0: just advance the handshake, as a client's first call
  // does). Plaintext it completes is appended to `plain`. Not after Failed.
  Status receive(const char* bytes, std::size_t n, Buffer& plain);
  // Plaintext to send: encrypted now if the handshake is done, else kept and encrypted once it
  // is. Not after close() or Failed.
  Status send(const char* bytes, std::size_t n);
  // close_notify after what was sent.
  void close();
  // Ciphertext to put on the wire, in order (handshake records, application data, alerts).
  bool hasOutput() const;
  void takeOutput(Buffer& out);

  bool handshakeDone() const;
  std::string protocol() const;  // "TLSv1.3", ... once the handshake is done; "" before.
  const std::string& reason() const { return reason_; }  // Why Failed.

 private:
  Status fail(const char* where);
  Status flushPending();
  void drain();  // Ciphertext the session wrote into the pair, moved to output_.

  std::shared_ptr<TlsContext> context_;
  void* ssl_ = nullptr;      // SSL*
  void* network_ = nullptr;  // BIO*: our side of the BIO pair (ciphertext in and out).
  std::string pending_;      // Plaintext written before the handshake finished.
  Buffer output_;            // Ciphertext to send, in order.
  std::string reason_;
  bool failed_ = false;
};

}  // namespace iocp_native
