// Strict connection admission: at most `limit` connections are admitted at any moment.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace iocp {

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
    return true;
  }
  // A connection admitted earlier has finished (after its OnDisconnect). Any thread.
  void release() { active_.fetch_sub(1, std::memory_order_acq_rel); }
  std::size_t active() const { return active_.load(std::memory_order_acquire); }
  uint64_t accepted() const { return accepted_.load(std::memory_order_relaxed); }
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> active_{0};
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> refused_{0};
};

}  // namespace iocp
