// What every platform's fiber shares: the current-fiber thread-local and the checks park() makes
// before it switches away.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <vector>

#include "fiber.h"
#include "iocp_native/engine.h"

namespace iocp_native {

namespace {
thread_local Fiber* tlsCurrent = nullptr;

// The address of this thread's slot, opaque to the optimizer. A compiler treats the address of a
// thread-local as constant within a function and may compute it once; in code that parks on one
// thread and resumes on another that would be the old thread's slot. noinline alone does not stop
// it (with LTO or IPA the result may be deduced constant per call site); the empty asm makes the
// value unknown, so every call computes the address on the thread it runs on.
__attribute__((noinline)) Fiber** currentSlot() {
  Fiber** slot = &tlsCurrent;
  asm volatile("" : "+r"(slot));
  return slot;
}
}  // namespace

Fiber* Fiber::current() { return *currentSlot(); }
void Fiber::setCurrent(Fiber* f) { *currentSlot() = f; }

namespace {
std::atomic<Fiber::SwitchHook> gSwitchHook{nullptr};
}

void Fiber::setSwitchHook(SwitchHook hook) { gSwitchHook.store(hook); }

void Fiber::enter() {
  previous_ = current();
  setCurrent(this);
  if (SwitchHook hook = gSwitchHook.load(std::memory_order_relaxed)) hook(hostState_, true);
}

void Fiber::leave() {
  if (SwitchHook hook = gSwitchHook.load(std::memory_order_relaxed)) hook(hostState_, false);
  setCurrent(previous_);
}

void Fiber::checkCanPark(const Fiber* self) {
  if (self == nullptr) {
    std::fputs("iocp: Fiber::park called outside a fiber\n", stderr);
    std::abort();
  }
  // Cheap (one thread-local read) next to a context switch, so checked in every build: parking
  // here would corrupt the runtime's per-thread exception state later, far from the cause.
  if (std::current_exception() != nullptr) {
    std::fputs("iocp: a handler parked (blocking read/write) inside a catch block; "
               "move the I/O after the catch block\n", stderr);
    std::abort();
  }
  if (self->inNoWait()) {
    std::fputs("iocp: a handler waited for its connection (blocking read or write) while holding a lock "
               "such as Contexts->LockList(); read before locking or after unlocking\n", stderr);
    std::abort();
  }
}

namespace {
thread_local bool tInterleaving = false;  // This thread runs runInterleavedFibers' fibers.
}

bool runInterleavedFibers(int count, const std::function<void(int)>& body) {
  if (Fiber::current() != nullptr || tInterleaving) return false;
  constexpr std::size_t kStackSize = 256 * 1024;  // What a host runtime's raise and unwind need.
  std::vector<std::unique_ptr<Fiber>> fibers;
  for (int i = 0; i < count; ++i) fibers.push_back(std::make_unique<Fiber>(kStackSize, [&body, i] { body(i); }));
  tInterleaving = true;
  for (bool running = true; running;) {
    running = false;
    for (auto& f : fibers) {
      if (f->finished()) continue;
      f->resume();
      running = true;
    }
  }
  tInterleaving = false;
  return true;
}

bool yieldInterleavedFiber() {
  // Only this thread's own interleaved fibers run while the flag is set (they never migrate).
  if (!tInterleaving || Fiber::current() == nullptr) return false;
  Fiber::park();
  return true;
}

void enterNoWaitRegion() {
  if (Fiber* f = Fiber::current()) f->enterNoWait();
}

void leaveNoWaitRegion() {
  if (Fiber* f = Fiber::current()) f->leaveNoWait();
}

}  // namespace iocp_native
