// TLS on the server (SSLOptions), in both engines: STARTTLS, client certificates, certificate
// reload, and peers that break the protocol. Each hostile case states its outcome: the reason on
// OnDisconnect (DisconnectReason / DisconnectDetail), OnConnect and OnDisconnect paired, and the
// other connections served on. Certificates are made for the run (test_certificates.h).
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "../common/test_certificates.h"
#include "IocpIndyCompat.h"  // Indy's names, as C++Builder code writes them.
#include "server_fixture.h"
#include "tls_session.h"

using namespace Iocp;
using namespace testing_support;

namespace {

// A blocking OpenSSL client over a socket of the test's own, for what the component's client
// never does: offer only TLS 1.2 and renegotiate, present a certificate no CA vouches for, close
// without close_notify. Reads and writes give up after 10 s (SO_RCVTIMEO), so nothing hangs.
class SslClient {
 public:
  struct Options {
    const Credentials* certificate = nullptr;  // Presented when the server asks.
    bool tls12 = false;                        // Offer TLS 1.2 only.
    const char* ciphers = nullptr;             // TLS 1.2 suites offered (OpenSSL's list syntax).
    const char* sni = nullptr;                 // The host name asked for (SNI).
  };
  SslClient(uint16_t port, Options o) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (o.tls12) SSL_CTX_set_max_proto_version(ctx_, TLS1_2_VERSION);
    if (o.ciphers) SSL_CTX_set_cipher_list(ctx_, o.ciphers);
    if (o.certificate) {
      SSL_CTX_use_certificate_chain_file(ctx_, o.certificate->cert.c_str());
      SSL_CTX_use_PrivateKey_file(ctx_, o.certificate->key.c_str(), SSL_FILETYPE_PEM);
    }
    raw::keepBrokenPipesFromEndingThisThread();  // SSL_write uses write(): EPIPE, not SIGPIPE.
    fd_ = raw::connectTo("127.0.0.1", port);
    raw::setReceiveTimeout(fd_, 10);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, static_cast<int>(fd_));
    if (o.sni) SSL_set_tlsext_host_name(ssl_, o.sni);
  }
  // The issuer of the certificate the server presented, one line ("" before the handshake).
  std::string peerIssuer() {
    X509* cert = SSL_get1_peer_certificate(ssl_);
    if (!cert) return std::string();
    char line[512] = {};
    X509_NAME_oneline(X509_get_issuer_name(cert), line, sizeof line);
    X509_free(cert);
    return line;
  }
  ~SslClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    if (fd_ >= 0) raw::close(fd_);
  }
  // The handshake; false with OpenSSL's reason in `why`.
  bool handshake(std::string* why = nullptr) { return check(SSL_connect(ssl_), why); }
  bool writeLine(const std::string& line) {
    const std::string bytes = line + "\r\n";
    return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size());
  }
  // A line without its CRLF, "" when the connection ended or failed first.
  std::string readLine() {
    std::string line;
    char c;
    while (SSL_read(ssl_, &c, 1) == 1) {
      if (c == '\n') return line.empty() || line.back() != '\r' ? line : line.substr(0, line.size() - 1);
      line += c;
    }
    return std::string();
  }
  SSL* ssl() { return ssl_; }
  // Close the socket without close_notify (the TCP connection ends with a FIN).
  void dropSocket() {
    raw::close(fd_);
    fd_ = -1;
  }
  bool check(int r, std::string* why) {
    if (r == 1) return true;
    if (why) {
      const unsigned long e = ERR_get_error();
      char text[256] = "no OpenSSL error";
      if (e) ERR_error_string_n(e, text, sizeof text);
      *why = text;
    }
    ERR_clear_error();
    return false;
  }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  raw::Socket fd_ = -1;
};

// The first bytes a TLS client sends: a whole ClientHello.
std::string clientHello() {
  iocp_native::TlsContext::Options o;
  iocp_native::TlsSession s(iocp_native::TlsContext::client(o));
  iocp_native::Buffer plain, wire;
  s.receive(nullptr, 0, plain);
  s.takeOutput(wire);
  return std::string(wire.view());
}

class TlsServer : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    useTestServerTls(server->SSLOptions);  // TLS whatever the suite's mode.
    server->OnConnect = [this](TIocpContext*) { ++connects; };
    server->OnDisconnect = [this](TIocpContext* c) {
      ends.add(c->DisconnectReason() + " | " + c->DisconnectDetail());
      ++disconnects;
    };
  }
  // A client of the component with TLS, verifying the server against the run's CA.
  std::unique_ptr<TIocpTCPClient> tlsClient() {
    auto c = std::make_unique<TIocpTCPClient>();
    c->ReadTimeout = 10000;
    useTestClientTls(c->SSLOptions);
    c->Connect("127.0.0.1", server->Bindings[0].Port);
    return c;
  }
  // Waits for `n` OnDisconnects; OnConnect came at least as often (no OnDisconnect without one).
  void expectEnded(int n) {
    ASSERT_TRUE(waitUntil([&] { return disconnects.load() >= n; })) << disconnects.load();
    EXPECT_GE(connects.load(), disconnects.load());
  }
  // The one OnDisconnect's "reason | detail".
  std::string lastEnd() {
    const auto all = ends.snapshot();
    return all.empty() ? std::string() : all.back();
  }
  std::atomic<int> connects{0}, disconnects{0};
  EventLog ends;
};
INSTANTIATE_FOR_BOTH_ENGINES(TlsServer);

TEST_P(TlsServer, ConnectionsStartWithTheHandshakeAndSpeakTls13) {
  std::atomic<bool> secure{false};
  server->OnExecute = [&](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    secure = !io->PassThrough && io->SSLProtocol() == "TLSv1.3";
    io->WriteLn(io->ReadLn());
  };
  const auto stop = stopAtEnd();
  start();
  auto c = tlsClient();
  EXPECT_FALSE(c->IOHandler->PassThrough);
  EXPECT_EQ(c->IOHandler->SSLProtocol(), "TLSv1.3");
  c->IOHandler->WriteLn("over TLS");
  EXPECT_EQ(c->IOHandler->ReadLn(), "over TLS");
  EXPECT_TRUE(secure);
  c->Disconnect();
  expectEnded(1);
  EXPECT_EQ(lastEnd(), "peer closed | ");  // The client said close_notify: nothing more to say.
}

TEST_P(TlsServer, GarbageInsteadOfAClientHelloEndsWithTlsFailedAndOthersGoOn) {
  echo();
  const auto stop = stopAtEnd();
  start();
  auto good = tlsClient();
  RawSocket raw("127.0.0.1", server->Bindings[0].Port, RawSocket::Plain{});
  raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string got;
  for (int i = 0; i < 10 && raw.receive(10000, got) == RawSocket::Received::Bytes;) ++i;  // An alert, then the end.
  expectEnded(1);
  EXPECT_NE(lastEnd().find("TLS failed | TLS handshake failed"), std::string::npos) << lastEnd();
  good->IOHandler->WriteLn("still here");
  EXPECT_EQ(good->IOHandler->ReadLn(), "still here");
}

TEST_P(TlsServer, AHandshakeCutShortEndsAsPeerClosedDuringTheHandshake) {
  echo();
  const auto stop = stopAtEnd();
  start();
  {
    RawSocket raw("127.0.0.1", server->Bindings[0].Port, RawSocket::Plain{});
    const std::string hello = clientHello();
    raw.send(hello.substr(0, hello.size() / 2));
  }  // Closed: half a ClientHello, then FIN.
  expectEnded(1);
  EXPECT_EQ(lastEnd(), "peer closed | the peer closed during the TLS handshake");
}

TEST_P(TlsServer, AClientThatStallsMidHandshakeIsClosedAtTheHandshakeTimeout) {
  server->SSLOptions.HandshakeTimeout = 300;
  echo();
  const auto stop = stopAtEnd();
  start();
  RawSocket raw("127.0.0.1", server->Bindings[0].Port, RawSocket::Plain{});
  const auto t0 = std::chrono::steady_clock::now();
  const std::string hello = clientHello();
  raw.send(hello.substr(0, hello.size() / 2));  // And nothing more.
  expectEnded(1);
  EXPECT_GE(msSince(t0), 300);
  EXPECT_EQ(lastEnd().substr(0, lastEnd().find(" | ")), "TLS handshake timeout");
  std::string got;
  EXPECT_EQ(raw.receive(10000, got), RawSocket::Received::End);
  auto good = tlsClient();  // The timeout is per connection: a new one is served.
  good->IOHandler->WriteLn("after");
  EXPECT_EQ(good->IOHandler->ReadLn(), "after");
}

// Behind a load balancer that passes TLS through (HAProxy in mode tcp): the PROXY protocol header
// comes in plain, the handshake after it, in both handler models.
TEST_P(TlsServer, APlainProxyHeaderThenTheHandshakeGivesThePeerOfTheHeader) {
  server->ProxyProtocol.Mode = ppEither;
  server->ProxyProtocol.TrustedSources = "127.0.0.1";
  for (bool events : {false, true}) {
    server->OnExecute = nullptr;
    server->OnMessage = nullptr;
    if (events) {
      server->Framing.Kind = fkLine;
      server->OnMessage = [](TIocpContext* AContext, std::string_view AMessage) {
        AContext->Connection->IOHandler->WriteLn(AContext->Binding->PeerIP + " " + std::string(AMessage));
      };
    } else {
      server->OnExecute = [](TIocpContext* AContext) {
        auto* io = AContext->Connection->IOHandler;
        io->WriteLn(AContext->Binding->PeerIP + " " + io->ReadLn());
      };
    }
    auto stop = stopAtEnd();
    start();
    RawSocket c("127.0.0.1", server->Bindings[0].Port,
                RawSocket::TlsAfter{"PROXY TCP4 198.51.100.9 10.0.0.1 4321 443\r\n"});
    c.send("over tls\r\n");
    EXPECT_EQ(c.recvLine(5000), "198.51.100.9 over tls") << (events ? "OnMessage" : "OnExecute");
    server->Active = false;
  }
}

TEST_P(TlsServer, ARenegotiationRequestIsRefused) {
  echo();
  const auto stop = stopAtEnd();
  start();
  auto other = tlsClient();
  SslClient c(server->Bindings[0].Port, SslClient::Options{nullptr, true});  // TLS 1.2: it can ask.
  std::string why;
  ASSERT_TRUE(c.handshake(&why)) << why;
  ASSERT_TRUE(c.writeLine("before"));
  EXPECT_EQ(c.readLine(), "before");
  ASSERT_EQ(SSL_renegotiate(c.ssl()), 1);
  // The server answers with a no_renegotiation alert; OpenSSL's client then gives up on the
  // connection with a fatal alert, which ends it on the server as "TLS failed". No second
  // handshake happens.
  EXPECT_FALSE(c.check(SSL_do_handshake(c.ssl()), &why));
  EXPECT_NE(why.find("no renegotiation"), std::string::npos) << why;
  EXPECT_EQ(SSL_renegotiate_pending(c.ssl()), 1) << "the renegotiation must not have completed";
  expectEnded(1);
  EXPECT_NE(lastEnd().find("TLS failed | "), std::string::npos) << lastEnd();
  other->IOHandler->WriteLn("unaffected");
  EXPECT_EQ(other->IOHandler->ReadLn(), "unaffected");
}

// TLS 1.2 by default offers AEAD suites with forward secrecy only: a client that offers only CBC
// suites gets no handshake, one that offers AES-GCM does.
TEST_P(TlsServer, TlsOneTwoOffersNoCbcSuitesByDefault) {
  echo();
  const auto stop = stopAtEnd();
  start();
  SslClient cbc(server->Bindings[0].Port, SslClient::Options{nullptr, true, "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384"});
  std::string why;
  EXPECT_FALSE(cbc.handshake(&why));
  EXPECT_NE(why.find("handshake failure"), std::string::npos) << why;
  SslClient gcm(server->Bindings[0].Port, SslClient::Options{nullptr, true, "ECDHE-ECDSA-AES128-GCM-SHA256"});
  ASSERT_TRUE(gcm.handshake(&why)) << why;
  EXPECT_STREQ(SSL_get_cipher_name(gcm.ssl()), "ECDHE-ECDSA-AES128-GCM-SHA256");
}

TEST_P(TlsServer, AClientCertificateNoTrustedCaSignedIsRefused) {
  server->SSLOptions.RootCertFile = testPki().ca.cert;
  server->SSLOptions.VerifyMode = TIdSSLVerifyModeSet{sslvrfPeer, sslvrfFailIfNoPeerCert};
  server->SSLOptions.VerifyDepth = 2;
  echo();
  const auto stop = stopAtEnd();
  start();
  {
    SslClient trusted(server->Bindings[0].Port, SslClient::Options{&testPki().client, false});
    std::string why;
    ASSERT_TRUE(trusted.handshake(&why)) << why;
    ASSERT_TRUE(trusted.writeLine("signed by the CA"));
    EXPECT_EQ(trusted.readLine(), "signed by the CA");
  }
  expectEnded(1);
  {
    SslClient stranger(server->Bindings[0].Port, SslClient::Options{&testPki().stranger, false});
    stranger.handshake();  // TLS 1.3: the client's side may finish before the server refuses.
    stranger.writeLine("let me in");
    EXPECT_EQ(stranger.readLine(), "");
  }
  expectEnded(2);
  EXPECT_NE(lastEnd().find("TLS failed | TLS handshake failed"), std::string::npos) << lastEnd();
  EXPECT_NE(lastEnd().find("certificate verify failed"), std::string::npos) << lastEnd();
  {
    SslClient none(server->Bindings[0].Port, SslClient::Options{});
    none.handshake();
    none.writeLine("no certificate");
    EXPECT_EQ(none.readLine(), "");
  }
  expectEnded(3);
  EXPECT_NE(lastEnd().find("TLS failed | "), std::string::npos) << lastEnd();
  EXPECT_NE(lastEnd().find("certificate"), std::string::npos) << lastEnd();
}

TEST_P(TlsServer, ReloadRefusesAnExpiredCertificateAndKeepsServingWithTheOldOne) {
  echo();
  const auto stop = stopAtEnd();
  start();
  auto open = tlsClient();
  server->SSLOptions.CertFile = testPki().expired.cert;
  server->SSLOptions.KeyFile = testPki().expired.key;
  try {
    server->ReloadCertificates();
    ADD_FAILURE() << "an expired certificate was loaded";
  } catch (const EIocpConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("expired on"), std::string::npos) << e.what();
  }
  auto next = tlsClient();  // Still the old certificate: the CA vouches for it.
  next->IOHandler->WriteLn("old certificate");
  EXPECT_EQ(next->IOHandler->ReadLn(), "old certificate");

  // A renewal takes effect for new connections only: one no CA signed now fails to verify,
  // while the connection made before goes on.
  server->SSLOptions.CertFile = testPki().stranger.cert;
  server->SSLOptions.KeyFile = testPki().stranger.key;
  server->ReloadCertificates();
  EXPECT_THROW(tlsClient(), EIdNotConnected);
  open->IOHandler->WriteLn("made before the reload");
  EXPECT_EQ(open->IOHandler->ReadLn(), "made before the reload");
}

TEST_P(TlsServer, APeerThatClosesWithoutCloseNotifyIsSaidSo) {
  echo();
  const auto stop = stopAtEnd();
  start();
  SslClient c(server->Bindings[0].Port, SslClient::Options{});
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(c.writeLine("bye"));
  EXPECT_EQ(c.readLine(), "bye");
  c.dropSocket();
  expectEnded(1);
  EXPECT_EQ(lastEnd(), "peer closed | the peer closed without TLS close_notify");
}

TEST_P(TlsServer, SixteenMiBThroughReadStreamArriveWhole) {
  constexpr std::size_t kSize = 16u << 20;
  std::string payload(kSize, '\0');
  for (std::size_t i = 0; i < kSize; ++i) payload[i] = static_cast<char>((i * 7919) >> 3);
  server->OnExecute = [](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    std::ostringstream got;
    io->ReadStream(got);  // A 32-bit length first, then the bytes.
    const std::string s = got.str();
    unsigned long long sum = 0;
    for (unsigned char ch : s) sum = sum * 31 + ch;
    io->WriteLn(std::to_string(s.size()) + " " + std::to_string(sum));
  };
  const auto stop = stopAtEnd();
  start();
  auto c = tlsClient();
  std::istringstream in(payload);
  c->IOHandler->Write(in, 0, true);
  unsigned long long sum = 0;
  for (unsigned char ch : payload) sum = sum * 31 + ch;
  EXPECT_EQ(c->IOHandler->ReadLn(), std::to_string(kSize) + " " + std::to_string(sum));
}

// STARTTLS as Indy's explicit-TLS servers do it: plain text first, then PassThrough := False on
// both ends starts the handshake.
TEST_P(TlsServer, StartTlsSwitchesAPlainConnectionToTlsWhenBothEndsAsk) {
  server->SSLOptions.PassThrough = true;
  std::atomic<bool> plainAtFirst{false};
  server->OnExecute = [&](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    plainAtFirst = io->PassThrough;
    io->WriteLn("220 ready");
    if (io->ReadLn() != "STARTTLS") return c->Connection->Disconnect();
    io->WriteLn("220 go ahead");
    io->PassThrough = false;
    const std::string line = io->ReadLn();
    io->WriteLn(io->SSLProtocol() + " " + line);
    c->Connection->Disconnect();
  };
  const auto stop = stopAtEnd();
  start();
  TIocpTCPClient c;
  c.ReadTimeout = 10000;
  useTestClientTls(c.SSLOptions);
  c.SSLOptions.PassThrough = true;  // Connect stays plain.
  c.Connect("127.0.0.1", server->Bindings[0].Port);
  EXPECT_TRUE(c.IOHandler->PassThrough);
  EXPECT_EQ(c.IOHandler->ReadLn(), "220 ready");
  c.IOHandler->WriteLn("STARTTLS");
  EXPECT_EQ(c.IOHandler->ReadLn(), "220 go ahead");
  c.IOHandler->PassThrough = false;
  c.IOHandler->WriteLn("secret");
  EXPECT_EQ(c.IOHandler->ReadLn(), "TLSv1.3 secret");
  EXPECT_TRUE(plainAtFirst);
  expectEnded(1);
  EXPECT_EQ(lastEnd(), "local disconnect | ");
}

// TLS set up in code as C++Builder code writes it, with Indy's names (IocpIndyCompat.h): an SSL
// server IOHandler made and assigned to the server's IOHandler, its options and password event
// taken at activation; as in Indy each connection is plain until OnConnect sets PassThrough =
// false. Without that line the server speaks plain text, as Indy's did.
TEST_P(TlsServer, TlsSetUpInCodeIsTakenAtActivationAndStartsWherePassThroughIsCleared) {
  server->SSLOptions = TIocpSSLOptions{};  // Not the fixture's: the IOHandler's.
  const auto SSL = std::make_unique<TIdServerIOHandlerSSLOpenSSL>(nullptr);  // new ...(this)
  SSL->SSLOptions->SSLVersions = TIdSSLVersions() << sslvTLSv1_2;
  SSL->SSLOptions->Mode = sslmServer;
  SSL->SSLOptions->CertFile = testPki().serverLocked.cert;
  SSL->SSLOptions->KeyFile = testPki().serverLocked.key;
  SSL->OnGetPassword = [](std::string& Password) { Password = "indy key password"; };
  server->IOHandler = SSL.get();
  server->OnConnect = [this](TIdContext* AContext) {
    ++connects;
    static_cast<TIdSSLIOHandlerSocketBase*>(AContext->Connection->IOHandler)->PassThrough = false;
  };
  server->OnExecute = [](TIdContext* AContext) {
    auto* io = AContext->Connection->IOHandler;
    io->WriteLn(io->SSLProtocol() + " " + io->ReadLn());
  };
  const auto stop = stopAtEnd();
  start();
  EXPECT_TRUE(server->SSLOptions.Enabled);
  EXPECT_TRUE(server->SSLOptions.PassThrough);
  {
    const auto c = tlsClient();
    c->IOHandler->WriteLn("hello");
    EXPECT_EQ(c->IOHandler->ReadLn(), "TLSv1.2 hello");
  }
  expectEnded(1);
  server->Active = false;
  server->OnConnect = [this](TIdContext*) { ++connects; };  // Nothing clears PassThrough.
  server->Active = true;
  TIocpTCPClient plain;
  plain.ReadTimeout = 10000;
  plain.Connect("127.0.0.1", server->Bindings[0].Port);
  plain.IOHandler->WriteLn("hello");
  EXPECT_EQ(plain.IOHandler->ReadLn(), " hello");  // No TLS: no protocol.
  plain.Disconnect();
  expectEnded(2);
}

// The event model: OnDataAvailable answers STARTTLS and switches; nothing waits, the handshake
// goes on as the bytes come, and the next OnDataAvailable has the decrypted line.
TEST_P(TlsServer, StartTlsInTheEventModel) {
  server->SSLOptions.PassThrough = true;
  server->OnDataAvailable = [](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    std::string text = io->InputBuffer->ExtractToString();
    if (text == "STARTTLS\r\n") {
      io->WriteLn("220 go ahead");
      io->PassThrough = false;
    } else {
      io->Write("echo " + text);
    }
  };
  const auto stop = stopAtEnd();
  start();
  TIocpTCPClient c;
  c.ReadTimeout = 10000;
  useTestClientTls(c.SSLOptions);
  c.SSLOptions.PassThrough = true;
  c.Connect("127.0.0.1", server->Bindings[0].Port);
  c.IOHandler->WriteLn("STARTTLS");
  EXPECT_EQ(c.IOHandler->ReadLn(), "220 go ahead");
  c.IOHandler->PassThrough = false;
  c.IOHandler->WriteLn("in the event model");
  EXPECT_EQ(c.IOHandler->ReadLn(), "echo in the event model");
}

TEST_P(TlsServer, BadSettingsRefuseActivationSayingWhich) {
  echo();
  server->SSLOptions.KeyFile = testPki().client.key;  // Not the certificate's key.
  try {
    start();
    ADD_FAILURE() << "a key that does not match its certificate was accepted";
  } catch (const EIocpConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("does not match the certificate"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(server->Active);
  server->SSLOptions.KeyFile = testPki().server.key;
  server->SSLOptions.SSLVersions = TIdSSLVersions{sslvSSLv3};
  EXPECT_THROW(start(), EIocpConfigError);
  server->SSLOptions.SSLVersions = TIdSSLVersions{sslvTLSv1_2, sslvTLSv1_3};
  server->SSLOptions.Mode = sslmClient;
  EXPECT_THROW(start(), EIocpConfigError);
}

}  // namespace

namespace {

// OnGetPassword (Indy's): an encrypted key loads with the handler's password; without a handler
// activation is refused with the reason, and a wrong password too; the server is not started.
TEST_P(TlsServer, AnEncryptedKeyIsOpenedWithOnGetPassword) {
  echo();
  server->SSLOptions.KeyFile = testPki().serverLocked.key;
  try {
    start();
    ADD_FAILURE() << "an encrypted key without OnGetPassword was accepted";
  } catch (const EIocpConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("OnGetPassword"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(server->Active);
  server->OnGetPassword = [](std::string& Password) { Password = "wrong"; };
  EXPECT_THROW(start(), EIocpConfigError);
  std::atomic<int> asked{0};
  server->OnGetPassword = [&](std::string& Password) {
    ++asked;
    Password = TestPki::kKeyPassword;
  };
  const auto stop = stopAtEnd();
  start();
  EXPECT_GE(asked.load(), 1);
  auto c = tlsClient();
  c->IOHandler->WriteLn("through an encrypted key");
  EXPECT_EQ(c->IOHandler->ReadLn(), "through an encrypted key");
}

// OnVerifyPeer (Indy's) on the server: it sees the client's chain (TIdX509 with Indy's members)
// and its answer decides: a client the CA signed is refused when the handler says so, one no CA
// signed is let in when the handler says so.
TEST_P(TlsServer, OnVerifyPeerSeesTheClientsCertificateAndDecides) {
  server->SSLOptions.RootCertFile = testPki().ca.cert;
  server->SSLOptions.VerifyMode = TIdSSLVerifyModeSet{sslvrfPeer, sslvrfFailIfNoPeerCert};
  EventLog seen;
  std::atomic<bool> acceptAll{false};
  server->OnVerifyPeer = [&](TIdX509* Certificate, bool AOk, int ADepth, int AError) {
    seen.add(std::to_string(ADepth) + " " + Certificate->Subject->OneLine + " issuer " + Certificate->Issuer->OneLine +
             (AOk ? " ok" : " refused") + " error " + std::to_string(AError) + " md5 " +
             std::to_string(Certificate->FingerprintAsString.size()) + " serial " +
             (Certificate->SerialNumber.empty() ? "none" : "some") + " v" + std::to_string(Certificate->Version) +
             (Certificate->notBefore < Certificate->notAfter ? " dates" : " no dates"));
    if (acceptAll) return true;
    return AOk && Certificate->Subject->OneLine != "/CN=test client";
  };
  echo();
  const auto stop = stopAtEnd();
  start();
  {
    SslClient refused(server->Bindings[0].Port, SslClient::Options{&testPki().client, false});
    refused.handshake();
    refused.writeLine("signed, but refused");
    EXPECT_EQ(refused.readLine(), "");
  }
  expectEnded(1);
  EXPECT_NE(lastEnd().find("TLS failed"), std::string::npos) << lastEnd();
  const auto calls = seen.snapshot();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0], "1 /CN=test CA issuer /CN=test CA ok error 0 md5 47 serial some v2 dates");
  EXPECT_EQ(calls[1], "0 /CN=test client issuer /CN=test CA ok error 0 md5 47 serial some v2 dates");

  acceptAll = true;
  {
    SslClient stranger(server->Bindings[0].Port, SslClient::Options{&testPki().stranger, false});
    std::string why;
    ASSERT_TRUE(stranger.handshake(&why)) << why;
    ASSERT_TRUE(stranger.writeLine("no CA signed me"));
    EXPECT_EQ(stranger.readLine(), "no CA signed me");
  }
  expectEnded(2);
  const auto after = seen.snapshot();
  ASSERT_GE(after.size(), 3u);
  EXPECT_NE(after[2].find("0 /CN=localhost issuer /CN=localhost refused"), std::string::npos) << after[2];
}

// The client's OnVerifyPeer sees the server's certificate.
TEST_P(TlsServer, TheClientsOnVerifyPeerSeesTheServersCertificate) {
  echo();
  const auto stop = stopAtEnd();
  start();
  auto c = std::make_unique<TIocpTCPClient>();
  c->ReadTimeout = 10000;
  useTestClientTls(c->SSLOptions);
  std::vector<std::string> subjects;  // Connect's handshake: no other thread reads it meanwhile.
  std::mutex mu;
  c->OnVerifyPeer = [&](TIdX509* Certificate, bool AOk, int, int) {
    std::lock_guard<std::mutex> lock(mu);
    subjects.push_back(Certificate->Subject->OneLine);
    return AOk;
  };
  c->Connect("127.0.0.1", server->Bindings[0].Port);
  c->IOHandler->WriteLn("verified by the client's handler");
  EXPECT_EQ(c->IOHandler->ReadLn(), "verified by the client's handler");
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(subjects, (std::vector<std::string>{"/CN=test CA", "/CN=localhost"}));
}

}  // namespace

namespace {

// SSLOptions.SNICertificates: a client that asks for one of their names gets that certificate,
// the others the default one; a bad one refuses activation naming it.
TEST_P(TlsServer, SniCertificatesAreServedByTheNameTheClientAsks) {
  server->SSLOptions.SNICertificates = {{"other.test", testPki().stranger.cert, testPki().stranger.key}};
  echo();
  const auto stop = stopAtEnd();
  start();
  const auto issuerFor = [&](const char* sni) {
    SslClient c(server->Bindings[0].Port, SslClient::Options{nullptr, false, nullptr, sni});
    std::string why;
    EXPECT_TRUE(c.handshake(&why)) << why;
    EXPECT_TRUE(c.writeLine("hello"));
    EXPECT_EQ(c.readLine(), "hello");
    return c.peerIssuer();
  };
  EXPECT_EQ(issuerFor("other.test"), "/CN=localhost");  // The self-signed one.
  EXPECT_EQ(issuerFor("localhost"), "/CN=test CA");
  EXPECT_EQ(issuerFor(nullptr), "/CN=test CA");
  server->Active = false;
  server->SSLOptions.SNICertificates.push_back({"broken.test", testPki().stranger.cert, testPki().server.key});
  try {
    start();
    ADD_FAILURE() << "an SNI certificate with the wrong key was accepted";
  } catch (const EIocpConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'broken.test'"), std::string::npos) << e.what();
  }
}

}  // namespace
