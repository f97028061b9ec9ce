#include "liveness.h"

#include <algorithm>

namespace iocp_native {

namespace {
std::chrono::milliseconds msOf(int v) { return std::chrono::milliseconds(v < 1 ? 1 : v); }
}  // namespace

Liveness::Liveness(const LivenessOptions& options, Clock::time_point now)
    : options_(options), lastReceive_(now), lastProgress_(now), lastPing_(now) {}

Clock::time_point Liveness::nextPing() const {
  const Clock::time_point from =
      options_.heartbeatMode == HeartbeatMode::Always ? lastPing_ : std::max(lastPing_, lastReceive_);
  return from + msOf(options_.heartbeatIntervalMs);
}

Clock::time_point Liveness::due() const {
  Clock::time_point due = Clock::time_point::max();
  if (options_.heartbeat) {
    due = std::min(due, nextPing());
    if (unanswered()) due = std::min(due, firstUnanswered_ + msOf(options_.heartbeatTimeoutMs));
  }
  if (options_.idleTimeoutMs > 0) due = std::min(due, lastProgress_ + msOf(options_.idleTimeoutMs));
  return due;
}

Liveness::Step Liveness::step(Clock::time_point now) {
  if (options_.idleTimeoutMs > 0 && now >= lastProgress_ + msOf(options_.idleTimeoutMs)) {
    return Step::IdleTimeout;
  }
  if (!options_.heartbeat) return Step::None;
  if (unanswered() && now >= firstUnanswered_ + msOf(options_.heartbeatTimeoutMs)) {
    return Step::HeartbeatTimeout;
  }
  if (now < nextPing()) return Step::None;
  lastPing_ = now;
  if (!unanswered()) firstUnanswered_ = now;
  return Step::Ping;
}

void Liveness::received(Clock::time_point now) {
  lastReceive_ = now;
  firstUnanswered_ = Clock::time_point{};
}

void Liveness::progressed(Clock::time_point now) { lastProgress_ = now; }

void Liveness::restart(Clock::time_point now) {
  lastReceive_ = lastProgress_ = lastPing_ = now;
  firstUnanswered_ = Clock::time_point{};
}

}  // namespace iocp_native
