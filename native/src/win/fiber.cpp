// Fiber on the Windows Fibers API: CreateFiberEx with a small committed stack, SwitchToFiber.
// A thread becomes a fiber (ConvertThreadToFiberEx) the first time it resumes one.
#include "fiber.h"

#include <windows.h>

#include <stdexcept>

namespace iocp {

namespace {
constexpr SIZE_T kCommittedStack = 64 * 1024;  // Committed up front; the rest is reserved.

thread_local Fiber* tlsCurrent = nullptr;

// Thread-local access goes through non-inlined, optimizer-opaque functions: a fiber that parks on
// one thread and resumes on another must not reuse a TLS address cached before the switch.
__attribute__((noinline)) Fiber* getCurrent() {
  Fiber** slot = &tlsCurrent;
  asm volatile("" : "+r"(slot));
  return *slot;
}
__attribute__((noinline)) void setCurrent(Fiber* f) {
  Fiber** slot = &tlsCurrent;
  asm volatile("" : "+r"(slot));
  *slot = f;
}
}  // namespace

struct Fiber::Impl {
  void* handle = nullptr;  // This fiber.
  void* caller = nullptr;  // The resuming thread's fiber (valid while running).
  std::function<void()> entry;

  static void WINAPI main(void* param) {
    auto* self = static_cast<Fiber*>(param);
    self->impl_->entry();
    self->finished_ = true;
    SwitchToFiber(self->impl_->caller);  // Never resumed again; the fiber is deleted later.
  }
};

Fiber::Fiber(std::size_t stackSize, std::function<void()> entry) : impl_(std::make_unique<Impl>()) {
  impl_->entry = std::move(entry);
  impl_->handle = CreateFiberEx(kCommittedStack, stackSize, FIBER_FLAG_FLOAT_SWITCH, &Impl::main, this);
  if (impl_->handle == nullptr) throw std::runtime_error("CreateFiberEx failed");
}

Fiber::~Fiber() {
  if (impl_->handle != nullptr) DeleteFiber(impl_->handle);
}

// GCC 12 reports a false -Warray-bounds inside mingw-w64's __readgsqword (GetCurrentFiber).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
static void* currentThreadFiber() { return GetCurrentFiber(); }
#pragma GCC diagnostic pop

void Fiber::resume() {
  if (!IsThreadAFiber()) ConvertThreadToFiberEx(nullptr, FIBER_FLAG_FLOAT_SWITCH);
  Fiber* previous = getCurrent();
  setCurrent(this);
  impl_->caller = currentThreadFiber();
  SwitchToFiber(impl_->handle);
  setCurrent(previous);
}

void Fiber::park() {
  Fiber* self = getCurrent();
  checkCanPark(self);
  SwitchToFiber(self->impl_->caller);
}

Fiber* Fiber::current() { return getCurrent(); }

}  // namespace iocp
