// The strand on its own: one owner at a time, no event lost.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
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

// Four threads post events; whoever wins the strand runs it. What the strand promises, checked
// against the bits each owner takes:
//  - never two owners at once (an owner count, and a plain counter only owners touch);
//  - every post's bit is taken by some owner after the post (each poster waits until its event
//    was handled before posting the next one, so a lost bit leaves it waiting);
//  - a bit is taken only for a post not yet handled (no bit handed out twice or made up);
//  - when every poster is done, the strand is idle with nothing pending.
TEST(Strand, ConcurrentPostersNeverOverlapAndEveryPostIsHandledOnce) {
  constexpr int kThreads = 4, kPosts = 10000;
  Strand s;
  std::atomic<int> published[kThreads];   // Poster t's latest event, published before its post.
  std::atomic<int> handled[kThreads];     // The latest event of poster t an owner handled.
  for (int t = 0; t < kThreads; ++t) published[t] = handled[t] = 0;
  std::atomic<int> owners{0}, overlaps{0}, lost{0}, unexpected{0}, postsToAnOwner{0};
  long ownerOnly = 0;  // Not atomic: only the strand's owner touches it.
  long takes = 0;      // Bits taken (owner only).
  auto run = [&] {     // The owner's loop, as CompletionConnection::runStrand.
    for (;;) {
      if (owners.fetch_add(1) != 0) ++overlaps;
      const unsigned bits = s.take();
      for (int t = 0; t < kThreads; ++t) {
        if (!(bits & (1u << t))) continue;
        ++takes;
        const int event = published[t].load();
        // One bit per post, and a poster posts again only once its last event was handled.
        if (event != handled[t].load() + 1) ++unexpected;
        handled[t].store(event);
      }
      if (bits & ~((1u << kThreads) - 1)) ++unexpected;
      ++ownerOnly;
      std::this_thread::yield();  // Holds the strand a while: posts come in while it is owned.
      owners.fetch_sub(1);
      if (s.tryRelease()) return;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 1; i <= kPosts; ++i) {
        published[t].store(i);  // The event's payload, published before the post.
        if (s.post(1u << t)) run();
        else ++postsToAnOwner;
        // Handled by this thread's run or by the owner that held the strand at the post.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (handled[t].load() < i) {
          if (std::chrono::steady_clock::now() > deadline) {
            ++lost;  // The bit was never taken: stop, or every later post waits too.
            return;
          }
          std::this_thread::yield();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(overlaps.load(), 0) << "two owners at once";
  EXPECT_EQ(lost.load(), 0) << "a post's bit was never taken";
  EXPECT_EQ(unexpected.load(), 0) << "a bit taken without a post waiting for it";
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(handled[t].load(), kPosts) << "poster " << t;
  EXPECT_EQ(takes, long{kThreads} * kPosts);  // One taken bit per post: none lost, none doubled.
  EXPECT_GT(ownerOnly, 0);
  std::printf("[ figures  ] %d of %d posts found the strand owned\n", postsToAnOwner.load(), kThreads * kPosts);
  EXPECT_GT(postsToAnOwner.load(), 0) << "no post ever found the strand owned: nothing was tested";
  EXPECT_FALSE(s.pending(0xFFu));
  EXPECT_TRUE(s.post(1));  // Idle: the next poster wins it.
}

// Without waiting for their events, posters' bits coalesce: still never two owners, and the last
// event of every poster is seen by an owner.
TEST(Strand, PostersThatDoNotWaitStillNeverOverlapAndTheirLastEventsAreHandled) {
  constexpr int kThreads = 4, kPosts = 20000;
  Strand s;
  std::atomic<int> published[kThreads];
  std::atomic<int> handled[kThreads];
  for (int t = 0; t < kThreads; ++t) published[t] = handled[t] = 0;
  std::atomic<int> owners{0}, overlaps{0}, backwards{0};
  auto run = [&] {
    for (;;) {
      if (owners.fetch_add(1) != 0) ++overlaps;
      const unsigned bits = s.take();
      for (int t = 0; t < kThreads; ++t) {
        if (!(bits & (1u << t))) continue;
        const int event = published[t].load();
        if (event < handled[t].load()) ++backwards;
        handled[t].store(event);
      }
      std::this_thread::yield();
      owners.fetch_sub(1);
      if (s.tryRelease()) return;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 1; i <= kPosts; ++i) {
        published[t].store(i);
        if (s.post(1u << t)) run();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(backwards.load(), 0);
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(handled[t].load(), kPosts) << "poster " << t << "'s last event was lost";
  EXPECT_FALSE(s.pending(0xFFu));
}
