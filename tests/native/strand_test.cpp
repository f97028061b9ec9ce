// The strand on its own: one owner at a time, no event lost.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "strand.h"

using iocp_native::Strand;

TEST(Strand, TheFirstPosterWinsAndLaterPostsWaitForTheOwner) {
  Strand s;
  EXPECT_TRUE(s.post(1));   // Idle: this caller owns it now.
  EXPECT_FALSE(s.post(2));  // Owned: bits left for the owner.
  EXPECT_FALSE(s.post(4));
  EXPECT_EQ(s.take(), 1u | 2u | 4u);
  EXPECT_EQ(s.take(), 0u);
  EXPECT_TRUE(s.tryRelease());  // Nothing pending: released.
  EXPECT_TRUE(s.post(8));       // Idle again.
}

TEST(Strand, TheOwnerCannotLetGoWhileBitsArePending) {
  Strand s;
  ASSERT_TRUE(s.post(1));
  EXPECT_EQ(s.take(), 1u);
  EXPECT_FALSE(s.post(16));      // Arrives before the owner lets go ...
  EXPECT_FALSE(s.tryRelease());  // ... so it must run again ...
  EXPECT_EQ(s.take(), 16u);      // ... and sees the bit.
  EXPECT_TRUE(s.tryRelease());
}

TEST(Strand, AnOwnerThatNeverLetsGoKeepsEveryoneOut) {  // A finished connection's strand.
  Strand s;
  ASSERT_TRUE(s.post(1));
  s.take();
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(s.post(2));
}

// Four threads post events; whoever wins runs the strand. Never two owners at once, and every
// posted event is handled by some owner.
TEST(Strand, ConcurrentPostersNeverOverlapAndLoseNothing) {
  constexpr int kThreads = 4, kPosts = 50000;
  Strand s;
  std::atomic<long> posted{0}, handled{0};
  std::atomic<int> owners{0}, overlaps{0};
  auto run = [&] {  // The owner's loop, as CompletionConnection::runStrand.
    for (;;) {
      if (owners.fetch_add(1) != 0) ++overlaps;
      s.take();
      handled += posted.exchange(0);
      owners.fetch_sub(1);
      if (s.tryRelease()) return;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPosts; ++i) {
        ++posted;  // The event's payload, published before the post.
        if (s.post(1u << (t % 4))) run();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(handled.load() + posted.load(), long{kThreads} * kPosts);
  EXPECT_EQ(posted.load(), 0) << "an event posted while the strand was owned was not handled";
}
