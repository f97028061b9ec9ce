#include "fault_injection.h"

#include <atomic>

namespace iocp_native::fault {

namespace {
std::atomic<int> gIoWaitFailure{0};  // 0 = none armed.
}  // namespace

void failNextIoWait(int osError) { gIoWaitFailure.store(osError, std::memory_order_release); }

bool takeIoWaitFailure(int* osError) {
  if (gIoWaitFailure.load(std::memory_order_relaxed) == 0) return false;
  const int e = gIoWaitFailure.exchange(0, std::memory_order_acq_rel);
  if (e == 0) return false;
  *osError = e;
  return true;
}

}  // namespace iocp_native::fault
