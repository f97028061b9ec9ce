// TIocpTCPClient: a blocking TCP client with Indy's TIdTCPClient members.
// Threads: NOT thread safe; use a client object from one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "IocpExceptions.h"
#include "IocpHeartbeat.h"
#include "IocpSSL.h"
#include "IocpIOHandler.h"

namespace iocp_native {
class ClientConnection;
}

namespace Iocp {

class TIocpTCPClient;
// VCL's TNotifyEvent for the client (Sender = the client that fires it).
using TIocpClientNotifyEvent = std::function<void(TIocpTCPClient* ASender)>;

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
  ~TIocpTCPClient();  // Closes the connection (as Disconnect, without OnDisconnected).
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
  TIocpClientNotifyEvent OnHeartbeat;     // A ping is due (inside a read, on the reading thread).
  // TLS (IocpSSL.h; Indy: TIdSSLIOHandlerSocketOpenSSL.SSLOptions): with Enabled, Connect runs the
  // handshake (unless PassThrough: then IOHandler->PassThrough = false does, STARTTLS). Host is
  // sent as SNI; with VerifyMode sslvrfPeer the server's certificate must chain to RootCertFile
  // and carry Host's name.
  TIocpSSLOptions SSLOptions;
  TPasswordEvent OnGetPassword;    // An encrypted KeyFile's password (asked by Connect, on its thread).
  TVerifyPeerEvent OnVerifyPeer;   // Each certificate of the server's chain (sslvrfPeer): the
                                   // result decides (Indy's); during Connect's handshake, an I/O thread.
  TIocpClientNotifyEvent OnConnected;     // After Connect succeeded (Connect's thread).
  TIocpClientNotifyEvent OnDisconnected;  // After Disconnect closed the connection (its thread).

  // Connect to Host:Port (closing an open connection first). Raises EIdConnectTimeout,
  // EIdSocketError, EIocpConfigError (SSLOptions) or EIdNotConnected (the TLS handshake failed).
  void Connect();
  void Connect(const std::string& AHost, uint16_t APort);
  // Close the connection; harmless when not connected. ANotifyPeer (the default) says goodbye
  // as Options ask (CleanDisconnect) and sends what is queued; false closes at once.
  void Disconnect(bool ANotifyPeer = true);
  bool Connected() const;  // See TIocpIOHandler::Connected.

  TIocpIOHandler* const IOHandler;  // Reads and writes; raises EIdNotConnected when not connected.
  TIocpIOHandler* const Socket;     // Indy's alias of IOHandler.

 private:
  void closeConnection(bool notifyPeer);  // Disconnect without the event (also the destructor).

  TIocpIOHandler ioHandler_;
  std::unique_ptr<iocp_native::ClientConnection> conn_;
};

}  // namespace Iocp
