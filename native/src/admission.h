// Strict connection admission: at most `limit` connections are admitted at any moment.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "iocp_native/engine.h"
#include "traffic_counters.h"

namespace iocp_native {

// Counts admitted connections. Thread safe.
class Admission {
 public:
  explicit Admission(std::size_t limit) : limit_(limit) {}
  // Admit one connection unless the limit is reached. Any thread.
  bool tryAdmit() {
    std::size_t cur = active_.load(std::memory_order_relaxed);
    do {
      if (limit_ != 0 && cur >= limit_) {
        refused_.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
    } while (!active_.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel));
    accepted_.fetch_add(1, std::memory_order_relaxed);
    std::size_t peak = peak_.load(std::memory_order_relaxed);
    while (cur + 1 > peak && !peak_.compare_exchange_weak(peak, cur + 1, std::memory_order_relaxed)) {
    }
    return true;
  }
  // A connection admitted earlier has finished (after its OnDisconnect). Any thread.
  void release() { active_.fetch_sub(1, std::memory_order_acq_rel); }
  std::size_t active() const { return active_.load(std::memory_order_acquire); }
  std::size_t peak() const { return peak_.load(std::memory_order_relaxed); }
  uint64_t accepted() const { return accepted_.load(std::memory_order_relaxed); }
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> active_{0};
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<std::size_t> peak_{0};
};

// The counters every engine reports, read from its admission and traffic counters. Any thread.
inline EngineStats countersSnapshot(const Admission& admission, const TrafficCounters& traffic) {
  EngineStats s;
  s.active = admission.active();
  s.peak = admission.peak();
  s.accepted = admission.accepted();
  s.refused = admission.refused();
  s.bytesIn = traffic.bytesIn.load(std::memory_order_relaxed);
  s.bytesOut = traffic.bytesOut.load(std::memory_order_relaxed);
  s.reads = traffic.reads.load(std::memory_order_relaxed);
  s.writes = traffic.writes.load(std::memory_order_relaxed);
  s.readPauses = traffic.readPauses.load(std::memory_order_relaxed);
  for (int i = 0; i < kCloseReasonCount; ++i) s.closed[i] = traffic.closed[i].load(std::memory_order_relaxed);
  return s;
}

}  // namespace iocp_native
