// A connection on a blocking socket: the thread engine's connections and the client's.
#pragma once

#include <mutex>

#include "iocp/connection.h"
#include "socket_ops.h"

namespace iocp {

class BlockingConnection final : public Connection {
 public:
  BlockingConnection(uint64_t id, net::SocketHandle s, Endpoint peer, Endpoint local);
  ~BlockingConnection() override;
  void close() override;  // Handler only. Closes the socket. Idempotent.

 protected:
  IoStatus fillSome(Clock::time_point deadline, bool infinite) override;
  IoStatus sendAll(const char* bytes, std::size_t n) override;
  void interrupt() override;  // Any thread: shuts the socket down so blocked calls return.

 private:
  std::mutex mu_;  // Guards socket_ against close() racing interrupt().
  net::SocketHandle socket_;
};

}  // namespace iocp
