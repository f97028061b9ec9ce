// The one send a completion port has lent to the OS for a connection at a time (the Windows
// port's overlapped WSASend, io_uring's send), shared by both ports: its bytes, whether it is
// unfinished, how the last one ended, and what a completion left unsent.
//
//   strand:      begin(src, n) takes up to kMaxBytes ─▶ the port starts the OS send of data()
//   completion:  sent(k): some left? ─▶ the port starts the rest again (still pending)
//                         all gone  ─▶ finished; the port reports kEvOut
//                fail(error)        ─▶ finished; the strand's next begin() returns the error
//
// While a send is unfinished the strand's next begin() says "would block": bytes reach the wire
// in the order the strand wrote them. Threads: begin() and abandon() from the connection's strand;
// sent() and fail() from the completion (the port serialises it with the strand: pending() is
// the handover, release/acquire).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <string>

namespace iocp_native {

class InflightSend {
 public:
  static constexpr std::size_t kMaxBytes = 256 * 1024;  // Bytes one send takes at most.

  // Strand: takes up to kMaxBytes of src (*taken) and returns 0 when no send is unfinished and
  // none failed; else returns `wouldBlock` while one is unfinished, or the error that ended the
  // last one (the connection is broken).
  int begin(const char* src, std::size_t n, int wouldBlock, std::size_t* taken) {
    if (pending()) return wouldBlock;
    if (const int e = error()) return e;
    *taken = std::min(n, kMaxBytes);
    bytes_.assign(src, *taken);
    pending_.store(true, std::memory_order_release);
    return 0;
  }
  // Strand: the OS send of what begin() took could not start (the caller reports that error).
  void abandon() { finish(); }

  const char* data() const { return bytes_.data(); }  // What is still to be sent.
  std::size_t size() const { return bytes_.size(); }

  // Completion: k bytes went. True when some are left, to be started again (still pending);
  // false when all went (finished).
  bool sent(std::size_t k) {
    if (k < bytes_.size()) {
      bytes_.erase(0, k);
      return true;
    }
    finish();
    return false;
  }
  // Completion: the send failed with `error` (0: given up, e.g. cancelled at close, which is no
  // error of the connection). Finished. Idempotent.
  void fail(int error) {
    if (error != 0) error_.store(error);
    finish();
  }

  bool pending() const { return pending_.load(std::memory_order_acquire); }  // Any thread.
  int error() const { return error_.load(); }  // Any thread; 0 = none.

 private:
  void finish() {
    std::string().swap(bytes_);  // Hold no buffer once nothing is in flight.
    pending_.store(false, std::memory_order_release);
  }

  std::string bytes_;
  std::atomic<bool> pending_{false};
  std::atomic<int> error_{0};
};

}  // namespace iocp_native
