// The echo demo with --tls, tried with the TLS clients users have: OpenSSL's s_client, Python's
// ssl module and the component's own client. Certificates are made for the run.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "Iocp.h"
#include "demo_process.h"
#include "files.h"
#include "test_certificates.h"

namespace {

using testing_support::TempDir;
using testing_support::TestPki;

// The output of a shell command (stdout and stderr), run with a 20 s limit.
std::string run(const std::string& command) {
  std::string out;
  if (FILE* p = popen(("timeout 20 " + command + " 2>&1").c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  return out;
}

class EchoDemoTls : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(demo.start(ECHO_DEMO_PATH, {"--io", GetParam(), "--port", "0", "--tls", pki.server.cert.c_str(),
                                           pki.server.key.c_str()}))
        << "demo printed: " << demo.text;
    port = std::to_string(demo.port);
  }
  void TearDown() override { EXPECT_TRUE(demo.stop("echo server stopped")) << "demo printed: " << demo.text; }

  TempDir dir{"demo_tls"};
  TestPki pki{dir.path.string()};
  Demo demo;
  std::string port;
};
INSTANTIATE_TEST_SUITE_P(Engines, EchoDemoTls, ::testing::Values("iocp", "default"));

TEST_P(EchoDemoTls, SaysItServesTls) { EXPECT_NE(demo.text.find(" with TLS - "), std::string::npos) << demo.text; }

TEST_P(EchoDemoTls, OpenSslsClientVerifiesTheServerAndGetsItsLineBack) {
  // -quiet implies -ign_eof: s_client reads until the timeout ends it, after the echo.
  const std::string out = run("sh -c \"(printf 'hello s_client\\n'; sleep 1) | openssl s_client -connect 127.0.0.1:" +
                              port + " -servername localhost -CAfile " + pki.ca.cert +
                              " -verify_return_error -brief\"");
  EXPECT_NE(out.find("Protocol version: TLSv1.3"), std::string::npos) << out;
  EXPECT_NE(out.find("Verification: OK"), std::string::npos) << out;
  EXPECT_NE(out.find("hello s_client"), std::string::npos) << out;
}

TEST_P(EchoDemoTls, PythonsSslModuleVerifiesTheServerAndGetsItsLineBack) {
  const std::string script =
      "import socket, ssl\n"
      "ctx = ssl.create_default_context(cafile='" + pki.ca.cert + "')\n"
      "s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', " + port + ")), server_hostname='localhost')\n"
      "s.sendall(b'hello python\\r\\n')\n"
      "got = b''\n"
      "while not got.endswith(b'\\n'): got += s.recv(100)\n"
      "print(got.decode().strip(), s.version())\n"
      "s.unwrap()\n";
  const std::string file = (dir.path / "client.py").string();
  dir.write("client.py", script);
  EXPECT_EQ(run("python3 " + file), "hello python TLSv1.3\n");
}

TEST_P(EchoDemoTls, TlsOneOneAndPlainTextAreRefused) {
  const std::string old = run("sh -c \"echo | openssl s_client -connect 127.0.0.1:" + port +
                              " -tls1_1 -brief -CAfile " + pki.ca.cert + "\"");
  EXPECT_EQ(old.find("Protocol version"), std::string::npos) << old;  // No handshake.
  // The demo's own client without TLS: its plain line is no ClientHello, the server ends the
  // connection, and the client's read fails.
  Iocp::TIocpTCPClient plain;
  plain.ReadTimeout = 5000;
  plain.Connect("127.0.0.1", demo.port);
  plain.IOHandler->WriteLn("plain text");
  EXPECT_ANY_THROW(plain.IOHandler->ReadLn());
}

TEST_P(EchoDemoTls, TheDemosOwnClientWithTlsCa) {
  const std::string out = run(std::string("sh -c \"printf 'first\\nsecond\\n' | ") + ECHO_DEMO_PATH +
                              " --client --port " + port + " --tls-ca " + pki.ca.cert + "\"");
  EXPECT_NE(out.find("first\nsecond\n"), std::string::npos) << out;
}

}  // namespace
