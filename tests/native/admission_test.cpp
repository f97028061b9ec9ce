// Connection admission on its own: the MaxConnections limit is strict under concurrency.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "admission.h"

using iocp_native::Admission;

TEST(Admission, AdmitsUpToTheLimitAndCountsRefusals) {
  Admission a(2);
  EXPECT_TRUE(a.tryAdmit());
  EXPECT_TRUE(a.tryAdmit());
  EXPECT_FALSE(a.tryAdmit());
  EXPECT_EQ(a.active(), 2u);
  a.release();
  EXPECT_TRUE(a.tryAdmit());
  EXPECT_EQ(a.accepted(), 3u);
  EXPECT_EQ(a.refused(), 1u);
  EXPECT_EQ(a.peak(), 2u);
}

TEST(Admission, ZeroMeansUnlimited) {
  Admission a(0);
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(a.tryAdmit());
  EXPECT_EQ(a.active(), 10000u);
  EXPECT_EQ(a.refused(), 0u);
}

// Each thread takes every admission it can get (up to the limit), holds them, then lets them go:
// together the four threads ask for four times the limit at once, so only the limit holds them
// back. (With one admission per thread, four threads could never exceed a limit of 8.)
TEST(Admission, NeverMoreThanTheLimitAtOnceUnderConcurrentAdmits) {
  constexpr int kLimit = 8, kThreads = 4, kRounds = 2000;
  Admission a(kLimit);
  std::atomic<int> inside{0}, most{0};
  std::atomic<uint64_t> admitted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < kRounds; ++round) {
        int held = 0;
        while (held < kLimit) {
          if (!a.tryAdmit()) {
            ++refused;
            break;
          }
          ++held;
          const int now = ++inside;
          int m = most.load();
          while (now > m && !most.compare_exchange_weak(m, now)) {
          }
        }
        admitted += static_cast<uint64_t>(held);
        std::this_thread::yield();  // Holds them a moment: the other threads ask meanwhile.
        inside -= held;
        for (int i = 0; i < held; ++i) a.release();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(most.load(), kLimit) << "more admitted at once than the limit";
  EXPECT_EQ(most.load(), kLimit) << "the limit was never reached: nothing was tested";
  EXPECT_EQ(a.peak(), std::size_t(kLimit));
  EXPECT_EQ(a.accepted(), admitted.load());
  EXPECT_EQ(a.refused(), refused.load());
  EXPECT_GT(refused.load(), 0u);
  EXPECT_EQ(a.active(), 0u);
}
