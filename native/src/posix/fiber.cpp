// Fiber on Boost.Context (boost::context::fiber): guard-paged mmap stacks, assembly context switch.
#include "fiber.h"

#include <boost/context/fiber.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <utility>

namespace iocp {

namespace ctx = boost::context;

namespace {
thread_local Fiber* tlsCurrent = nullptr;

// Thread-local access goes through non-inlined functions: a fiber that parks on one thread and
// resumes on another must not reuse a TLS address the compiler cached before the switch.
__attribute__((noinline)) Fiber* getCurrent() { return tlsCurrent; }
__attribute__((noinline)) void setCurrent(Fiber* f) { tlsCurrent = f; }
}  // namespace

struct Fiber::Impl {
  ctx::fiber self;    // The parked fiber (valid while not running).
  ctx::fiber caller;  // The resuming thread's context (valid while running).
};

Fiber::Fiber(std::size_t stackSize, std::function<void()> entry) : impl_(std::make_unique<Impl>()) {
  impl_->self = ctx::fiber(std::allocator_arg, ctx::protected_fixedsize_stack(stackSize),
                           [this, entry = std::move(entry)](ctx::fiber&& caller) mutable {
                             impl_->caller = std::move(caller);
                             entry();
                             finished_ = true;
                             return std::move(impl_->caller);
                           });
}

Fiber::~Fiber() = default;

void Fiber::resume() {
  Fiber* previous = getCurrent();
  setCurrent(this);
  impl_->self = std::move(impl_->self).resume();
  setCurrent(previous);
}

void Fiber::park() {
  Fiber* self = getCurrent();
  if (self == nullptr) {
    std::fputs("iocp: Fiber::park called outside a fiber\n", stderr);
    std::abort();
  }
#ifndef NDEBUG
  if (std::current_exception() != nullptr) {
    std::fputs("iocp: a handler parked (blocking read/write) inside a catch block; "
               "move the I/O after the catch block\n", stderr);
    std::abort();
  }
#endif
  self->impl_->caller = std::move(self->impl_->caller).resume();
}

Fiber* Fiber::current() { return getCurrent(); }

}  // namespace iocp
