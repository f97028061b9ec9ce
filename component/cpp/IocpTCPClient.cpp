#include "IocpTCPClient.h"
#include "IocpHeartbeatMapping.h"

#include <algorithm>
#include <cstring>

#include "iocp/engine.h"

namespace Iocp {

TIocpTCPClient::TIocpTCPClient() : IOHandler(&ioHandler_), Socket(&ioHandler_) {}

TIocpTCPClient::~TIocpTCPClient() { Disconnect(); }

void TIocpTCPClient::Connect(const std::string& AHost, uint16_t APort) {
  Host = AHost;
  Port = APort;
  Connect();
}

void TIocpTCPClient::Connect() {
  Disconnect();
  try {
    conn_ = iocp::connectTcp(Host, Port, ConnectTimeout > 0 ? ConnectTimeout : iocp::kInfinite, !UseNagle);
  } catch (const iocp::ConnectError& e) {
    if (e.timedOut) throw EIdConnectTimeout();
    throw EIdSocketError(e.osError, e.what());
  }
  ioHandler_.Attach(conn_.get());
  ioHandler_.ReadTimeout = ReadTimeout;
  if (Heartbeat.Enabled) {
    iocp::LivenessOptions o;
    applyHeartbeat(Heartbeat, o);
    iocp::enableClientLiveness(*conn_, o, [this](iocp::Connection&) {
      if (OnHeartbeat) OnHeartbeat(this);
    });
  }
}

void TIocpTCPClient::Disconnect() {
  if (!conn_) return;
  ioHandler_.Attach(nullptr);
  if (Options.CleanDisconnect) {
    try {
      conn_->closeGracefully(Options.Goodbye, std::max(Options.CleanDisconnectTimeout, 0));
    } catch (...) {  // Out of memory while saying goodbye: close regardless.
    }
  }
  conn_->disconnect(iocp::CloseReason::LocalDisconnect);
  conn_->close();
  conn_.reset();
}

bool TIocpTCPClient::Connected() const { return conn_ && conn_->connected(); }

}  // namespace Iocp
