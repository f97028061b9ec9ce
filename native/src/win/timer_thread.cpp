#include "timer_thread.h"

namespace iocp_native::win {

void TimerThread::start(std::function<bool()> fire) {
  fire_ = std::move(fire);
  thread_ = std::thread([this] { loop(); });
}

void TimerThread::arm(Clock::time_point when) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    deadline_ = when;
  }
  cv_.notify_one();
}

void TimerThread::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!quit_) {
    if (deadline_ == Clock::time_point::max()) {
      cv_.wait(lock);
    } else if (Clock::now() < deadline_) {
      cv_.wait_until(lock, deadline_);
    } else {
      const Clock::time_point due = deadline_;
      deadline_ = Clock::time_point::max();  // One packet per arming; the port's onTimer re-arms.
      lock.unlock();
      const bool posted = fire_();
      lock.lock();
      if (!posted && deadline_ == Clock::time_point::max()) deadline_ = due;  // Try again.
    }
  }
}

void TimerThread::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

}  // namespace iocp_native::win
