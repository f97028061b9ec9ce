// Test helper: resume a fiber alternately from two threads until it finishes.
#pragma once

#include <atomic>
#include <thread>

#include "fiber.h"

namespace iocp_native {

// Both threads stay alive until the fiber finishes, so their thread-local slots are distinct and
// hold null while they are not running it: a stale thread-local read shows as a wrong value.
// Only the thread whose turn it is touches the fiber; the other waits on `turn`.
inline void resumeFromTwoThreadsInTurn(Fiber& f) {
  std::atomic<int> turn{0};  // Even: thread a resumes, odd: thread b.
  std::atomic<bool> done{false};
  auto player = [&](int parity) {
    for (;;) {
      const int t = turn.load();
      if (done.load()) return;
      if (t % 2 != parity) {
        std::this_thread::yield();
        continue;
      }
      f.resume();
      if (f.finished()) done.store(true);
      turn.store(t + 1);
    }
  };
  std::thread a(player, 0), b(player, 1);
  a.join();
  b.join();
}

}  // namespace iocp_native
