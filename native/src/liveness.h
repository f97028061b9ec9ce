// Heartbeat and idle-timeout bookkeeping of one connection: what is due when. Pure logic on the
// times it is given (no clock, no I/O), so the state machine is tested without sockets; each
// engine calls it from the connection's own handler context.
//
//   received ──▶ a ping is answered          progressed ──▶ idle clock restarts
//   step(now):  IdleTimeout   now ≥ lastProgress + idleTimeout
//               HeartbeatTimeout  a ping is unanswered and now ≥ firstUnanswered + heartbeatTimeout
//               Ping          now ≥ nextPing() (recorded as sent)
//               None          otherwise
#pragma once

#include "iocp_native/connection.h"

namespace iocp_native {

class Liveness {
 public:
  enum class Step { None, Ping, HeartbeatTimeout, IdleTimeout };

  Liveness(const LivenessOptions& options, Clock::time_point now);

  const LivenessOptions& options() const { return options_; }
  // When step() next has something to do; max() if never.
  Clock::time_point due() const;
  // What is due at `now`. A Ping is recorded as sent (the caller sends it).
  Step step(Clock::time_point now);
  void received(Clock::time_point now);    // Bytes arrived: that answers any ping.
  void progressed(Clock::time_point now);  // A read or write call completed.
  void restart(Clock::time_point now);     // Every clock from now, as a new connection's.

 private:
  Clock::time_point nextPing() const;  // The one place the ping schedule is computed.
  bool unanswered() const { return firstUnanswered_ != Clock::time_point{}; }

  const LivenessOptions options_;
  Clock::time_point lastReceive_;      // Bytes last arrived.
  Clock::time_point lastProgress_;     // A read or write call last completed.
  Clock::time_point lastPing_;         // The last ping was sent.
  Clock::time_point firstUnanswered_;  // The first ping nothing has arrived since; {} = none.
};

}  // namespace iocp_native
