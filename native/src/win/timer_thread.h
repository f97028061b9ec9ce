// The completion port's timer: one helper thread that waits for the armed deadline and then
// calls `fire` (which posts a timer packet to the port), the counterpart of Linux's timerfd. One
// deadline at a time; arm() replaces it, and each arming fires at most once.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "iocp_native/connection.h"  // Clock

namespace iocp_native::win {

class TimerThread {
 public:
  TimerThread() = default;
  ~TimerThread() { stop(); }
  TimerThread(const TimerThread&) = delete;
  TimerThread& operator=(const TimerThread&) = delete;

  // Start the thread. `fire` returns false when it could not post; the deadline is then tried
  // again. Owner thread, once. Throws if the thread cannot start.
  void start(std::function<bool()> fire);
  void arm(Clock::time_point when);  // max() disarms. Any thread.
  void stop();                       // End the thread. Owner thread; idempotent.

 private:
  void loop();

  std::function<bool()> fire_;
  std::mutex mu_;
  std::condition_variable cv_;
  Clock::time_point deadline_ = Clock::time_point::max();  // Guarded by mu_.
  bool quit_ = false;                                       // Guarded by mu_.
  std::thread thread_;
};

}  // namespace iocp_native::win
