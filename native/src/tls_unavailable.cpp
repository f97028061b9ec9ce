// A build without a TLS library: a TLS context is refused with the reason, so nothing can start a
// session (StreamConnection::beginTls needs a context). The session's members exist for the
// linker only and are never reached.
#include <cstdlib>

#include "tls_session.h"

namespace iocp_native {

namespace {
[[noreturn]] void unreachable() { std::abort(); }
constexpr const char* kWhy = "TLS is not available in this build (it was built without OpenSSL 3)";
}  // namespace

std::shared_ptr<TlsContext> TlsContext::server(const Options&) { throw TlsError(kWhy); }
std::shared_ptr<TlsContext> TlsContext::client(const Options&) { throw TlsError(kWhy); }
struct TlsContext::Hooks {};
TlsContext::~TlsContext() = default;

TlsSession::TlsSession(std::shared_ptr<TlsContext>) { unreachable(); }
TlsSession::~TlsSession() = default;
void TlsSession::setPeerName(const std::string&) { unreachable(); }
TlsSession::Status TlsSession::receive(const char*, std::size_t, Buffer&) { unreachable(); }
TlsSession::Status TlsSession::send(const char*, std::size_t) { unreachable(); }
void TlsSession::close() { unreachable(); }
bool TlsSession::hasOutput() const { unreachable(); }
void TlsSession::takeOutput(Buffer&) { unreachable(); }
bool TlsSession::handshakeDone() const { unreachable(); }
std::string TlsSession::protocol() const { unreachable(); }

}  // namespace iocp_native
