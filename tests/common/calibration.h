// Calibration for the few tests where time is the feature (a heartbeat interval, an idle timeout,
// a prompt stop): bounds come from what this machine does during the same test, never from a
// number tuned on one machine. No dependency on the library, so every suite can use it.
//
//   LatenessProbe probe;                         // Starts sampling now, on its own thread.
//   ... the timed behaviour ...
//   const long long slack = probe.allowedLatenessMs(intervalMs);
//   EXPECT_LE(gap, intervalMs + slack) << probe.describe();
//
// Checks that something never happens early need no calibration: keep them exact.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <dirent.h>
#endif

namespace testing_support {

// ThreadSanitizer instruments every memory access of the code under test (the engine's queues,
// fibers and locks) and next to nothing of a bare reference loop, so there a time ratio between
// the two measures the instrumentation, not the code (a connect burst: 12-30x measured). Such
// ratios are asserted only where this is true; calibrations against the machine (LatenessProbe,
// RunQueueWait) hold everywhere.
#if defined(__SANITIZE_THREAD__)
constexpr bool kTimeRatiosAgainstBareCode = false;
#else
constexpr bool kTimeRatiosAgainstBareCode = true;
#endif

// Measures how late the OS wakes a sleeping thread while it runs: a thread sleeps `period` again
// and again and records how much longer than asked each sleep took. The worst of many samples is
// what a timer of the code under test may also have suffered in the same window (load from other
// processes, sanitizers, Wine's server, a slow virtual machine).
class LatenessProbe {
 public:
  explicit LatenessProbe(std::chrono::milliseconds period = std::chrono::milliseconds(2)) : period_(period) {
    thread_ = std::thread([this] { run(); });
    // The window begins when the probe samples, not when its thread is asked for: a stall of the
    // whole machine right now would otherwise hold back the probe's thread too and go unseen.
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return sampling_; });
  }
  ~LatenessProbe() { stop(); }
  LatenessProbe(const LatenessProbe&) = delete;
  LatenessProbe& operator=(const LatenessProbe&) = delete;

  // Ends sampling (the figures stay readable). Call it right after the timed window.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  // The worst lateness seen so far, in microseconds, and the number of samples.
  long long worstUs() const { return worstUs_.load(); }
  int samples() const { return samples_.load(); }

  // How late a timer of `nominalMs` may fire, and still count as on time, given this window:
  // half its nominal time (the resolution the tests assert at: a timer a whole period late fails),
  // or four times the worst lateness the probe saw (a timer's effect passes through a few such
  // wake-ups: the timer's thread, the connection's, the observer's), whichever is more.
  long long allowedLatenessMs(long long nominalMs) const {
    const long long fromProbe = (4 * worstUs() + 999) / 1000;
    return std::max(nominalMs / 2, fromProbe);
  }

  std::string describe() const {
    char text[160];
    std::snprintf(text, sizeof text, "lateness probe: worst wake-up %lld us late over %d sleeps of %lld ms",
                  worstUs(), samples(), static_cast<long long>(period_.count()));
    return text;
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mu_);
    sampling_ = true;
    cv_.notify_all();
    while (!stopping_) {
      const auto asked = std::chrono::steady_clock::now();
      // A timed wait, as timers in the code under test do; the stop request cuts it short (and a
      // stall that delayed even that still counts).
      cv_.wait_for(lock, period_, [this] { return stopping_; });
      const long long late =
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - asked - period_)
              .count();
      if (late > worstUs_.load()) worstUs_ = late;
      ++samples_;
    }
  }

  const std::chrono::milliseconds period_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool sampling_ = false;
  std::atomic<long long> worstUs_{0};
  std::atomic<int> samples_{0};
  std::thread thread_;
};

// How long threads of this process waited in a run queue (runnable, but no CPU free for them): the
// share of the machine they were denied. Take one reading before and one after a window; the
// difference says how much a deadline in that window may have slipped for want of a CPU rather
// than because of the code under test. Linux reads it (/proc/self/task/*/schedstat); elsewhere it
// reads 0, which allows nothing extra.
class RunQueueWait {
 public:
  // The threads of the process now (e.g. before and after starting a server: the difference is
  // the server's own threads).
  static std::vector<int> threadIds() {
    std::vector<int> ids;
#if defined(__linux__)
    if (DIR* d = opendir("/proc/self/task")) {
      while (dirent* e = readdir(d)) {
        if (e->d_name[0] != '.') ids.push_back(std::atoi(e->d_name));
      }
      closedir(d);
    }
#endif
    return ids;
  }
  // Total run-queue wait so far of the threads `ids`, in microseconds; *ranUs (if given) gets
  // their total time on a CPU.
  static long long totalUs(const std::vector<int>& ids, long long* ranUs = nullptr) {
    long long us = 0, ran = 0;
#if defined(__linux__)
    for (int id : ids) {
      std::ifstream stat("/proc/self/task/" + std::to_string(id) + "/schedstat");
      long long runNs = 0, waitNs = 0;
      if (stat >> runNs >> waitNs) {
        us += waitNs / 1000;
        ran += runNs / 1000;
      }
    }
#else
    (void)ids;
#endif
    if (ranUs != nullptr) *ranUs = ran;
    return us;
  }
};

}  // namespace testing_support
