// Conditional compilation in the rewriters: where a replacement unit or include was put, and
// whether a place is covered by one already.
//
// A branch is the path of open conditionals ({$IFDEF}/{$ELSE}, #if/#else) at a place: (the
// directive's token index, the branch number) from the outermost in. Something put in a branch
// covers that branch and every branch nested in it; something put unconditionally (empty path)
// covers everything after it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace iocp_migrate {

using Branch = std::vector<std::pair<std::size_t, int>>;

class Placements {
 public:
  void put(const std::string& what, const Branch& branch) { placed_.emplace_back(what, branch); }
  bool covered(const std::string& what, const Branch& branch) const {
    for (const auto& p : placed_)
      if (p.first == what && p.second.size() <= branch.size() &&
          std::equal(p.second.begin(), p.second.end(), branch.begin()))
        return true;
    return false;
  }

 private:
  std::vector<std::pair<std::string, Branch>> placed_;
};

}  // namespace iocp_migrate
