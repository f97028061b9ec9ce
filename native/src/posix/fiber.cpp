// Fiber on Boost.Context (boost::context::fiber): guard-paged mmap stacks, assembly context switch.
// Under AddressSanitizer / ThreadSanitizer every switch is announced to the sanitizer, so they
// follow the handler onto its fiber stack instead of reporting false errors.
#include "fiber.h"

#include <boost/context/fiber.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>

#include <utility>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define IOCP_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define IOCP_TSAN 1
#endif

namespace iocp_native {

namespace ctx = boost::context;

struct Fiber::Impl {
  ctx::fiber self;    // The parked fiber (valid while not running).
  ctx::fiber caller;  // The resuming thread's context (valid while running).
  ctx::stack_context stack{};  // The fiber's stack, for the sanitizers.
#ifdef IOCP_ASAN
  void* fiberFakeStack = nullptr;
  const void* callerBottom = nullptr;
  std::size_t callerSize = 0;
#endif
#ifdef IOCP_TSAN
  void* tsanFiber = __tsan_create_fiber(0);
  void* tsanCaller = nullptr;
#endif

  // Called on the fiber right after every switch into it.
  void arrived() {
#ifdef IOCP_ASAN
    __sanitizer_finish_switch_fiber(fiberFakeStack, &callerBottom, &callerSize);
#endif
  }
  // Called on the fiber right before switching back to the thread; `last` when it finishes.
  void leaving(bool last) {
#ifdef IOCP_ASAN
    __sanitizer_start_switch_fiber(last ? nullptr : &fiberFakeStack, callerBottom, callerSize);
#endif
#ifdef IOCP_TSAN
    __tsan_switch_to_fiber(tsanCaller, 0);
#endif
    (void)last;
  }
};

namespace {
// protected_fixedsize_stack that also tells the fiber where its stack is.
struct RecordingStack {
  ctx::protected_fixedsize_stack inner;
  ctx::stack_context* out;
  ctx::stack_context allocate() {
    ctx::stack_context sc = inner.allocate();
    *out = sc;
    return sc;
  }
  void deallocate(ctx::stack_context& sc) noexcept { inner.deallocate(sc); }
};
}  // namespace

Fiber::Fiber(std::size_t stackSize, std::function<void()> entry) : impl_(std::make_unique<Impl>()) {
  impl_->self = ctx::fiber(std::allocator_arg,
                           RecordingStack{ctx::protected_fixedsize_stack(stackSize), &impl_->stack},
                           [this, entry = std::move(entry)](ctx::fiber&& caller) mutable {
                             impl_->arrived();
                             impl_->caller = std::move(caller);
                             entry();
                             finished_ = true;
                             impl_->leaving(true);
                             return std::move(impl_->caller);
                           });
}

Fiber::~Fiber() {
#ifdef IOCP_TSAN
  __tsan_destroy_fiber(impl_->tsanFiber);
#endif
}

void Fiber::resume() {
  enter();
#ifdef IOCP_ASAN
  void* threadFakeStack = nullptr;
  __sanitizer_start_switch_fiber(&threadFakeStack,
                                 static_cast<char*>(impl_->stack.sp) - impl_->stack.size,
                                 impl_->stack.size);
#endif
#ifdef IOCP_TSAN
  impl_->tsanCaller = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(impl_->tsanFiber, 0);
#endif
  impl_->self = std::move(impl_->self).resume();
#ifdef IOCP_ASAN
  __sanitizer_finish_switch_fiber(threadFakeStack, nullptr, nullptr);
#endif
  leave();
}

void Fiber::park() {
  Fiber* self = current();
  checkCanPark(self);
  self->parkedAt_ = static_cast<const char*>(__builtin_frame_address(0));
  Impl& impl = *self->impl_;
  impl.leaving(false);
  impl.caller = std::move(impl.caller).resume();
  impl.arrived();
}


}  // namespace iocp_native
