// TIocpTCPClient: a blocking TCP client with Indy's TIdTCPClient members.
// Threads: NOT thread safe; use a client object from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "IocpExceptions.h"
#include "IocpIOHandler.h"

namespace iocp {
class Connection;
}

namespace Iocp {

class TIocpTCPClient {
 public:
  TIocpTCPClient();
  ~TIocpTCPClient();  // Disconnects.
  TIocpTCPClient(const TIocpTCPClient&) = delete;
  TIocpTCPClient& operator=(const TIocpTCPClient&) = delete;

  std::string Host = "127.0.0.1";
  uint16_t Port = 0;
  int ConnectTimeout = 0;  // ms; 0 or less = the OS's own connect timeout.
  int ReadTimeout = 0;     // ms; copied to IOHandler->ReadTimeout on Connect; 0 = wait forever.
  bool UseNagle = true;    // false sets TCP_NODELAY.

  // Connect to Host:Port. Raises EIdConnectTimeout or EIdSocketError.
  void Connect();
  void Connect(const std::string& AHost, uint16_t APort);
  void Disconnect();       // Close the connection; harmless when not connected.
  bool Connected() const;  // See TIocpIOHandler::Connected.

  TIocpIOHandler* const IOHandler;  // Reads and writes; raises EIdNotConnected when not connected.
  TIocpIOHandler* const Socket;     // Indy's alias of IOHandler.

 private:
  TIocpIOHandler ioHandler_;
  std::unique_ptr<iocp::Connection> conn_;
};

}  // namespace Iocp
