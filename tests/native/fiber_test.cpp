// The fiber primitive on its own: park/resume, migration between threads, many fibers.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "fiber.h"
#include "two_threads.h"

using iocp_native::Fiber;

namespace {
// std::this_thread::get_id() is pthread_self(), which glibc declares constant: inside one function
// the compiler may evaluate it once for two calls on either side of a park. Through this opaque,
// non-inlined function every call really asks the current thread (docs/guarantees.md, "Fiber caveat").
__attribute__((noinline)) std::thread::id threadId() {
  std::thread::id id = std::this_thread::get_id();
  asm volatile("" : : "r"(&id) : "memory");
  return id;
}
}  // namespace

TEST(Fiber, RunsUntilItParksAndContinuesWhereItLeftOff) {
  std::vector<int> trace;
  Fiber f(256 * 1024, [&] {
    int local = 1;
    trace.push_back(local);
    Fiber::park();
    trace.push_back(++local);
    Fiber::park();
    trace.push_back(++local);
  });
  EXPECT_EQ(Fiber::current(), nullptr);
  f.resume();
  EXPECT_EQ(trace, std::vector<int>({1}));
  EXPECT_FALSE(f.finished());
  f.resume();
  f.resume();
  EXPECT_EQ(trace, std::vector<int>({1, 2, 3}));
  EXPECT_TRUE(f.finished());
  EXPECT_EQ(Fiber::current(), nullptr);
}

TEST(Fiber, CurrentIsTheRunningFiber) {
  Fiber* seen = nullptr;
  Fiber f(256 * 1024, [&] { seen = Fiber::current(); });
  f.resume();
  EXPECT_EQ(seen, &f);
}

TEST(Fiber, ResumesOnAnotherThreadWithItsStackIntact) {
  std::thread::id first, second;
  std::string kept;
  Fiber f(256 * 1024, [&] {
    std::string onStack = "survives the move";
    first = threadId();
    Fiber::park();
    second = threadId();
    kept = onStack;
  });
  // Thread a stays alive until b is done, so the two ids cannot be the same id reused.
  std::atomic<bool> parked{false}, done{false};
  std::thread a([&] {
    f.resume();
    parked = true;
    while (!done) std::this_thread::yield();
  });
  while (!parked) std::this_thread::yield();
  std::thread b([&] { f.resume(); });
  b.join();
  done = true;
  a.join();
  EXPECT_TRUE(f.finished());
  EXPECT_NE(first, second);
  EXPECT_EQ(kept, "survives the move");
}

TEST(Fiber, ExceptionsThrownAndCaughtInsideAFiberStayInside) {
  int caught = 0;
  Fiber f(256 * 1024, [&] {
    for (int i = 0; i < 3; ++i) {
      try {
        throw std::runtime_error("inside");
      } catch (const std::runtime_error&) {
        ++caught;
      }
      Fiber::park();  // After the catch block: allowed.
    }
  });
  while (!f.finished()) f.resume();
  EXPECT_EQ(caught, 3);
}

// 200 fibers parked at once, resumed round after round, each round on a new thread: every fiber
// finds its own stack again after each park, whichever thread resumes it.
TEST(Fiber, ManyFibersInterleaveOnChangingThreads) {
  constexpr int kFibers = 200, kParks = 20;
  std::atomic<int> steps{0}, wrong{0};
  std::vector<std::unique_ptr<Fiber>> fibers;
  for (int i = 0; i < kFibers; ++i) {
    fibers.push_back(std::make_unique<Fiber>(64 * 1024, [&, i] {
      volatile int mine = i * 1000;  // On this fiber's stack.
      for (int p = 0; p < kParks; ++p) {
        ++steps;
        mine = mine + 1;
        Fiber::park();
        if (mine != i * 1000 + p + 1) ++wrong;
      }
    }));
  }
  for (int round = 0; round <= kParks; ++round) {
    std::thread t([&] {
      for (auto& f : fibers) {
        if (!f->finished()) f->resume();
      }
    });
    t.join();
  }
  for (auto& f : fibers) EXPECT_TRUE(f->finished());
  EXPECT_EQ(steps.load(), kFibers * kParks);
  EXPECT_EQ(wrong.load(), 0) << "a fiber found another stack after a park";
}

// Fiber::current() after a migration must be this thread's value, not one read before the park.
TEST(Fiber, CurrentIsRightAfterEveryMigration) {
  constexpr int kTurns = 2000;
  int wrong = 0, checks = 0;
  Fiber f(64 * 1024, [&] {
    Fiber* const self = Fiber::current();
    for (int i = 0; i < kTurns; ++i) {
      Fiber::park();
      ++checks;
      if (Fiber::current() != self) ++wrong;
    }
  });
  iocp_native::resumeFromTwoThreadsInTurn(f);
  EXPECT_TRUE(f.finished());
  EXPECT_EQ(checks, kTurns);
  EXPECT_EQ(wrong, 0);
}
