// The fiber primitive on its own: park/resume, migration between threads, many fibers.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
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

#ifndef _WIN32  // The stack cache is the POSIX fiber's (native/src/posix/fiber.cpp); Windows' fibers own theirs.
namespace {
constexpr std::size_t kReusedSize = 192 * 1024;  // A size no other test here uses.

// n frames of over 1 KiB each; returns 1 + 2 + ... + n.
__attribute__((noinline)) int deep(int n) {
  volatile char pad[1024];
  pad[0] = static_cast<char>(n % 100);
  pad[sizeof pad - 1] = 0;
  return n == 0 ? 0 : deep(n - 1) + n + pad[sizeof pad - 1];
}

// n frames of over 1 KiB down, 64 bytes set to `mark`; returns their address.
__attribute__((noinline)) std::uintptr_t markBelow(int n, char mark) {
  volatile char pad[1024];
  if (n > 0) {
    pad[0] = 0;
    return markBelow(n - 1, mark) + static_cast<std::uintptr_t>(pad[0]);
  }
  for (int i = 0; i < 64; ++i) pad[i] = mark;
  return reinterpret_cast<std::uintptr_t>(&pad[0]);
}
}  // namespace

// Connections that come and go reuse fiber stacks (no mmap, munmap and TLB shootdown per
// connection): a fiber started after another of its size ended runs on that stack (what the first
// left there is still there: a new mapping would be zeros), and the stack works as a new one,
// deep calls over most of it included.
TEST(Fiber, AFinishedFibersStackServesTheNextFiberOfItsSize) {
  constexpr char kMark = 0x5a;
  std::uintptr_t marked = 0;
  int sum = -1;
  int found = -1;
  {
    Fiber a(kReusedSize, [&] { marked = markBelow(8, kMark); });
    a.resume();
    ASSERT_TRUE(a.finished());
  }
  {
    Fiber b(kReusedSize, [&] {
      found = 0;
      for (int i = 0; i < 64; ++i) found += reinterpret_cast<volatile char*>(marked)[i] == kMark ? 1 : 0;  // 8 KiB down: unused by b so far.
      sum = deep(100);  // Some 100 KiB of the 192.
    });
    b.resume();
    ASSERT_TRUE(b.finished());
  }
  EXPECT_EQ(found, 64) << "the second fiber got a new stack";
  EXPECT_EQ(sum, 5050);
}

// A reused stack keeps its guard page: right below the mapping the fiber runs on lies an
// inaccessible one (/proc/self/maps), so running off the stack's end stops the process at once.
TEST(Fiber, AReusedStackKeepsItsGuardPage) {
  for (int round = 0; round < 2; ++round) {  // A new stack (or one from the cache), then the same one again.
    std::vector<std::pair<std::pair<std::uintptr_t, std::uintptr_t>, std::string>> regions;
    std::uintptr_t at = 0;
    Fiber f(kReusedSize, [&] {  // The mappings as the fiber runs on its stack.
      at = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
      std::ifstream maps("/proc/self/maps");
      std::string line;
      while (std::getline(maps, line)) {
        unsigned long lo = 0, hi = 0;
        char perms[5] = {};
        if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) == 3) regions.push_back({{lo, hi}, perms});
      }
    });
    f.resume();
    ASSERT_TRUE(f.finished());
    std::uintptr_t stackLow = 0;
    for (const auto& r : regions) {
      if (r.first.first <= at && at < r.first.second) stackLow = r.first.first;
    }
    ASSERT_NE(stackLow, 0u) << "round " << round << ": no mapping holds the fiber's stack";
    std::string below = "none";
    for (const auto& r : regions) {
      if (r.first.second == stackLow) below = r.second;
    }
    EXPECT_EQ(below, "---p") << "round " << round << ": the mapping below the stack";
  }
}
#endif
