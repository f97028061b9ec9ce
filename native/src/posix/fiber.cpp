// Fiber on Boost.Context (boost::context::fiber): guard-paged mmap stacks, kept for reuse (see
// StackCache), assembly context switch.
// Under AddressSanitizer / ThreadSanitizer every switch is announced to the sanitizer, so they
// follow the handler onto its fiber stack instead of reporting false errors.
#include "fiber.h"

#include <boost/context/fiber.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

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
// Stacks of finished fibers, kept for the next ones: a new connection then costs no mmap and
// mprotect, and a closed one no munmap, whose TLB shootdown interrupts every core this process
// runs on (with connections coming and going, that was most of what a fiber cost: see
// tests/bench/results/tls-handshakes/results.md). Of each size, as many stacks wait here as fibers
// run, at least kMinCached: the cache follows the load (with a thousand connections coming and going, a
// thousand), and holds at most as much as the fibers do; the pages a fiber touched stay resident
// while its stack waits (a few KiB for an ordinary handler).
class StackCache {
 public:
  static constexpr std::size_t kMinCached = 64;

  static StackCache& instance() {
    static StackCache* cache = new StackCache;  // Never destroyed: fibers may end during exit.
    return *cache;
  }

  // A stack of `size` usable bytes above a guard page: a cached one or a new one.
  ctx::stack_context take(std::size_t size) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = free_.find(size);
      if (it != free_.end() && !it->second.empty()) {
        ctx::stack_context sc = it->second.back();
        it->second.pop_back();
        ++inUse_;
#ifdef IOCP_ASAN
        // The last fiber's frames may have left poisoned redzones behind.
        __asan_unpoison_memory_region(static_cast<char*>(sc.sp) - sc.size, sc.size);
#endif
        return sc;
      }
    }
    ctx::stack_context sc = ctx::protected_fixedsize_stack(size).allocate();  // Throws when out of memory.
    std::lock_guard<std::mutex> lock(mu_);
    ++inUse_;
    return sc;
  }

  void give(std::size_t size, ctx::stack_context& sc) noexcept {
    {
      std::lock_guard<std::mutex> lock(mu_);
      --inUse_;
      try {
        std::vector<ctx::stack_context>& waiting = free_[size];
        if (waiting.size() < std::max(kMinCached, inUse_)) {
          waiting.push_back(sc);
          return;
        }
      } catch (...) {  // Out of memory for the list: release the stack instead.
      }
    }
    ctx::protected_fixedsize_stack(size).deallocate(sc);
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::size_t, std::vector<ctx::stack_context>> free_;  // By requested size.
  std::size_t inUse_ = 0;  // Stacks of fibers not yet destroyed.
};

// The fiber's stack allocator: from the cache, and it tells the fiber where its stack is.
struct CachedStack {
  std::size_t size;
  ctx::stack_context* out;
  ctx::stack_context allocate() {
    ctx::stack_context sc = StackCache::instance().take(size);
    *out = sc;
    return sc;
  }
  void deallocate(ctx::stack_context& sc) noexcept { StackCache::instance().give(size, sc); }
};
}  // namespace

Fiber::Fiber(std::size_t stackSize, std::function<void()> entry) : impl_(std::make_unique<Impl>()) {
  impl_->self = ctx::fiber(std::allocator_arg,
                           CachedStack{stackSize, &impl_->stack},
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
