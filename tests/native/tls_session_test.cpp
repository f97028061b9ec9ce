// TlsSession (native/src/tls_session.h): two sessions, a client and a server, talk through
// memory; the test moves each one's output to the other as a socket would. Certificates are made
// per test run (test_certificates.h), nothing is committed.
#include <gtest/gtest.h>

#include <ctime>
#include <stdexcept>
#include <string>
#include <vector>

#include "../common/files.h"
#include "../common/test_certificates.h"
#include "tls_session.h"

namespace iocp_native {
namespace {

using Status = TlsSession::Status;

class Tls : public ::testing::Test {
 protected:
  TlsContext::Options serverOptions() const {
    TlsContext::Options o;
    o.certFile = server_.cert;
    o.keyFile = server_.key;
    return o;
  }

  // Moves each side's output to the other until neither has any; the plaintext each receives
  // is appended to its Buffer. Returns the last statuses (Failed or Closed stop the pumping).
  struct Pumped {
    Status client = Status::Ok, server = Status::Ok;
  };
  Pumped pump(TlsSession& client, TlsSession& server, Buffer& atClient, Buffer& atServer) {
    Pumped p;
    for (int round = 0; round < 10000 && (client.hasOutput() || server.hasOutput()); ++round) {
      Buffer wire;
      client.takeOutput(wire);
      if (!wire.empty() && p.server == Status::Ok) p.server = server.receive(wire.data(), wire.size(), atServer);
      wire.clear();
      server.takeOutput(wire);
      if (!wire.empty() && p.client == Status::Ok) p.client = client.receive(wire.data(), wire.size(), atClient);
    }
    return p;
  }

  // A handshake between a new client (options `c`) and a server (options `s`).
  Pumped handshake(const TlsContext::Options& c, const TlsContext::Options& s) {
    client_ = std::make_unique<TlsSession>(TlsContext::client(c));
    serverSession_ = std::make_unique<TlsSession>(TlsContext::server(s));
    Buffer none;
    EXPECT_EQ(client_->receive(nullptr, 0, none), Status::Ok);  // The ClientHello.
    return pump(*client_, *serverSession_, atClient_, atServer_);
  }

  testing_support::TempDir temp_{"tls_session_test"};
  const std::string dir_ = temp_.path.string();
  testing_support::TestPki pki_{dir_};
  // The server's certificate (signed by pki_.ca), and one of nobody's it has no key of.
  const testing_support::Credentials& server_ = pki_.server;
  const testing_support::Credentials& other_ = pki_.stranger;
  std::unique_ptr<TlsSession> client_, serverSession_;
  Buffer atClient_, atServer_;
};

TEST_F(Tls, HandshakeThenBytesBothWays) {
  const Pumped p = handshake(TlsContext::Options{}, serverOptions());
  ASSERT_EQ(p.client, Status::Ok) << client_->reason();
  ASSERT_EQ(p.server, Status::Ok) << serverSession_->reason();
  EXPECT_TRUE(client_->handshakeDone());
  EXPECT_TRUE(serverSession_->handshakeDone());
  EXPECT_EQ(serverSession_->protocol(), "TLSv1.3");
  ASSERT_EQ(client_->send("hello\r\n", 7), Status::Ok);
  pump(*client_, *serverSession_, atClient_, atServer_);
  EXPECT_EQ(atServer_.view(), "hello\r\n");
  ASSERT_EQ(serverSession_->send("world\r\n", 7), Status::Ok);
  pump(*client_, *serverSession_, atClient_, atServer_);
  EXPECT_EQ(atClient_.view(), "world\r\n");
}

TEST_F(Tls, WritesBeforeTheHandshakeEndGoOutAfterIt) {
  client_ = std::make_unique<TlsSession>(TlsContext::client(TlsContext::Options{}));
  serverSession_ = std::make_unique<TlsSession>(TlsContext::server(serverOptions()));
  ASSERT_EQ(client_->send("early", 5), Status::Ok);  // Starts the handshake too.
  EXPECT_FALSE(client_->handshakeDone());
  const Pumped p = pump(*client_, *serverSession_, atClient_, atServer_);
  ASSERT_EQ(p.server, Status::Ok) << serverSession_->reason();
  EXPECT_EQ(atServer_.view(), "early");
}

// 8 MiB each way in pieces of odd sizes: every byte arrives once and in order, through records,
// partial writes and a full BIO pair.
TEST_F(Tls, LargeTransfersArriveWholeAndInOrder) {
  ASSERT_EQ(handshake(TlsContext::Options{}, serverOptions()).server, Status::Ok);
  std::string big(8 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 31 + i / 7777) & 0xFF);
  for (std::size_t at = 0; at < big.size();) {
    const std::size_t n = std::min<std::size_t>(big.size() - at, 100000 + at % 70001);
    ASSERT_EQ(client_->send(big.data() + at, n), Status::Ok);
    ASSERT_EQ(serverSession_->send(big.data() + at, n), Status::Ok);
    at += n;
    pump(*client_, *serverSession_, atClient_, atServer_);
  }
  EXPECT_EQ(atServer_.size(), big.size());
  EXPECT_TRUE(atServer_.view() == big);
  EXPECT_TRUE(atClient_.view() == big);
}

TEST_F(Tls, CloseNotifyEndsTheStream) {
  ASSERT_EQ(handshake(TlsContext::Options{}, serverOptions()).server, Status::Ok);
  ASSERT_EQ(client_->send("last", 4), Status::Ok);
  client_->close();
  const Pumped p = pump(*client_, *serverSession_, atClient_, atServer_);
  EXPECT_EQ(p.server, Status::Closed);
  EXPECT_EQ(atServer_.view(), "last");  // What came before close_notify is delivered.
}

TEST_F(Tls, PlainTextInsteadOfAClientHelloFailsWithAReason) {
  TlsSession server(TlsContext::server(serverOptions()));
  Buffer plain;
  const std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(server.receive(http.data(), http.size(), plain), Status::Failed);
  EXPECT_NE(server.reason().find("TLS handshake failed"), std::string::npos) << server.reason();
  EXPECT_TRUE(plain.empty());
  EXPECT_EQ(server.receive("x", 1, plain), Status::Failed);  // And stays failed.
}

TEST_F(Tls, AClientHelloInPiecesIsWaitedFor) {
  TlsSession client(TlsContext::client(TlsContext::Options{}));
  TlsSession server(TlsContext::server(serverOptions()));
  Buffer none, hello;
  ASSERT_EQ(client.receive(nullptr, 0, none), Status::Ok);
  client.takeOutput(hello);
  ASSERT_GT(hello.size(), 10u);
  for (std::size_t i = 0; i < hello.size(); ++i) {  // One byte at a time: never a failure.
    ASSERT_EQ(server.receive(hello.data() + i, 1, none), Status::Ok) << "byte " << i << ": " << server.reason();
  }
  EXPECT_TRUE(server.hasOutput());  // Its ServerHello.
}

TEST_F(Tls, OlderVersionsAreRefusedUnlessAskedFor) {
  TlsContext::Options old;
  old.minVersion = TlsVersion::Tls10;
  old.maxVersion = TlsVersion::Tls11;
  const Pumped p = handshake(old, serverOptions());
  EXPECT_TRUE(p.server == Status::Failed || p.client == Status::Failed);
  EXPECT_FALSE(serverSession_->handshakeDone());
  EXPECT_NE((serverSession_->reason() + client_->reason()).find("version"), std::string::npos)
      << serverSession_->reason() << " / " << client_->reason();
}

TEST_F(Tls, APeerCertificateIsVerifiedAgainstTheCaFile) {
  TlsContext::Options trusting;
  trusting.verifyPeer = true;
  trusting.caFile = pki_.ca.cert;  // The CA that signed the server's certificate.
  Pumped p = handshake(trusting, serverOptions());
  EXPECT_EQ(p.client, Status::Ok) << client_->reason();
  EXPECT_TRUE(client_->handshakeDone());

  TlsContext::Options strict;
  strict.verifyPeer = true;
  strict.caFile = other_.cert;  // Trusts someone else only.
  p = handshake(strict, serverOptions());
  EXPECT_EQ(p.client, Status::Failed);
  EXPECT_NE(client_->reason().find("certificate verify failed"), std::string::npos) << client_->reason();
}

TEST_F(Tls, ABadConfigurationNamesWhatIsWrong) {
  TlsContext::Options o = serverOptions();
  o.certFile = dir_ + "/missing.crt";
  try {
    TlsContext::server(o);
    ADD_FAILURE() << "a missing certificate file was accepted";
  } catch (const TlsError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.crt"), std::string::npos) << e.what();
  }
  o = serverOptions();
  o.keyFile = other_.key;  // Not the certificate's key.
  try {
    TlsContext::server(o);
    ADD_FAILURE() << "a key that does not match the certificate was accepted";
  } catch (const TlsError& e) {
    EXPECT_NE(std::string(e.what()).find("does not match"), std::string::npos) << e.what();
  }
  EXPECT_THROW(TlsContext::server(TlsContext::Options{}), TlsError);  // A server needs a certificate.
}

// An encrypted key (Indy's OnGetPassword): loaded with the right password, refused with a wrong
// one, and without a password handler refused at once with the reason, never prompted for.
TEST_F(Tls, AnEncryptedKeyNeedsItsPassword) {
  TlsContext::Options o = serverOptions();
  o.keyFile = pki_.serverLocked.key;
  int asked = 0;
  o.onGetPassword = [&] {
    ++asked;
    return std::string(testing_support::TestPki::kKeyPassword);
  };
  const Pumped p = handshake(TlsContext::Options{}, o);
  EXPECT_EQ(p.server, Status::Ok) << serverSession_->reason();
  EXPECT_TRUE(serverSession_->handshakeDone());
  EXPECT_GE(asked, 1);

  o.onGetPassword = [] { return std::string("not the password"); };
  try {
    TlsContext::server(o);
    ADD_FAILURE() << "a wrong password was accepted";
  } catch (const TlsError& e) {
    EXPECT_NE(std::string(e.what()).find("server-locked.key"), std::string::npos) << e.what();
  }
  o.onGetPassword = nullptr;
  try {
    TlsContext::server(o);
    ADD_FAILURE() << "an encrypted key without a password handler was accepted";
  } catch (const TlsError& e) {
    EXPECT_NE(std::string(e.what()).find("OnGetPassword"), std::string::npos) << e.what();
  }
  o.onGetPassword = []() -> std::string { throw std::runtime_error("vault closed"); };
  try {
    TlsContext::server(o);
    ADD_FAILURE() << "a password handler that raised was taken as no password";
  } catch (const TlsError& e) {
    EXPECT_NE(std::string(e.what()).find("vault closed"), std::string::npos) << e.what();
  }
}

// OnVerifyPeer sees each certificate of the chain, the CA's first (depth 1, then 0), with
// OpenSSL's verdict; what it returns decides, as in Indy: it can refuse a certificate OpenSSL
// accepts and accept one OpenSSL refuses.
TEST_F(Tls, OnVerifyPeerSeesTheChainAndDecides) {
  struct Seen {
    PeerCertificate cert;
    bool ok;
    int depth, error;
  };
  std::vector<Seen> seen;
  TlsContext::Options c;
  c.verifyPeer = true;
  c.caFile = pki_.ca.cert;
  c.onVerifyPeer = [&](const PeerCertificate& cert, bool ok, int depth, int error) {
    seen.push_back({cert, ok, depth, error});
    return ok;
  };
  Pumped p = handshake(c, serverOptions());
  ASSERT_EQ(p.client, Status::Ok) << client_->reason();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].depth, 1);
  EXPECT_EQ(seen[0].cert.subject, "/CN=test CA");
  EXPECT_EQ(seen[1].depth, 0);
  EXPECT_TRUE(seen[1].ok);
  EXPECT_EQ(seen[1].error, 0);
  EXPECT_EQ(seen[1].cert.subject, "/CN=localhost");
  EXPECT_EQ(seen[1].cert.issuer, "/CN=test CA");
  EXPECT_EQ(seen[1].cert.version, 2);  // X.509 v3.
  EXPECT_EQ(seen[1].cert.sha256.size(), 32u * 3 - 1);  // "AB:CD:..."
  EXPECT_EQ(seen[1].cert.md5.size(), 16u * 3 - 1);
  EXPECT_FALSE(seen[1].cert.serialNumber.empty());
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  EXPECT_LT(seen[1].cert.notBefore, now);
  EXPECT_GT(seen[1].cert.notAfter, now);

  c.onVerifyPeer = [](const PeerCertificate& cert, bool ok, int, int) { return ok && cert.subject != "/CN=localhost"; };
  p = handshake(c, serverOptions());
  EXPECT_EQ(p.client, Status::Failed) << "the handler refused the server's certificate";
  EXPECT_NE(client_->reason().find("certificate verify failed"), std::string::npos) << client_->reason();

  c.caFile = other_.cert;  // OpenSSL refuses the server's certificate: no CA of this file signed it...
  int refusedByOpenSsl = 0;
  c.onVerifyPeer = [&](const PeerCertificate&, bool ok, int, int error) {
    if (!ok && error != 0) ++refusedByOpenSsl;
    return true;  // ...and the handler accepts it anyway.
  };
  p = handshake(c, serverOptions());
  EXPECT_EQ(p.client, Status::Ok) << client_->reason();
  EXPECT_GE(refusedByOpenSsl, 1);

  c.onVerifyPeer = [](const PeerCertificate&, bool, int, int) -> bool { throw std::runtime_error("broken handler"); };
  p = handshake(c, serverOptions());
  EXPECT_EQ(p.client, Status::Failed) << "a handler that raised accepted a certificate";
}

// SNI: a client that names a host of one of the server's further certificates gets that one
// (exact names and "*." wildcards, without case); any other name, or none, gets the default one.
TEST_F(Tls, SniPicksTheCertificateOfTheNameTheClientAsks) {
  TlsContext::Options s = serverOptions();
  s.sniCertificates.push_back({"Other.Test", other_.cert, other_.key});
  s.sniCertificates.push_back({"*.wild.test", other_.cert, other_.key});
  const auto issuerFor = [&](const std::string& host) {
    std::string issuer = "none";
    TlsContext::Options c;
    c.verifyPeer = true;
    c.caFile = pki_.ca.cert;
    c.onVerifyPeer = [&](const PeerCertificate& cert, bool, int depth, int) {
      if (depth == 0) issuer = cert.issuer;
      return true;  // Whatever OpenSSL says of the name: the test looks at which certificate came.
    };
    client_ = std::make_unique<TlsSession>(TlsContext::client(c));
    client_->setPeerName(host);
    serverSession_ = std::make_unique<TlsSession>(TlsContext::server(s));
    Buffer none;
    client_->receive(nullptr, 0, none);
    const Pumped p = pump(*client_, *serverSession_, atClient_, atServer_);
    EXPECT_EQ(p.client, Status::Ok) << host << ": " << client_->reason();
    return issuer;
  };
  const std::string ca = "/CN=test CA";         // The default certificate's issuer.
  const std::string self = "/CN=localhost";     // The other one is self-signed.
  EXPECT_EQ(issuerFor("other.test"), self);
  EXPECT_EQ(issuerFor("OTHER.test"), self);
  EXPECT_EQ(issuerFor("a.wild.test"), self);
  EXPECT_EQ(issuerFor("wild.test"), ca);        // The wildcard wants one label in front.
  EXPECT_EQ(issuerFor("a.b.wild.test"), ca);    // ... and only one.
  EXPECT_EQ(issuerFor("localhost"), ca);
  EXPECT_EQ(issuerFor(""), ca);                 // No SNI at all.

  s.sniCertificates.push_back({"broken.test", other_.cert, pki_.server.key});  // Not its key.
  try {
    TlsContext::server(s);
    ADD_FAILURE() << "an SNI certificate with the wrong key was accepted";
  } catch (const TlsError& e) {
    EXPECT_NE(std::string(e.what()).find("SNI certificate for 'broken.test'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace iocp_native
