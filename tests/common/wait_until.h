// Waiting for a condition in tests, with a bound: shared by every test suite (no dependency on
// the library, so the C ABI tests use it too).
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace testing_support {

// A bound on "eventually": how long a test waits for something that must happen. Only a failing
// test waits this long, so it is generous (a loaded CI machine, a sanitizer, Wine), never a
// statement about speed; where time is the feature, see calibration.h.
constexpr int kEventuallyMs = 30000;

// Poll `pred` every 2 ms until it holds or `timeoutMs` passes. Returns the last value of pred.
inline bool waitUntil(const std::function<bool()>& pred, int timeoutMs = kEventuallyMs) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace testing_support
