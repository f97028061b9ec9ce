// Length-prefixed frames written by hand, for the tests of the length-prefix framing: shared by
// the suites (no dependency on the library).
#pragma once

#include <cstddef>
#include <string>

namespace testing_support {

// `body` after its length in `bytes` bytes, most significant byte first (bigEndian) or last.
inline std::string prefixed(const std::string& body, int bytes = 4, bool bigEndian = true) {
  std::string head(static_cast<std::size_t>(bytes), '\0');
  const unsigned long long n = body.size();
  for (int i = 0; i < bytes; ++i) {
    const auto b = static_cast<char>((n >> (8 * i)) & 0xFF);  // The i-th least significant byte.
    head[static_cast<std::size_t>(bigEndian ? bytes - 1 - i : i)] = b;
  }
  return head + body;
}

}  // namespace testing_support
