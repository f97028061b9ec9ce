#include "IocpTCPClient.h"
#include "EngineOptions.h"

#include <algorithm>
#include <cstring>

#include "iocp_native/engine.h"

namespace Iocp {

TIocpTCPClient::TIocpTCPClient() : IOHandler(&ioHandler_), Socket(&ioHandler_) {}

TIocpTCPClient::~TIocpTCPClient() { closeConnection(true); }

void TIocpTCPClient::Connect(const std::string& AHost, uint16_t APort) {
  Host = AHost;
  Port = APort;
  Connect();
}

void TIocpTCPClient::Connect() {
  Disconnect();  // Indy: connecting again first closes the old connection (OnDisconnected).
  std::shared_ptr<iocp_native::TlsContext> tls;
  if (SSLOptions.Enabled) tls = makeTlsContext(SSLOptions, false, {OnGetPassword, OnVerifyPeer});  // Before connecting: raises on bad options.
  try {
    conn_ = iocp_native::connectTcp(Host, Port, ConnectTimeout > 0 ? ConnectTimeout : iocp_native::kInfinite, !UseNagle);
  } catch (const iocp_native::ConnectError& e) {
    if (e.timedOut) throw EIdConnectTimeout();
    throw EIdSocketError(e.osError, e.what());
  }
  ioHandler_.Attach(&conn_->connection());
  ioHandler_.ReadTimeout = ReadTimeout;
  if (tls) {
    conn_->configureClientTls(tls, Host, SSLOptions.HandshakeTimeout);
    if (!SSLOptions.PassThrough) {
      try {
        ioHandler_.PassThrough = false;  // The handshake; raises EIdNotConnected with the reason.
      } catch (...) {
        closeConnection(false);
        throw;
      }
    }
  }
  if (Heartbeat.Enabled) {
    iocp_native::LivenessOptions o;
    applyHeartbeat(Heartbeat, o);
    conn_->enableLiveness(o, [this] {
      if (OnHeartbeat) OnHeartbeat(this);
    });
  }
  if (!OnConnected) return;
  try {
    OnConnected(this);
  } catch (...) {  // As Indy: a connection whose OnConnected failed is closed again.
    closeConnection(false);
    throw;
  }
}

void TIocpTCPClient::Disconnect(bool ANotifyPeer) {
  if (!conn_) return;
  closeConnection(ANotifyPeer);
  if (OnDisconnected) OnDisconnected(this);
}

void TIocpTCPClient::closeConnection(bool notifyPeer) {
  if (!conn_) return;
  ioHandler_.Attach(nullptr);
  if (notifyPeer && Options.CleanDisconnect) {
    try {
      conn_->closeGracefully(Options.Goodbye, std::max(Options.CleanDisconnectTimeout, 0));
    } catch (...) {  // Out of memory while saying goodbye: close regardless.
    }
  }
  conn_->connection().disconnect(iocp_native::CloseReason::LocalDisconnect, notifyPeer);
  conn_->close();
  conn_.reset();
}

bool TIocpTCPClient::Connected() const { return conn_ && conn_->connection().connected(); }

}  // namespace Iocp
