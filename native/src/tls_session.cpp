// TlsContext and TlsSession (tls_session.h) over OpenSSL 3: a BIO pair stands in for the socket.
#include "tls_session.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <memory>

#include "tls_library.h"

namespace iocp_native {

namespace {

SSL_CTX* ctxOf(void* p) { return static_cast<SSL_CTX*>(p); }
SSL* sslOf(void* p) { return static_cast<SSL*>(p); }
BIO* bioOf(void* p) { return static_cast<BIO*>(p); }

// OpenSSL's error queue of this thread as one line (and emptied), or `fallback` when it is empty.
std::string openSslErrors(const std::string& fallback) {
  std::string text;
  while (const unsigned long e = ERR_get_error()) {
    std::array<char, 256> line{};
    ERR_error_string_n(e, line.data(), line.size());
    text += (text.empty() ? "" : "; ") + std::string(line.data());
  }
  return text.empty() ? fallback : text;
}

int versionOf(TlsVersion v) {
  switch (v) {
    case TlsVersion::Tls10: return TLS1_VERSION;
    case TlsVersion::Tls11: return TLS1_1_VERSION;
    case TlsVersion::Tls12: return TLS1_2_VERSION;
    case TlsVersion::Tls13: return TLS1_3_VERSION;
  }
  return TLS1_2_VERSION;
}

// A certificate's validity period as text ("Jan  1 00:00:00 2020 GMT").
std::string timeText(const ASN1_TIME* t) {
  BIO* mem = BIO_new(BIO_s_mem());
  if (!mem) return "?";
  ASN1_TIME_print(mem, t);
  char* data = nullptr;
  const long n = BIO_get_mem_data(mem, &data);
  std::string text(data ? data : "", n > 0 ? static_cast<std::size_t>(n) : 0);
  BIO_free(mem);
  return text;
}

// A certificate outside its validity period is refused when it is loaded (a renewal that went
// wrong shows at once, not as handshakes failing on every client).
void checkValidity(X509* cert, const std::string& file) {
  if (!cert) return;
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0) {
    throw TlsError("certificate file '" + file + "': the certificate expired on " + timeText(X509_get0_notAfter(cert)));
  }
  if (X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0) {
    throw TlsError("certificate file '" + file + "': the certificate is not valid before " +
                   timeText(X509_get0_notBefore(cert)));
  }
}

// A host name as SNI compares it: ASCII letters in lower case.
std::string lowerAscii(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Bytes as Indy shows them: upper-case hex pairs joined by colons.
std::string hexWithColons(const unsigned char* data, std::size_t length) {
  std::string text;
  for (std::size_t i = 0; i < length; ++i) {
    char pair[4];
    std::snprintf(pair, sizeof pair, "%02X", static_cast<unsigned>(data[i]));
    if (i != 0) text += ':';
    text += pair;
  }
  return text;
}

std::string nameLine(const X509_NAME* name) {
  if (!name) return "";
  std::array<char, 2048> line{};
  return X509_NAME_oneline(name, line.data(), static_cast<int>(line.size())) ? std::string(line.data()) : "";
}

// Seconds since 1970-01-01 UTC (OpenSSL's own arithmetic: timegm is not on every platform).
std::int64_t secondsOf(const ASN1_TIME* t) {
  if (!t) return 0;
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> epoch(ASN1_TIME_set(nullptr, 0), &ASN1_TIME_free);
  int days = 0;
  int seconds = 0;
  if (!epoch || ASN1_TIME_diff(&days, &seconds, epoch.get(), t) != 1) return 0;
  return static_cast<std::int64_t>(days) * 86400 + seconds;
}

std::string fingerprint(X509* cert, const EVP_MD* md) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (X509_digest(cert, md, digest.data(), &length) != 1) return "";
  return hexWithColons(digest.data(), length);
}

PeerCertificate describe(X509* cert) {
  PeerCertificate c;
  if (!cert) return c;
  c.subject = nameLine(X509_get_subject_name(cert));
  c.issuer = nameLine(X509_get_issuer_name(cert));
  if (const ASN1_INTEGER* serial = X509_get0_serialNumber(cert)) {
    c.serialNumber = hexWithColons(ASN1_STRING_get0_data(serial), static_cast<std::size_t>(ASN1_STRING_length(serial)));
  }
  c.md5 = fingerprint(cert, EVP_md5());
  c.sha1 = fingerprint(cert, EVP_sha1());
  c.sha256 = fingerprint(cert, EVP_sha256());
  c.notBefore = secondsOf(X509_get0_notBefore(cert));
  c.notAfter = secondsOf(X509_get0_notAfter(cert));
  c.version = X509_get_version(cert);
  return c;
}

constexpr const char* kAeadCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

}  // namespace

// The user's callbacks, reached from OpenSSL's: the context's ex_data slot holds a pointer here.
struct TlsContext::Hooks {
  std::function<bool(const PeerCertificate&, bool, int, int)> onVerifyPeer;
  std::function<std::string()> onGetPassword;
  std::string passwordError;  // What onGetPassword threw, for the load's message.
  // SNI: host names (lower case) and the contexts that serve them, owned here.
  std::vector<std::pair<std::string, SSL_CTX*>> sni;

  Hooks() = default;
  Hooks(const Hooks&) = delete;
  Hooks& operator=(const Hooks&) = delete;
  ~Hooks() {
    for (auto& entry : sni) SSL_CTX_free(entry.second);
  }

  // "*.example.com" matches one label in front of example.com; anything else matches itself.
  static bool matches(const std::string& pattern, const std::string& name) {
    if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
      const std::size_t dot = name.find('.');
      return dot != std::string::npos && dot > 0 && name.compare(dot, std::string::npos, pattern, 1) == 0;
    }
    return pattern == name;
  }

  // The servername callback: the context of the first SNI certificate whose name matches.
  static int serverName(SSL* ssl, int* /*alert*/, void* arg) {
    const Hooks* hooks = static_cast<const Hooks*>(arg);
    const char* asked = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!hooks || !asked) return SSL_TLSEXT_ERR_NOACK;  // No SNI: the default certificate.
    const std::string name = lowerAscii(asked);
    for (const auto& entry : hooks->sni) {
      if (matches(entry.first, name)) {
        SSL_set_SSL_CTX(ssl, entry.second);
        return SSL_TLSEXT_ERR_OK;
      }
    }
    return SSL_TLSEXT_ERR_NOACK;  // A name of no SNI certificate: the default one.
  }

  static int slot() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
  }

  // SSL_CTX_set_verify's callback: the user's verdict on each certificate of the chain.
  static int verify(int ok, X509_STORE_CTX* store) {
    SSL* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    const Hooks* hooks = ssl ? static_cast<const Hooks*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), slot())) : nullptr;
    if (!hooks || !hooks->onVerifyPeer) return ok;
    try {
      const PeerCertificate cert = describe(X509_STORE_CTX_get_current_cert(store));
      const bool accepted = hooks->onVerifyPeer(cert, ok == 1, X509_STORE_CTX_get_error_depth(store),
                                                X509_STORE_CTX_get_error(store));
      if (accepted) {
        X509_STORE_CTX_set_error(store, X509_V_OK);  // Accepted by the handler: not an error any more.
        return 1;
      }
      if (ok == 1) X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
      return 0;
    } catch (...) {
      X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
      return 0;
    }
  }

  // The PEM password callback: the user's password, or none (never a prompt on the terminal).
  static int password(char* buf, int size, int /*rwflag*/, void* user) {
    Hooks* hooks = static_cast<Hooks*>(user);
    if (!hooks || !hooks->onGetPassword || size <= 0) return 0;
    try {
      const std::string p = hooks->onGetPassword();
      const std::size_t n = p.size() < static_cast<std::size_t>(size) ? p.size() : static_cast<std::size_t>(size);
      std::memcpy(buf, p.data(), n);
      return static_cast<int>(n);
    } catch (const std::exception& e) {
      hooks->passwordError = e.what();
    } catch (...) {
      hooks->passwordError = "an unknown exception";
    }
    return -1;
  }
};

namespace {

// The settings both sides share; throws TlsError (the context is freed by the caller's guard).
void configure(SSL_CTX* ctx, const TlsContext::Options& o, bool server, TlsContext::Hooks& hooks) {
  const auto check = [](bool ok, const std::string& what) {
    if (!ok) throw TlsError(what + ": " + openSslErrors("refused"));
  };
  check(SSL_CTX_set_min_proto_version(ctx, versionOf(o.minVersion)) == 1, "minimum TLS version");
  check(SSL_CTX_set_max_proto_version(ctx, versionOf(o.maxVersion)) == 1, "maximum TLS version");
  // TLS 1.0 and 1.1 only when asked for: OpenSSL's default security level refuses them.
  if (o.minVersion < TlsVersion::Tls12) SSL_CTX_set_security_level(ctx, 0);
  if (!o.cipherList.empty()) {
    check(SSL_CTX_set_cipher_list(ctx, o.cipherList.c_str()) == 1, "cipher list '" + o.cipherList + "'");
  } else if (o.minVersion >= TlsVersion::Tls12) {
    // TLS 1.2 without a list of the user's: AEAD ciphers with forward secrecy only (Mozilla's
    // "intermediate" choice), none of the CBC suites OpenSSL's default still offers. TLS 1.3's
    // suites are all AEAD. Asking for TLS 1.0/1.1 keeps OpenSSL's default (they have no AEAD).
    check(SSL_CTX_set_cipher_list(ctx, kAeadCiphers) == 1, "the default cipher list");
  }
  // A peer's renegotiation request (TLS 1.2) is refused; partial writes let send() hand over
  // what the memory BIO takes; idle connections give their record buffers back.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  if (!o.certFile.empty()) {
    check(SSL_CTX_use_certificate_chain_file(ctx, o.certFile.c_str()) == 1, "certificate file '" + o.certFile + "'");
    checkValidity(SSL_CTX_get0_certificate(ctx), o.certFile);
  } else if (server) {
    throw TlsError("a TLS server needs a certificate file");
  }
  // An encrypted key asks this callback for its password: the user's OnGetPassword, or none
  // (OpenSSL's default would prompt on the terminal and wait there).
  SSL_CTX_set_default_passwd_cb(ctx, &TlsContext::Hooks::password);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, &hooks);
  if (!o.keyFile.empty()) {
    if (SSL_CTX_use_PrivateKey_file(ctx, o.keyFile.c_str(), SSL_FILETYPE_PEM) != 1) {
      const bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
      if (!hooks.passwordError.empty()) {
        ERR_clear_error();
        throw TlsError("key file '" + o.keyFile + "': the password handler raised: " + hooks.passwordError);
      }
      check(false, "key file '" + o.keyFile + "'" + (mismatch ? " does not match the certificate"
                                                     : o.onGetPassword ? " (or its password)"
                                                                       : " (an encrypted key needs OnGetPassword)"));
    }
    check(SSL_CTX_check_private_key(ctx) == 1, "key file '" + o.keyFile + "' does not match the certificate");
  } else if (server) {
    throw TlsError("a TLS server needs a key file");
  }
  if (!o.caFile.empty()) {
    check(SSL_CTX_load_verify_locations(ctx, o.caFile.c_str(), nullptr) == 1, "CA file '" + o.caFile + "'");
    if (server) {  // The CAs a client may choose its certificate by.
      if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.caFile.c_str())) SSL_CTX_set_client_CA_list(ctx, names);
    }
  }
  if (o.verifyPeer) {
    if (o.caFile.empty()) throw TlsError("verifying the peer needs a CA file");
    int mode = SSL_VERIFY_PEER;
    if (server && o.requirePeerCertificate) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    if (server && o.verifyOnce) mode |= SSL_VERIFY_CLIENT_ONCE;
    SSL_CTX_set_verify(ctx, mode, o.onVerifyPeer ? &TlsContext::Hooks::verify : nullptr);
    if (o.verifyDepth > 0) SSL_CTX_set_verify_depth(ctx, o.verifyDepth);
  }
}

// A configured context; throws TlsError.
SSL_CTX* make(const TlsContext::Options& o, bool server, TlsContext::Hooks& hooks) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (!ctx) throw TlsError("cannot create a TLS context: " + openSslErrors("out of memory"));
  try {
    if (TlsContext::Hooks::slot() < 0 || SSL_CTX_set_ex_data(ctx, TlsContext::Hooks::slot(), &hooks) != 1) {
      throw TlsError("cannot create a TLS context: " + openSslErrors("no ex_data slot"));
    }
    configure(ctx, o, server, hooks);
  } catch (...) {
    SSL_CTX_free(ctx);
    throw;
  }
  return ctx;
}

std::unique_ptr<TlsContext::Hooks> hooksOf(const TlsContext::Options& o) {
  auto hooks = std::make_unique<TlsContext::Hooks>();
  hooks->onVerifyPeer = o.onVerifyPeer;
  hooks->onGetPassword = o.onGetPassword;
  return hooks;
}

// A server's SNI certificates: one context each, configured as the default one but for the
// certificate and key, and the callback that picks among them. Throws TlsError naming the entry.
void addSni(SSL_CTX* ctx, const TlsContext::Options& o, TlsContext::Hooks& hooks) {
  if (o.sniCertificates.empty()) return;
  for (std::size_t i = 0; i < o.sniCertificates.size(); ++i) {
    const SniCertificate& c = o.sniCertificates[i];
    const std::string name = lowerAscii(c.hostName);
    if (name.empty()) throw TlsError("SNI certificate " + std::to_string(i + 1) + ": no host name");
    TlsContext::Options one = o;
    one.certFile = c.certFile;
    one.keyFile = c.keyFile;
    one.sniCertificates.clear();
    try {
      hooks.sni.emplace_back(name, make(one, true, hooks));
    } catch (const TlsError& e) {
      throw TlsError("SNI certificate for '" + c.hostName + "': " + e.what());
    }
  }
  SSL_CTX_set_tlsext_servername_callback(ctx, &TlsContext::Hooks::serverName);
  SSL_CTX_set_tlsext_servername_arg(ctx, &hooks);
}

constexpr std::size_t kChunk = 16 * 1024;  // Bytes moved through the BIO pair at a time.
constexpr std::size_t kMinRoom = 1024;     // The least room a decrypting read asks the input for.

}  // namespace

// --- TlsContext ---------------------------------------------------------------------------------

TlsContext::TlsContext(void* ctx, bool server, std::unique_ptr<Hooks> hooks)
    : ctx_(ctx), server_(server), hooks_(std::move(hooks)) {}

std::shared_ptr<TlsContext> TlsContext::server(const Options& options) {
  requireTlsLibrary();
  std::unique_ptr<Hooks> hooks = hooksOf(options);
  SSL_CTX* ctx = make(options, true, *hooks);
  try {
    addSni(ctx, options, *hooks);
  } catch (...) {
    SSL_CTX_free(ctx);
    throw;
  }
  return std::shared_ptr<TlsContext>(new TlsContext(ctx, true, std::move(hooks)));
}

std::shared_ptr<TlsContext> TlsContext::client(const Options& options) {
  requireTlsLibrary();
  std::unique_ptr<Hooks> hooks = hooksOf(options);
  SSL_CTX* ctx = make(options, false, *hooks);
  return std::shared_ptr<TlsContext>(new TlsContext(ctx, false, std::move(hooks)));
}

TlsContext::~TlsContext() { SSL_CTX_free(ctxOf(ctx_)); }

// --- TlsSession ---------------------------------------------------------------------------------

TlsSession::TlsSession(std::shared_ptr<TlsContext> context) : context_(std::move(context)) {
  ERR_clear_error();
  SSL* ssl = SSL_new(ctxOf(context_->ctx_));
  BIO* inner = nullptr;
  BIO* network = nullptr;
  if (!ssl || BIO_new_bio_pair(&inner, kChunk, &network, kChunk) != 1) {
    SSL_free(ssl);
    throw TlsError("cannot create a TLS session: " + openSslErrors("out of memory"));
  }
  SSL_set_bio(ssl, inner, inner);  // The session owns its end of the pair.
  if (context_->server_) SSL_set_accept_state(ssl);
  else SSL_set_connect_state(ssl);
  ssl_ = ssl;
  network_ = network;
}

TlsSession::~TlsSession() {
  SSL_free(sslOf(ssl_));  // Frees its end of the pair.
  BIO_free(bioOf(network_));
}

void TlsSession::setPeerName(const std::string& host) {
  SSL* ssl = sslOf(ssl_);
  if (host.empty()) return;
  SSL_set_tlsext_host_name(ssl, host.c_str());
  if (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) SSL_set1_host(ssl, host.c_str());
}

bool TlsSession::handshakeDone() const { return SSL_is_init_finished(sslOf(ssl_)) == 1; }

std::string TlsSession::protocol() const { return handshakeDone() ? SSL_get_version(sslOf(ssl_)) : ""; }

bool TlsSession::hasOutput() const { return !output_.empty() || BIO_ctrl_pending(bioOf(network_)) > 0; }

void TlsSession::drain() {
  BIO* network = bioOf(network_);
  while (const std::size_t n = BIO_ctrl_pending(network)) {
    const std::size_t want = n < kChunk ? n : kChunk;
    char* dst = output_.prepare(want);
    const int got = BIO_read(network, dst, static_cast<int>(want));
    if (got <= 0) break;
    output_.commit(static_cast<std::size_t>(got));
  }
}

void TlsSession::takeOutput(Buffer& out) {
  drain();
  out.append(output_.view());
  output_.clear();
}

TlsSession::Status TlsSession::fail(const char* where) {
  failed_ = true;
  reason_ = std::string("TLS ") + where + " failed: " + openSslErrors("the peer's data is not TLS");
  return Status::Failed;
}

// Plaintext kept during the handshake, encrypted once it is done.
TlsSession::Status TlsSession::flushPending() {
  if (pending_.empty() || !handshakeDone()) return Status::Ok;
  std::string bytes;
  bytes.swap(pending_);
  return send(bytes.data(), bytes.size());
}

TlsSession::Status TlsSession::receive(const char* bytes, std::size_t n, Buffer& plain) {
  if (failed_) return Status::Failed;
  SSL* ssl = sslOf(ssl_);
  BIO* network = bioOf(network_);
  ERR_clear_error();
  std::size_t fed = 0;
  for (;;) {
    // What the pair takes now; the rest after the session has consumed some.
    while (fed < n) {
      const int w = BIO_write(network, bytes + fed, static_cast<int>(std::min(n - fed, kChunk)));
      if (w <= 0) break;
      fed += static_cast<std::size_t>(w);
    }
    bool wroteOut = false;  // The session waited for room in the pair's outgoing side.
    if (!handshakeDone()) {
      const int r = SSL_do_handshake(ssl);
      if (r <= 0) {
        const int e = SSL_get_error(ssl, r);
        if (e == SSL_ERROR_WANT_WRITE) wroteOut = true;
        else if (e != SSL_ERROR_WANT_READ) return fail("handshake");
      }
      if (handshakeDone() && flushPending() == Status::Failed) return Status::Failed;
    }
    if (handshakeDone()) {
      // Room for what these bytes can hold, not a whole record's worth: an emptied input buffer
      // gives its storage back, and a fresh one is zero-filled as large as asked. A record larger
      // than this (sent in several pieces) is read in several steps of the same loop.
      const std::size_t room = std::min(kChunk, std::max<std::size_t>(n + SSL_pending(ssl), kMinRoom));
      for (;;) {
        char* dst = plain.prepare(room);
        const int r = SSL_read(ssl, dst, static_cast<int>(room));
        if (r > 0) {
          plain.commit(static_cast<std::size_t>(r));
          continue;
        }
        const int e = SSL_get_error(ssl, r);
        if (e == SSL_ERROR_ZERO_RETURN) return Status::Closed;
        if (e == SSL_ERROR_WANT_WRITE) wroteOut = true;
        else if (e != SSL_ERROR_WANT_READ) return fail("record");
        break;
      }
    }
    drain();  // What the session wrote (handshake records, alerts) waits in output_.
    if (wroteOut) continue;  // There is room now: let it go on.
    if (fed == n) return Status::Ok;
    // The pair was full: it has room again only if the session consumed something. A peer that
    // sends more than a record without letting us answer cannot stall this: records are read
    // whole, and the outgoing side (takeOutput) is a separate buffer of the pair.
    if (BIO_ctrl_get_write_guarantee(network) == 0) return fail("receive (no progress)");
  }
}

TlsSession::Status TlsSession::send(const char* bytes, std::size_t n) {
  if (failed_) return Status::Failed;
  if (!handshakeDone()) {
    pending_.append(bytes, n);
    Buffer none;  // Advance the handshake (a client's first call sends its ClientHello).
    return receive(nullptr, 0, none);
  }
  SSL* ssl = sslOf(ssl_);
  ERR_clear_error();
  std::size_t done = 0;
  while (done < n) {
    const int w = SSL_write(ssl, bytes + done, static_cast<int>(std::min(n - done, kChunk)));
    if (w > 0) {
      done += static_cast<std::size_t>(w);
      continue;
    }
    const int e = SSL_get_error(ssl, w);
    if (e != SSL_ERROR_WANT_WRITE) return fail("send");
    drain();  // The pair's outgoing side is full: move it out, so the next record fits.
  }
  drain();
  return Status::Ok;
}

void TlsSession::close() {
  if (failed_) return;
  ERR_clear_error();
  SSL_shutdown(sslOf(ssl_));  // Writes close_notify into the pair; the peer's is not awaited.
  drain();
}

}  // namespace iocp_native
