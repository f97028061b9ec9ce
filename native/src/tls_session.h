// TLS on a byte stream without a socket: OpenSSL 3 with memory BIOs, so the handshake and the
// records run wherever the caller runs them (a connection's strand, fiber or thread) and never
// block. The engine's connections put it between the socket and the input buffer
// (StreamConnection's transport filter):
//
//   ciphertext from the socket ──▶ TlsSession::receive ──▶ plaintext appended to the input Buffer
//   plaintext the handler writes ─▶ TlsSession::send ────▶ ciphertext ──▶ takeOutput ──▶ socket
//
// TlsContext (iocp_native/tls.h) holds what a server (or a client) is configured with. A session
// is one connection's and is used by one thread at a time.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "iocp_native/buffer.h"
#include "iocp_native/tls.h"

namespace iocp_native {

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

  // A client's name for the server, before the handshake: sent as SNI, and, where the context
  // verifies the peer, the name its certificate must carry.
  void setPeerName(const std::string& host);
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
