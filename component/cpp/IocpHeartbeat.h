// Heartbeat options shared by TIocpTCPServer and TIocpTCPClient.
#pragma once

#include <string>

namespace Iocp {

// When the heartbeat pings: every Interval (hbAlways), or only after an Interval in which
// nothing arrived (hbWhenIdle).
enum TIocpHeartbeatMode { hbAlways = 0, hbWhenIdle = 1 };

// Heartbeat (server and client): dead-peer detection without a timer in user code. Every Interval ms (or
// after Interval ms of silence, hbWhenIdle) the server pings: OnHeartbeat runs (write the
// protocol's own ping there) and Payload is written if not empty. A connection from which nothing
// arrives for Timeout ms after a ping is closed: OnDisconnect, DisconnectReason() ==
// "heartbeat timeout". A vanished peer is detected within Interval + Timeout.
struct TIocpHeartbeatOptions {
  bool Enabled = false;
  int Interval = 30000;  // ms.
  int Timeout = 10000;   // ms.
  TIocpHeartbeatMode Mode = hbAlways;
  std::string Payload;   // Bytes written as the ping ("" = none), e.g. "PING\r\n".
};

}  // namespace Iocp
