// Per-connection checks of Indy's event order, for the component suites: each connection is
// numbered when its context is created (the number is kept in the context's Data), and every
// event is counted against that number, so "exactly once" and "in order" are checked for each
// connection, not as totals that a doubled event on one connection and a missing one on another
// would still match.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "Iocp.h"
#include "wait_until.h"

namespace testing_support {

class ConnectionEvents {
 public:
  // From OnContextCreated: numbers the context (1, 2, ... in the order contexts are created).
  void created(Iocp::TIocpContext* c) { c->Data = std::make_shared<int>(++created_); }
  // The number given to `c` (0 if it was never created through created()).
  static int serial(Iocp::TIocpContext* c) {
    const int* n = static_cast<const int*>(c->Data.get());
    return n ? *n : 0;
  }
  // From OnConnect.
  void connected(Iocp::TIocpContext* c) {
    std::lock_guard<std::mutex> lock(mu_);
    Counts& k = counts_[serial(c)];
    ++k.connects;
    if (k.disconnects != 0) problems_.push_back(name(c) + ": OnConnect after OnDisconnect");
  }
  // From any event that belongs between OnConnect and OnDisconnect (OnExecute, OnMessage, ...).
  void during(Iocp::TIocpContext* c, const std::string& event) {
    std::lock_guard<std::mutex> lock(mu_);
    const Counts& k = counts_[serial(c)];
    if (k.connects == 0) problems_.push_back(name(c) + ": " + event + " before OnConnect");
    if (k.disconnects != 0) problems_.push_back(name(c) + ": " + event + " after OnDisconnect");
  }
  // From OnDisconnect.
  void disconnected(Iocp::TIocpContext* c) {
    std::lock_guard<std::mutex> lock(mu_);
    Counts& k = counts_[serial(c)];
    if (k.connects == 0) problems_.push_back(name(c) + ": OnDisconnect before OnConnect");
    ++k.disconnects;
    ++reasons_[c->DisconnectReason()];
    ++disconnects_;
  }

  int disconnects() const { return disconnects_.load(); }
  // Connections that got OnDisconnect, by DisconnectReason().
  std::map<std::string, int> reasons() const {
    std::lock_guard<std::mutex> lock(mu_);
    return reasons_;
  }

  // Waits for `n` OnDisconnects and for the server to hold no connection (a connection leaves the
  // engine's count only after its OnDisconnect has returned, so none can follow), then checks that
  // `n` connections were created and each got OnConnect once and OnDisconnect once, with every
  // other event between the two.
  void expectEachOnce(const Iocp::TIocpTCPServer& server, int n) const {
    ASSERT_TRUE(waitUntil([&] { return disconnects_.load() >= n; })) << disconnects_.load() << " of " << n;
    ASSERT_TRUE(waitUntil([&] { return server.Stats().ActiveConnections == 0; }));
    std::lock_guard<std::mutex> lock(mu_);
    EXPECT_EQ(disconnects_.load(), n);
    EXPECT_EQ(created_.load(), n);
    EXPECT_EQ(counts_.count(0), 0u) << "events for a context that OnContextCreated never saw";
    for (int i = 1; i <= n; ++i) {
      const auto it = counts_.find(i);
      const Counts k = it == counts_.end() ? Counts{} : it->second;
      EXPECT_EQ(k.connects, 1) << "connection " << i << ": OnConnect";
      EXPECT_EQ(k.disconnects, 1) << "connection " << i << ": OnDisconnect";
    }
    for (const std::string& p : problems_) ADD_FAILURE() << p;
  }

 private:
  struct Counts {
    int connects = 0;
    int disconnects = 0;
  };
  static std::string name(Iocp::TIocpContext* c) { return "connection " + std::to_string(serial(c)); }

  mutable std::mutex mu_;
  std::atomic<int> created_{0};
  std::atomic<int> disconnects_{0};
  std::map<int, Counts> counts_;
  std::map<std::string, int> reasons_;
  std::vector<std::string> problems_;
};

}  // namespace testing_support
