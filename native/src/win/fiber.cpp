// Fiber on the Windows Fibers API: CreateFiberEx with a small committed stack, SwitchToFiber.
// A thread becomes a fiber (ConvertThreadToFiberEx) the first time it resumes one.
#include "fiber.h"

#include <windows.h>

#include <stdexcept>

namespace iocp_native {

namespace {
constexpr SIZE_T kCommittedStack = 64 * 1024;  // Committed up front; the rest is reserved.

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
  enter();
  impl_->caller = currentThreadFiber();
  SwitchToFiber(impl_->handle);
  leave();
}

void Fiber::park() {
  Fiber* self = current();
  checkCanPark(self);
  self->parkedAt_ = static_cast<const char*>(__builtin_frame_address(0));
  SwitchToFiber(self->impl_->caller);
}


}  // namespace iocp_native
