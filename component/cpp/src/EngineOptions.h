// Internal to the component: Heartbeat options (server and client) -> the engine's LivenessOptions;
// SSLOptions -> the engine's TLS context.
#pragma once

#include <algorithm>
#include <memory>

#include "IocpExceptions.h"
#include "IocpHeartbeat.h"
#include "IocpSSL.h"
#include "iocp_native/connection.h"
#include "iocp_native/tls.h"

namespace Iocp {

inline void applyHeartbeat(const TIocpHeartbeatOptions& h, iocp_native::LivenessOptions& o) {
  o.heartbeat = h.Enabled;
  o.heartbeatIntervalMs = std::max(h.Interval, 1);
  o.heartbeatTimeoutMs = std::max(h.Timeout, 1);
  o.heartbeatMode = h.Mode == hbWhenIdle ? iocp_native::HeartbeatMode::WhenIdle : iocp_native::HeartbeatMode::Always;
  o.heartbeatPayload = h.Payload;
}

// The TLS context SSLOptions describe, for a server or a client, with the owner's OnGetPassword
// and OnVerifyPeer (copied: later changes take effect at the next context). Raises
// EIocpConfigError with the reason ("SSLOptions: key file 'x' does not match the certificate").
std::shared_ptr<iocp_native::TlsContext> makeTlsContext(const TIocpSSLOptions& ssl, bool server,
                                                        const TIocpSSLEvents& events);

}  // namespace Iocp
