// A StreamConnection without a socket: each fill delivers the next scripted chunk; when none is
// left the peer has closed (closeAtEnd) or the read times out. For tests and fuzz targets of the
// blocking-style readers (readLine, readExact, waitFor) across every split of their input.
#pragma once

#include <deque>
#include <string>
#include <utility>

#include "stream_connection.h"

namespace iocp_test {

class ScriptedConnection final : public iocp_native::StreamConnection {
 public:
  using IoStatus = iocp_native::IoStatus;
  explicit ScriptedConnection(std::deque<std::string> chunks, bool closeAtEnd = false)
      : StreamConnection(1, iocp_native::Endpoint{}, iocp_native::Endpoint{}, nullptr),
        chunks_(std::move(chunks)),
        closeAtEnd_(closeAtEnd) {}
  void close() override {}
  int fills = 0;  // fillSome calls so far.

 protected:
  IoStatus fillSome(iocp_native::Clock::time_point, bool) override {
    ++fills;
    if (chunks_.empty()) return closeAtEnd_ ? peerClosed() : IoStatus::Timeout;
    input_.append(chunks_.front());
    chunks_.pop_front();
    return IoStatus::Ok;
  }
  IoStatus sendAll(const char*, std::size_t) override { return IoStatus::Ok; }
  IoStatus sendFromOutside(const char*, std::size_t) override { return IoStatus::Ok; }
  bool inHandler() const override { return true; }
  void interrupt() override {}
  void shutdownSend() override {}
  void sendPing(const std::string&) override {}

 private:
  std::deque<std::string> chunks_;
  bool closeAtEnd_;
};

}  // namespace iocp_test
