#include "test_support.h"

#include <gtest/gtest.h>

namespace testing_support {

RawSocket::RawSocket(const std::string& ip, uint16_t port, int receiveBuffer) {
  connectRaw(ip, port, receiveBuffer);
  if (!valid() || !tlsTestMode()) return;
  startTls();
  finishHandshake();
}

RawSocket::RawSocket(const std::string& ip, uint16_t port, Plain) { connectRaw(ip, port, 0); }

RawSocket::RawSocket(const std::string& ip, uint16_t port, HandshakeLater) {
  connectRaw(ip, port, 0);
  if (valid() && tlsTestMode()) startTls();
}

RawSocket::RawSocket(const std::string& ip, uint16_t port, TlsAfter first) {
  connectRaw(ip, port, 0);
  if (!valid()) return;
  sendRaw(first.plain);
  startTls();
  finishHandshake();
}

RawSocket::~RawSocket() { close(); }

std::string RawSocket::recvLine(int timeoutMs) {
  const auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    const std::size_t pos = pending_.find("\r\n");
    if (pos != std::string::npos) {
      std::string line = pending_.substr(0, pos);
      pending_.erase(0, pos + 2);
      return line;
    }
    const int left = timeoutMs - static_cast<int>(msSince(t0));
    if (left <= 0) return {};
    const std::string more = recvSome(left);
    if (more.empty()) return {};
    pending_ += more;
  }
}

RawSocket::Received RawSocket::receive(int timeoutMs, std::string& got) {
  if (!pending_.empty()) {  // Left over from recvLine.
    got += pending_;
    pending_.clear();
    return Received::Bytes;
  }
  return tls_ ? receiveTls(timeoutMs, got) : receiveRaw(timeoutMs, got);
}

std::ostream& operator<<(std::ostream& os, RawSocket::Received r) {
  return os << (r == RawSocket::Received::Bytes ? "bytes" : r == RawSocket::Received::End ? "the end" : "nothing");
}

std::string RawSocket::recvSome(int timeoutMs) {
  std::string got;
  receive(timeoutMs, got);
  return got;
}

BareEchoServer::BareEchoServer(Model model, const std::string& ip, int backlog) : model_(model), ip_(ip) {
  listener_ = raw::listenOn(ip, backlog, &port_);
  if (listener_ < 0) {
    ADD_FAILURE() << "the bare reference server cannot listen on " << ip;
    return;
  }
  thread_ = std::thread([this] { run(); });
}

BareEchoServer::~BareEchoServer() {
  stop_ = true;
  if (thread_.joinable()) {
    // Wakes the blocking accept: a connection of our own, seen after the stop request.
    const raw::Socket wake = raw::connectTo(ip_, port_);
    thread_.join();
    if (wake >= 0) raw::close(wake);
  }
  for (std::thread& t : threads_) t.join();
  for (raw::Socket s : accepted_) raw::close(s);
  if (listener_ >= 0) raw::close(listener_);
}

// Plain blocking calls only, as the simplest server would make them (under Wine a sliced wait is
// a request to its server each time, and hundreds of threads waking often would measure Wine).
// Nothing here blocks for good in a test: a burst's client closes its sockets when it ends, which
// ends every read, and the destructor's own connection ends the accept.
void BareEchoServer::run() {
  while (!stop_) {
    const raw::Socket s = raw::accept(listener_);
    if (s < 0) continue;
    accepted_.push_back(s);
    if (stop_) break;
    if (model_ == Model::OneThread) {
      serve(s);
    } else {
      threads_.emplace_back([this, s] { serve(s); });
    }
  }
}

void BareEchoServer::serve(raw::Socket s) {
  std::string got;
  while (got.find('\n') == std::string::npos) {
    char buf[512];
    const long n = raw::recv(s, buf, sizeof buf);
    if (n <= 0) return;
    got.append(buf, static_cast<std::size_t>(n));
  }
  raw::send(s, got.data(), got.size());
  ++served_;
}

}  // namespace testing_support
