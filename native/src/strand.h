// A connection's strand: events may be posted from any thread, but only one thread at a time
// owns the strand and handles them. The first poster to find the strand idle wins it and must
// run it; later posts only add their bits, which the owner picks up before it lets go.
//
//   post(bits) ──idle?──▶ true: the caller owns the strand and runs it
//              └─owned──▶ false: bits left for the owner
//   owner loop: bits = take(); handle(bits); ... tryRelease() ──▶ true: done; false: more bits came
//
// One atomic word: the pending bits plus an "owned" flag. Lock-free; any thread.
#pragma once

#include <atomic>

namespace iocp_native {

class Strand {
 public:
  // Add event bits. Returns true when the caller has won the strand and must run it.
  bool post(unsigned bits) {
    return (state_.fetch_or(bits | kOwned, std::memory_order_acq_rel) & kOwned) == 0;
  }
  // Owner only: remove and return the pending bits.
  unsigned take() { return state_.exchange(kOwned, std::memory_order_acq_rel) & ~kOwned; }
  // Owner only: let go of the strand if no bits are pending. False: bits arrived, keep running.
  bool tryRelease() {
    unsigned expected = kOwned;
    return state_.compare_exchange_strong(expected, 0, std::memory_order_acq_rel);
  }

  // Whether any of `bits` is posted and not yet taken. Any thread (a snapshot).
  bool pending(unsigned bits) const { return (state_.load(std::memory_order_acquire) & bits) != 0; }

  static constexpr unsigned kOwned = 1u << 31;  // Event bits must stay below this one.

 private:
  std::atomic<unsigned> state_{0};
};

}  // namespace iocp_native
