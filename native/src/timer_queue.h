// Deadlines ordered by time: one queue per engine, not a thread or timer object per connection.
// The queue asks the engine to wake it at the earliest deadline (timerfd on Linux) through `arm`,
// always under its own lock so two re-arms never race; the engine then calls popExpired().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "iocp_native/connection.h"  // Clock

namespace iocp_native {

// What a deadline is for.
struct TimerTarget {
  enum class Kind : int {
    Wait,         // A connection's fiber waits with a deadline (id = connection id).
    Liveness,     // A connection's heartbeat or idle deadline (id = connection id).
    AcceptRetry,  // Accepting paused for lack of resources: try again (id = binding index).
  };
  Kind kind = Kind::Wait;
  uint64_t id = 0;
  bool operator==(const TimerTarget& o) const { return kind == o.kind && id == o.id; }
};

class TimerQueue {
 public:
  using ArmFn = std::function<void(Clock::time_point)>;  // max() = disarm.
  explicit TimerQueue(ArmFn arm) : arm_(std::move(arm)) {}

  // Identifies one scheduled entry; value-initialised means "none".
  struct Handle {
    Clock::time_point when{};
    uint64_t seq = 0;
    explicit operator bool() const { return seq != 0; }
  };

  // Schedule `target` for `when`. Thread safe.
  Handle add(Clock::time_point when, TimerTarget target) {
    std::lock_guard<std::mutex> lock(mu_);
    const Handle h{when, ++seq_};
    entries_.emplace(std::make_pair(when, h.seq), target);
    if (entries_.begin()->first.second == h.seq) arm_(when);
    return h;
  }

  // Remove an entry if it has not fired. Thread safe.
  void cancel(const Handle& h) {
    std::lock_guard<std::mutex> lock(mu_);
    entries_.erase(std::make_pair(h.when, h.seq));
  }

  // Remove and return the targets due at `now`, and re-arm for the next deadline. Thread safe.
  std::vector<TimerTarget> popExpired(Clock::time_point now) {
    std::vector<TimerTarget> due;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.begin();
    while (it != entries_.end() && it->first.first <= now) {
      due.push_back(it->second);
      it = entries_.erase(it);
    }
    arm_(entries_.empty() ? Clock::time_point::max() : entries_.begin()->first.first);
    return due;
  }

  std::size_t size() const {  // Thread safe.
    std::lock_guard<std::mutex> lock(mu_);
    return entries_.size();
  }

 private:
  const ArmFn arm_;
  mutable std::mutex mu_;
  uint64_t seq_ = 0;
  std::map<std::pair<Clock::time_point, uint64_t>, TimerTarget> entries_;
};

}  // namespace iocp_native
