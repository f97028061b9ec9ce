#include "test_support.h"

namespace testing_support {

std::string RawSocket::recvLine(int timeoutMs) {
  const auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    const std::size_t pos = pending_.find("\r\n");
    if (pos != std::string::npos) {
      std::string line = pending_.substr(0, pos);
      pending_.erase(0, pos + 2);
      return line;
    }
    const int left = timeoutMs - static_cast<int>(msSince(t0));
    if (left <= 0) return {};
    const std::string more = recvSome(left);
    if (more.empty()) return {};
    pending_ += more;
  }
}

}  // namespace testing_support
