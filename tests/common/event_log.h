// A thread-safe log of events in the order they happened: shared by the suites (no dependency on
// the library, so the C ABI tests use it too).
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace testing_support {

class EventLog {
 public:
  void add(const std::string& e) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(e);
  }
  std::vector<std::string> snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  std::size_t count(const std::string& e) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::size_t n = 0;
    for (const auto& x : events_) n += (x == e);
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> events_;
};

}  // namespace testing_support
