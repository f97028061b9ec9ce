// Certificates for TLS tests, made when a test runs (nothing is committed): a CA, a server
// certificate it signs (CN and subjectAltName localhost and 127.0.0.1), a client certificate it
// signs, an expired server certificate, and a self-signed one no CA vouches for. P-256 keys, PEM
// files in a directory of the caller's. Needs OpenSSL 3 (libssl-dev).
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <stdexcept>
#include <string>

namespace testing_support {

struct Credentials {
  std::string cert, key;  // PEM files.
};

class TestPki {
 public:
  explicit TestPki(const std::string& dir) : dir_(dir) {
    EVP_PKEY* caKey = EVP_EC_gen("P-256");
    X509* caCert = make("test CA", caKey, nullptr, nullptr, -60, 3600, true, "");
    ca = save("ca", caCert, caKey);
    server = issue("server", "localhost", caCert, caKey, -60, 3600, "DNS:localhost,IP:127.0.0.1,IP:::1");
    client = issue("client", "test client", caCert, caKey, -60, 3600, "");
    expired = issue("expired", "localhost", caCert, caKey, -7200, -3600, "DNS:localhost,IP:127.0.0.1");
    EVP_PKEY* strangerKey = EVP_EC_gen("P-256");
    X509* strangerCert = make("localhost", strangerKey, nullptr, nullptr, -60, 3600, false, "DNS:localhost,IP:127.0.0.1");
    stranger = save("stranger", strangerCert, strangerKey);
    serverLocked = locked(server, "server-locked");
    X509_free(strangerCert);
    EVP_PKEY_free(strangerKey);
    X509_free(caCert);
    EVP_PKEY_free(caKey);
  }

  Credentials ca;        // Self-signed; ca.cert is the RootCertFile that trusts the others.
  Credentials server;    // localhost / 127.0.0.1 / ::1, signed by ca.
  Credentials client;    // A client's certificate, signed by ca.
  Credentials expired;   // A server certificate that expired an hour ago, signed by ca.
  Credentials stranger;  // Self-signed for localhost: no CA vouches for it.
  Credentials serverLocked;  // server's certificate, its key encrypted with kKeyPassword (AES-256).
  static constexpr const char* kKeyPassword = "indy key password";

 private:
  // A certificate for `cn` with `key`, signed by issuer (null: self-signed), valid from `from` to
  // `to` seconds from now.
  static X509* make(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuerKey, long from, long to,
                    bool isCa, const std::string& altNames) {
    static long serial = 1;
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), from);
    X509_gmtime_adj(X509_getm_notAfter(x), to);
    X509_set_pubkey(x, key);
    X509_NAME* subject = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                               0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : subject);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, nullptr, nullptr, 0);
    const auto add = [&](int nid, const std::string& value) {
      if (X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str())) {
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
      }
    };
    add(NID_basic_constraints, isCa ? "critical,CA:TRUE" : "CA:FALSE");
    if (isCa) add(NID_key_usage, "critical,keyCertSign,cRLSign");
    add(NID_subject_key_identifier, "hash");
    if (!altNames.empty()) add(NID_subject_alt_name, altNames);
    if (!X509_sign(x, issuerKey ? issuerKey : key, EVP_sha256())) throw std::runtime_error("cannot sign a test certificate");
    return x;
  }

  Credentials issue(const std::string& name, const std::string& cn, X509* caCert, EVP_PKEY* caKey, long from, long to,
                    const std::string& altNames) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* x = make(cn, key, caCert, caKey, from, to, false, altNames);
    Credentials c = save(name, x, key);
    X509_free(x);
    EVP_PKEY_free(key);
    return c;
  }

  Credentials save(const std::string& name, X509* x, EVP_PKEY* key) const {
    Credentials c{dir_ + "/" + name + ".crt", dir_ + "/" + name + ".key"};
    FILE* f = std::fopen(c.cert.c_str(), "wb");
    if (!f) throw std::runtime_error("cannot write " + c.cert);
    PEM_write_X509(f, x);
    std::fclose(f);
    f = std::fopen(c.key.c_str(), "wb");
    if (!f) throw std::runtime_error("cannot write " + c.key);
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    return c;
  }

  // `c`'s certificate with a copy of its key encrypted under kKeyPassword, as `name`.key.
  Credentials locked(const Credentials& c, const std::string& name) const {
    Credentials out{c.cert, dir_ + "/" + name + ".key"};
    FILE* f = std::fopen(c.key.c_str(), "rb");
    if (!f) throw std::runtime_error("cannot read " + c.key);
    EVP_PKEY* key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (!key) throw std::runtime_error("cannot read the key in " + c.key);
    f = std::fopen(out.key.c_str(), "wb");
    if (!f) {
      EVP_PKEY_free(key);
      throw std::runtime_error("cannot write " + out.key);
    }
    const std::string password = kKeyPassword;
    PEM_write_PrivateKey(f, key, EVP_aes_256_cbc(), reinterpret_cast<const unsigned char*>(password.data()),
                         static_cast<int>(password.size()), nullptr, nullptr);
    std::fclose(f);
    EVP_PKEY_free(key);
    return out;
  }

  std::string dir_;
};

}  // namespace testing_support
