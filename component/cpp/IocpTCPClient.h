// TIocpTCPClient: a blocking TCP client with Indy's TIdTCPClient members.
// Threads: NOT thread safe; use a client object from one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "IocpExceptions.h"
#include "IocpHeartbeat.h"
#include "IocpIOHandler.h"

namespace iocp {
class Connection;
}

namespace Iocp {

// TIocpTCPClient.Options.
struct TIocpClientOptions {
  // Disconnect sends Goodbye, shuts the sending side down and waits up to CleanDisconnectTimeout
  // ms for the server to close too, dropping what it still sends: the server sees a graceful
  // close at once ("peer closed"), never a reset. false: Disconnect just closes.
  bool CleanDisconnect = false;
  std::string Goodbye;               // e.g. "QUIT\r\n"; "" = none.
  int CleanDisconnectTimeout = 1000;  // ms.
};

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
  TIocpClientOptions Options;
  // Ping the server and give up on a dead one: checked while the client reads (ReadLn etc.);
  // a read then raises EIdNotConnected("... (heartbeat timeout)"). Set before Connect.
  TIocpHeartbeatOptions Heartbeat;
  std::function<void(TIocpTCPClient* ASender)> OnHeartbeat;  // A ping is due (inside a read).

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
