// A stackful coroutine that runs one connection's blocking-style handler.
//
// A fiber is resumed by a thread (never by another fiber), runs until it parks or returns, and may be
// resumed later on a different thread. One implementation per platform: posix/fiber.cpp
// (Boost.Context), win/fiber.cpp (the Fibers API); fiber.cpp holds what they share.
//
// Caveat for handler code: never park (call a blocking read or write) inside a C++ catch block.
// The C++ runtime keeps the "currently caught exceptions" per thread; parking there and resuming on
// another thread, or letting another fiber catch on this thread, corrupts it. The engine aborts
// with a message when this happens. Copy what you need out of the exception and do the I/O after
// the catch block. For the same reason never park in a destructor that runs while an exception
// unwinds the stack (e.g. a guard object that writes a goodbye line); that case is not detected.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace iocp_native {

class Fiber {
 public:
  // Creates a fiber that will run `entry` on a stack of `stackSize` bytes (reserved, committed as used).
  // entry must not let an exception escape.
  Fiber(std::size_t stackSize, std::function<void()> entry);
  ~Fiber();  // Only once finished() or never started.
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Run the fiber on the calling thread until it parks or finishes. Not from inside a fiber.
  void resume();
  bool finished() const { return finished_; }
  // Near the stack pointer of the last park(): what resume() touches first. Null before that.
  // Only while the fiber is parked, by the thread that resumed it.
  const char* parkedAt() const { return parkedAt_; }

  // From inside a running fiber: return to the thread that resumed it.
  static void park();
  // The fiber running on this thread, or null. Safe across migration: the thread-local is read
  // anew on every call (see fiber.cpp).
  static Fiber* current();

  // A host runtime's per-fiber state, e.g. Free Pascal's chain of exception frames, which its RTL
  // keeps per thread: hook(state, true) runs on the resuming thread right before the fiber runs,
  // hook(state, false) right after it parks or finishes. `state` is this fiber's own block of
  // kHostStateSize bytes, zeroed at creation. Set once, before any fiber runs; null = none.
  using SwitchHook = void (*)(void* state, bool entering);
  static constexpr std::size_t kHostStateSize = 64;
  static void setSwitchHook(SwitchHook hook);

  // No-wait regions (nestable), opened by code that holds a plain lock: the fiber must not park
  // until it leaves them. From the fiber itself.
  void enterNoWait() { ++noWait_; }
  void leaveNoWait() { --noWait_; }
  bool inNoWait() const { return noWait_ > 0; }

  struct Impl;

 private:
  // Shared by every platform's park(): aborts with a message when parking here would corrupt
  // state (inside a catch block, inside a no-wait region).
  static void checkCanPark(const Fiber* self);
  static void setCurrent(Fiber* f);  // The fiber now running on this thread (resume()).
  // resume() of every platform: the bookkeeping around the switch into the fiber and back.
  void enter();  // setCurrent(this) (remembering the previous one), then the switch hook.
  void leave();  // The switch hook and setCurrent(previous).

  std::unique_ptr<Impl> impl_;
  bool finished_ = false;
  int noWait_ = 0;
  Fiber* previous_ = nullptr;  // The fiber current on the resuming thread before resume().
  const char* parkedAt_ = nullptr;  // Near the stack pointer of the last park() (prefetch()).
  alignas(16) unsigned char hostState_[kHostStateSize] = {};
};

}  // namespace iocp_native
