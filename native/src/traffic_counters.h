// Traffic and close counters an engine shares with its connections. Relaxed atomics: cheap to
// bump, a snapshot is a set of loads. Any thread.
#pragma once

#include <atomic>
#include <cstdint>

#include "iocp_native/connection.h"

namespace iocp_native {

struct TrafficCounters {
  std::atomic<uint64_t> bytesIn{0};   // Bytes received.
  std::atomic<uint64_t> bytesOut{0};  // Bytes written (accepted by write()).
  std::atomic<uint64_t> reads{0};     // Receive operations that returned data.
  std::atomic<uint64_t> writes{0};    // write() calls accepted.
  std::atomic<uint64_t> readPauses{0};  // Event model: reading paused for queued output.
  std::atomic<uint64_t> closed[kCloseReasonCount] = {};  // Finished connections, by reason.
  static void bump(std::atomic<uint64_t>& c, uint64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }
};

}  // namespace iocp_native
