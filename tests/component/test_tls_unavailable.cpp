// A build without TLS: the component suites run plain only (test_support.h), RawSocket is a plain
// socket.
#include "test_support.h"

namespace testing_support {

bool tlsTestMode() { return false; }
void useTestServerTls(Iocp::TIocpSSLOptions&) {}
void useTestClientTls(Iocp::TIocpSSLOptions&) {}
void RawSocket::startTls() {}
void RawSocket::finishHandshake() {}
RawSocket::Received RawSocket::receiveTls(int timeoutMs, std::string& got) { return receiveRaw(timeoutMs, got); }
void RawSocket::send(const std::string& bytes) { sendRaw(bytes); }
bool RawSocket::sendUnlessClosed(const std::string& bytes) { return sendRaw(bytes, true); }
void RawSocket::close() { closeRaw(); }

}  // namespace testing_support
