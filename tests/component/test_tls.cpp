// The component suites' TLS mode (test_support.h): certificates for the run, and RawSocket as a
// TLS client (a TlsSession of the library's own over the raw socket).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "../common/files.h"
#include "../common/test_certificates.h"
#include "test_support.h"
#include "tls_session.h"

namespace testing_support {

namespace {

const TestPki& pki() { return testPki(); }

// RawSocket's TLS client: verifies the server against the run's CA. Made with the server's
// options (useTestServerTls), before a test can lower the descriptor limit.
const std::shared_ptr<iocp_native::TlsContext>& rawClientContext() {
  static const std::shared_ptr<iocp_native::TlsContext> context = [] {
    iocp_native::TlsContext::Options o;
    o.caFile = pki().ca.cert;
    o.verifyPeer = true;
    return iocp_native::TlsContext::client(o);
  }();
  return context;
}

// Sends what the session has for the wire.
void flush(iocp_native::TlsSession& tls, const std::function<void(const std::string&)>& sendRaw) {
  iocp_native::Buffer wire;
  tls.takeOutput(wire);
  if (!wire.empty()) sendRaw(std::string(wire.view()));
}

}  // namespace

const TestPki& testPki() {
  static const TempDir dir("iocp_test_pki");
  static const TestPki made(dir.path.string());
  return made;
}

bool tlsTestMode() {
  static const bool on = [] {
    const char* v = std::getenv("IOCP_TEST_TLS");
    return v && std::strcmp(v, "1") == 0;
  }();
  return on;
}

void useTestServerTls(Iocp::TIocpSSLOptions& ssl) {
  rawClientContext();
  ssl.Enabled = true;
  ssl.CertFile = pki().server.cert;
  ssl.KeyFile = pki().server.key;
}

void useTestClientTls(Iocp::TIocpSSLOptions& ssl) {
  ssl.Enabled = true;
  ssl.RootCertFile = pki().ca.cert;
  ssl.VerifyMode = Iocp::TIdSSLVerifyModeSet{Iocp::sslvrfPeer};
}

void RawSocket::startTls() {
  // Nothing waits here: the ClientHello goes out now (finishHandshake waits for the rest, or the
  // handshake goes on as the test receives); what the test sends before the handshake is done
  // goes out once it is.
  tls_ = std::make_shared<iocp_native::TlsSession>(rawClientContext());
  tls_->setPeerName("localhost");
  iocp_native::Buffer none;
  tls_->receive(nullptr, 0, none);  // The ClientHello.
  flush(*tls_, [this](const std::string& b) { sendRaw(b); });
}

void RawSocket::finishHandshake() {
  const auto send = [this](const std::string& b) { sendRaw(b); };
  iocp_native::Buffer plain;
  while (!tls_->handshakeDone()) {
    std::string cipher;
    if (receiveRaw(10000, cipher) != Received::Bytes) {
      ADD_FAILURE() << "the TLS handshake with the server did not finish";
      return;
    }
    const auto st = tls_->receive(cipher.data(), cipher.size(), plain);
    flush(*tls_, send);
    if (st != iocp_native::TlsSession::Status::Ok) {
      ADD_FAILURE() << "TLS handshake: " << tls_->reason();
      return;
    }
  }
  pending_.append(plain.view());  // Bytes that came with the handshake's end.
}

RawSocket::Received RawSocket::receiveTls(int timeoutMs, std::string& got) {
  const auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    std::string cipher;
    const int left = std::max(0, timeoutMs - static_cast<int>(msSince(t0)));
    const Received r = receiveRaw(left, cipher);
    if (r != Received::Bytes) return r;
    iocp_native::Buffer plain;
    const auto st = tls_->receive(cipher.data(), cipher.size(), plain);
    flush(*tls_, [this](const std::string& b) { sendRaw(b); });
    if (!plain.empty()) {
      got.append(plain.view());
      return Received::Bytes;
    }
    if (st == iocp_native::TlsSession::Status::Failed) ADD_FAILURE() << "TLS: " << tls_->reason();
    if (st != iocp_native::TlsSession::Status::Ok) return Received::End;  // close_notify or a failure.
    if (msSince(t0) >= timeoutMs) return Received::Nothing;
  }
}

void RawSocket::send(const std::string& bytes) {
  if (!tls_) {
    sendRaw(bytes);
    return;
  }
  if (tls_->send(bytes.data(), bytes.size()) != iocp_native::TlsSession::Status::Ok) {
    ADD_FAILURE() << "TLS send: " << tls_->reason();
    return;
  }
  flush(*tls_, [this](const std::string& b) { sendRaw(b); });
}

bool RawSocket::sendUnlessClosed(const std::string& bytes) {
  if (!tls_) return sendRaw(bytes, true);
  // A session the server ended (close_notify, an alert) refuses to send: that is "closed" too.
  if (tls_->send(bytes.data(), bytes.size()) != iocp_native::TlsSession::Status::Ok) return false;
  bool sent = true;
  flush(*tls_, [&](const std::string& b) { sent = sendRaw(b, true); });
  return sent;
}

void RawSocket::close() {
  if (tls_ && valid() && tls_->reason().empty()) {
    tls_->close();
    // The server may have closed first (a timeout, a reset): then close_notify finds no peer.
    flush(*tls_, [this](const std::string& b) { sendRaw(b, true); });
  }
  closeRaw();
}

}  // namespace testing_support
