// Malformed input for robustness tests: a few random edits of a seed (byte flips, a construct's
// opening or closing piece inserted, the rest cut, a slice deleted or duplicated), reproducible
// from the generator's seed.
#pragma once

#include <cstddef>
#include <random>
#include <string>
#include <vector>

namespace iocp_test {

inline std::string mutate(const std::string& s, std::mt19937& rng, const std::vector<std::string>& pieces) {
  std::string m = s;
  const int steps = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < steps; ++k) {
    const std::size_t at = m.empty() ? 0 : rng() % (m.size() + 1);
    switch (rng() % 5) {
      case 0:  // Flip a byte.
        if (!m.empty()) m[at < m.size() ? at : m.size() - 1] = static_cast<char>(rng() & 0xFF);
        break;
      case 1:  // Insert a construct's piece.
        if (!pieces.empty()) m.insert(at, pieces[rng() % pieces.size()]);
        break;
      case 2:  // Cut the rest.
        m.resize(at);
        break;
      case 3:  // Delete a slice.
        if (at < m.size()) m.erase(at, rng() % 64);
        break;
      default:  // Duplicate a slice elsewhere.
        if (!m.empty()) m.insert(at, m.substr(rng() % m.size(), rng() % 200));
    }
  }
  return m;
}

}  // namespace iocp_test
