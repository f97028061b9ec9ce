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

TEST(Admission, NeverMoreThanTheLimitAtOnceUnderConcurrentAdmits) {
  constexpr int kLimit = 8, kThreads = 4, kTries = 20000;
  Admission a(kLimit);
  std::atomic<int> inside{0}, most{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kTries; ++i) {
        if (!a.tryAdmit()) continue;
        const int now = ++inside;
        int m = most.load();
        while (now > m && !most.compare_exchange_weak(m, now)) {
        }
        --inside;
        a.release();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(most.load(), kLimit);
  EXPECT_LE(a.peak(), std::size_t(kLimit));
  EXPECT_EQ(a.accepted() + a.refused(), uint64_t{kThreads} * kTries);
  EXPECT_EQ(a.active(), 0u);
}
