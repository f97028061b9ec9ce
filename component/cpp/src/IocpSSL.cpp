// SSLOptions (IocpSSL.h) -> the engine's TLS context (iocp_native/tls.h).
#include "EngineOptions.h"

#include <cstdint>

namespace Iocp {

namespace {

using iocp_native::TlsVersion;

// The TLS versions of an SSLVersions set, lowest and highest. SSL 2.0 and 3.0 are names only;
// sslvSSLv23 (Indy's "negotiate") means every TLS version.
bool versionRange(TIdSSLVersions v, TlsVersion& lo, TlsVersion& hi) {
  if (v.Contains(sslvSSLv23)) v << sslvTLSv1 << sslvTLSv1_1 << sslvTLSv1_2 << sslvTLSv1_3;
  const struct {
    TIdSSLVersion name;
    TlsVersion version;
  } tls[] = {{sslvTLSv1, TlsVersion::Tls10}, {sslvTLSv1_1, TlsVersion::Tls11},
             {sslvTLSv1_2, TlsVersion::Tls12}, {sslvTLSv1_3, TlsVersion::Tls13}};
  bool any = false;
  for (const auto& t : tls) {
    if (!v.Contains(t.name)) continue;
    if (!any) lo = t.version;
    hi = t.version;
    any = true;
  }
  return any;
}

// Seconds since 1970 as a TDateTime (days since 1899-12-30).
double dateTimeOf(std::int64_t seconds) { return 25569.0 + static_cast<double>(seconds) / 86400.0; }

}  // namespace

std::shared_ptr<iocp_native::TlsContext> makeTlsContext(const TIocpSSLOptions& ssl, bool server,
                                                        const TIocpSSLEvents& events) {
  iocp_native::TlsContext::Options o;
  if (server && ssl.Mode == sslmClient) {
    throw EIocpConfigError("SSLOptions.Mode = sslmClient cannot serve: use sslmServer (or sslmBoth)", "SSLOptions.Mode");
  }
  if (!versionRange(ssl.SSLVersions, o.minVersion, o.maxVersion)) {
    throw EIocpConfigError("SSLOptions.SSLVersions names no TLS version (SSL 2.0 and 3.0 are not supported): "
                           "use sslvTLSv1_2 and sslvTLSv1_3", "SSLOptions.SSLVersions");
  }
  o.certFile = ssl.CertFile;
  o.keyFile = ssl.KeyFile;
  o.caFile = ssl.RootCertFile;
  o.cipherList = ssl.CipherList;
  o.verifyPeer = ssl.VerifyMode.Contains(sslvrfPeer);
  o.requirePeerCertificate = ssl.VerifyMode.Contains(sslvrfFailIfNoPeerCert);
  o.verifyOnce = ssl.VerifyMode.Contains(sslvrfClientOnce);
  o.verifyDepth = ssl.VerifyDepth;
  if (server) {
    for (const TIocpSNICertificate& c : ssl.SNICertificates) o.sniCertificates.push_back({c.HostName, c.CertFile, c.KeyFile});
  }
  if (events.OnGetPassword) {
    o.onGetPassword = [handler = events.OnGetPassword] {
      std::string password;
      handler(password);
      return password;
    };
  }
  if (events.OnVerifyPeer) {
    o.onVerifyPeer = [handler = events.OnVerifyPeer](const iocp_native::PeerCertificate& c, bool ok, int depth,
                                                     int error) {
      TIdX509 cert;
      cert.Subject->OneLine = c.subject;
      cert.Issuer->OneLine = c.issuer;
      cert.Fingerprints->MD5AsString = c.md5;
      cert.Fingerprints->SHA1AsString = c.sha1;
      cert.Fingerprints->SHA256AsString = c.sha256;
      cert.SerialNumber = c.serialNumber;
      cert.FingerprintAsString = c.md5;
      cert.notBefore = dateTimeOf(c.notBefore);
      cert.notAfter = dateTimeOf(c.notAfter);
      cert.Version = c.version;
      return handler(&cert, ok, depth, error);
    };
  }
  try {
    return server ? iocp_native::TlsContext::server(o) : iocp_native::TlsContext::client(o);
  } catch (const iocp_native::TlsError& e) {
    throw EIocpConfigError(std::string("SSLOptions: ") + e.what(), "SSLOptions");
  }
}

}  // namespace Iocp
