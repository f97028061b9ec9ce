// Internal to the component: Heartbeat options (server and client) -> the engine's LivenessOptions.
#pragma once

#include <algorithm>

#include "IocpHeartbeat.h"
#include "iocp_native/connection.h"

namespace Iocp {

inline void applyHeartbeat(const TIocpHeartbeatOptions& h, iocp_native::LivenessOptions& o) {
  o.heartbeat = h.Enabled;
  o.heartbeatIntervalMs = std::max(h.Interval, 1);
  o.heartbeatTimeoutMs = std::max(h.Timeout, 1);
  o.heartbeatMode = h.Mode == hbWhenIdle ? iocp_native::HeartbeatMode::WhenIdle : iocp_native::HeartbeatMode::Always;
  o.heartbeatPayload = h.Payload;
}

}  // namespace Iocp
