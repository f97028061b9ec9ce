// The contract of a completion port (native/src/completion_port.h), the same script against every
// port the platform has: epoll and io_uring on Linux, the I/O completion port on Windows (under
// Wine). The test drives a port as the completion engine does, without the engine: it listens,
// takes accepted sockets, attaches them, receives and sends through PortSocket until "would
// block" and waits for the port's kEvIn / kEvOut, then closes and shuts down.
//
// Every wait is for an event the script caused; its bound (kWaitMs) only turns a hang into a
// failure, it never decides a pass.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../common/backend_names.h"
#include "accept.h"
#include "completion_port.h"
#include "socket_ops.h"

namespace iocp_native {
namespace {

constexpr int kWaitMs = 60000;

// What the port reported, for the script to wait on.
class Recorder final : public PortEvents {
 public:
  struct Accepted {
    std::size_t binding;
    net::SocketHandle s;
    Endpoint peer, local;
  };

  void onIo(const IoEvent* events, std::size_t n) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_GE(events[i].connId, kFirstConnectionId) << "the port reported one of its own tokens";
      bits_[events[i].connId] |= events[i].bits;
    }
    cv_.notify_all();
  }
  void onAccepted(std::size_t binding, net::SocketHandle s, const Endpoint& peer, const Endpoint& local) override {
    std::lock_guard<std::mutex> lock(mu_);
    accepted_.push_back(Accepted{binding, s, peer, local});
    cv_.notify_all();
  }
  void onAcceptFailed(std::size_t, int osError) override { ADD_FAILURE() << "accept failed: " << osError; }
  void onTimer() override { bump(timers_); }
  void onPosted() override { bump(posts_); }
  void onIoThreadFailed(int, int osError, const std::string& what) override {
    ADD_FAILURE() << "I/O thread failed: " << osError << " " << what;
  }

  // The next accepted socket.
  Accepted accepted() {
    std::unique_lock<std::mutex> lock(mu_);
    const bool got = cv_.wait_for(lock, std::chrono::milliseconds(kWaitMs), [&] { return !accepted_.empty(); });
    if (!got) {
      ADD_FAILURE() << "no connection was accepted";
      return Accepted{0, net::kInvalidSocket, {}, {}};
    }
    Accepted a = accepted_.front();
    accepted_.pop_front();
    return a;
  }
  // Waits until the port reported `bit` for `id`, and takes it. False after kWaitMs.
  bool take(uint64_t id, unsigned bit) {
    std::unique_lock<std::mutex> lock(mu_);
    const bool got = cv_.wait_for(lock, std::chrono::milliseconds(kWaitMs), [&] { return (bits_[id] & bit) != 0; });
    bits_[id] &= ~bit;
    return got;
  }
  int timers() { return count(timers_); }
  int posts() { return count(posts_); }
  // Waits until `counter` (timers or posts) is past `before`.
  bool waitPast(int (Recorder::*counter)(), int before) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::milliseconds(kWaitMs), [&] { return (this->*counter)() > before; });
  }

 private:
  void bump(std::atomic<int>& c) {
    std::lock_guard<std::mutex> lock(mu_);
    ++c;
    cv_.notify_all();
  }
  int count(const std::atomic<int>& c) const { return c.load(); }

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, unsigned> bits_;
  std::deque<Accepted> accepted_;
  std::atomic<int> timers_{0}, posts_{0};
};

// A blocking client socket of the test.
struct Client {
  explicit Client(uint16_t port) {
    int err = 0;
    bool timedOut = false;
    s = net::connectTo("127.0.0.1", port, kWaitMs, &err, &timedOut);
    EXPECT_NE(s, net::kInvalidSocket) << "connect: " << err;
  }
  ~Client() {
    if (s != net::kInvalidSocket) net::closeSocket(s);
  }
  void send(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      int err = 0;
      const long n = net::sendSome(s, bytes.data() + done, bytes.size() - done, &err);
      ASSERT_GT(n, 0) << "client send: " << err;
      done += static_cast<std::size_t>(n);
    }
  }
  // Exactly n bytes, or fewer if the stream ends first.
  std::string receive(std::size_t n) {
    std::string out;
    char buf[65536];
    while (out.size() < n) {
      int err = 0;
      const long r = net::recvSome(s, buf, std::min(sizeof buf, n - out.size()), &err);
      if (r <= 0) break;
      out.append(buf, static_cast<std::size_t>(r));
    }
    return out;
  }
  // True when the next receive reports the end of the stream (0) or a reset.
  bool ended() {
    char c;
    int err = 0;
    return net::recvSome(s, &c, 1, &err) <= 0;
  }
  net::SocketHandle s = net::kInvalidSocket;
};

// One port with one I/O thread, listening on a loopback port.
class PortContract : public ::testing::TestWithParam<CompletionBackend> {
 protected:
  void SetUp() override {
    net::startNetworking();
    port_ = makePort(events_, GetParam(), 1, &description_);
    ASSERT_TRUE(port_);
    EXPECT_TRUE(testing_support::namesTheCompletionBackend(description_, GetParam() == CompletionBackend::IoUring))
        << description_;
    EngineOptions o;
    o.bindings.push_back(BindingSpec{"127.0.0.1", 0});
    const std::vector<net::OpenListener> open = openListeners(o, true);
    listenPort_ = open[0].bound.port;
    port_->listen(open);
    io_ = std::thread([this] { port_->run(); });
  }

  void TearDown() override {
    for (auto& s : sockets_) s->close();
    sockets_.clear();
    port_->stopAccepting();
    port_->shutdown(1);  // Returns once every outstanding OS operation has completed.
    io_.join();
    port_.reset();
  }

  // Connect a client and attach the accepted socket as connection `id`.
  PortSocket& connect(Client& client, uint64_t id) {
    (void)client;
    const Recorder::Accepted a = events_.accepted();
    EXPECT_NE(a.s, net::kInvalidSocket);
    EXPECT_EQ(a.binding, 0u);
    EXPECT_EQ(a.local.port, listenPort_);
    sockets_.push_back(port_->attach(a.s, id));
    return *sockets_.back();
  }

  // Receive exactly n bytes (or up to EOF), waiting for kEvIn whenever the port says "would block".
  std::string receive(PortSocket& s, uint64_t id, std::size_t n, bool* eof = nullptr) {
    Buffer in;
    while (in.size() < n) {
      int err = 0;
      const std::size_t before = in.size();
      const long r = s.receive(in, n - in.size(), &err);
      if (r > 0) {
        EXPECT_EQ(in.size(), before + static_cast<std::size_t>(r)) << "receive appends what it reports";
        EXPECT_LE(static_cast<std::size_t>(r), n - before) << "receive appends at most max bytes";
        continue;
      }
      EXPECT_EQ(in.size(), before) << "a receive that got nothing appends nothing";
      if (r == 0) {
        if (eof) *eof = true;
        break;
      }
      if (net::interrupted(err)) continue;
      if (!net::wouldBlock(err)) {
        ADD_FAILURE() << "receive failed: " << err;
        break;
      }
      if (!events_.take(id, kEvIn)) {
        ADD_FAILURE() << "no kEvIn after a receive that would block";
        break;
      }
    }
    return std::string(in.view());
  }

  // Send every byte, waiting for kEvOut whenever the port says "would block".
  void send(PortSocket& s, uint64_t id, const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      int err = 0;
      const long n = s.send(bytes.data() + done, bytes.size() - done, &err);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        continue;
      }
      ASSERT_TRUE(net::wouldBlock(err) || net::interrupted(err)) << "send failed: " << err;
      if (net::wouldBlock(err)) {
        ASSERT_TRUE(events_.take(id, kEvOut)) << "no kEvOut after a send that would block";
      }
    }
  }

  // Until the port holds none of the bytes send() took.
  void waitSent(PortSocket& s, uint64_t id) {
    while (s.sendPending()) ASSERT_TRUE(events_.take(id, kEvOut)) << "no kEvOut while a send is pending";
  }

  Recorder events_;
  std::unique_ptr<Port> port_;
  std::string description_;
  uint16_t listenPort_ = 0;
  std::thread io_;
  std::vector<std::unique_ptr<PortSocket>> sockets_;
};

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return s;
}

// accept -> attach -> receive (would block, kEvIn, bytes) -> send -> a send far larger than the
// socket buffers (partial sends resubmitted, order kept) -> FIN after what was sent, while
// receiving goes on -> the peer's bytes and its EOF -> close.
TEST_P(PortContract, ScriptedConversation) {
  const uint64_t id = kFirstConnectionId + 1;
  Client client(listenPort_);
  PortSocket& s = connect(client, id);
  EXPECT_EQ(s.group() == -1 || s.group() == 0, true) << "one I/O thread: group -1 or 0";

  int err = 0;
  Buffer none;
  EXPECT_EQ(s.receive(none, 1, &err), -1) << "nothing has arrived yet";
  EXPECT_TRUE(net::wouldBlock(err)) << err;

  client.send("hello");
  EXPECT_EQ(receive(s, id, 5), "hello");

  send(s, id, "world");
  EXPECT_EQ(client.receive(5), "world");

  const std::string big = pattern(8 * 1024 * 1024);
  std::string got;
  std::thread reader([&] { got = client.receive(big.size()); });
  send(s, id, big);
  waitSent(s, id);
  reader.join();
  EXPECT_EQ(got.size(), big.size());
  EXPECT_TRUE(got == big) << "the bytes arrived out of order or changed";

  s.shutdownSend();
  EXPECT_TRUE(client.ended()) << "shutdownSend sends FIN after what was sent";
  client.send("bye");
  net::shutdownWrite(client.s);
  bool eof = false;
  EXPECT_EQ(receive(s, id, 100, &eof), "bye") << "receiving goes on after shutdownSend";
  EXPECT_TRUE(eof);
}

// Connections do not mix: each attached socket gets its own bytes and its own events.
TEST_P(PortContract, EachConnectionGetsItsOwnBytes) {
  constexpr int kConnections = 20;
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<PortSocket*> sockets;
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(std::make_unique<Client>(listenPort_));
    sockets.push_back(&connect(*clients.back(), kFirstConnectionId + 100 + static_cast<uint64_t>(i)));
  }
  // The accepted sockets come in connect order only by chance: match them by what arrives.
  for (int i = 0; i < kConnections; ++i) clients[static_cast<std::size_t>(i)]->send("client-" + std::to_string(100 + i) + ";");
  for (int i = 0; i < kConnections; ++i) {
    const uint64_t id = kFirstConnectionId + 100 + static_cast<uint64_t>(i);
    const std::string msg = receive(*sockets[static_cast<std::size_t>(i)], id, 11);
    ASSERT_EQ(msg.size(), 11u);
    send(*sockets[static_cast<std::size_t>(i)], id, "reply-to-" + msg);
  }
  for (int i = 0; i < kConnections; ++i) {
    const std::string reply = clients[static_cast<std::size_t>(i)]->receive(20);
    EXPECT_EQ(reply, "reply-to-client-" + std::to_string(100 + i) + ";") << "connection " << i;
  }
}

TEST_P(PortContract, PostAndTimerReachTheIoThread) {
  const int posts = events_.posts();
  port_->post();
  EXPECT_TRUE(events_.waitPast(&Recorder::posts, posts)) << "post() -> onPosted";
  const int timers = events_.timers();
  port_->armTimer(Clock::now() + std::chrono::milliseconds(20));
  EXPECT_TRUE(events_.waitPast(&Recorder::timers, timers)) << "armTimer -> onTimer";
}

// close() with a receive armed and a send the peer does not take: the port's operations end
// (its counters return to zero) and the peer sees the connection end; shutdown() in TearDown
// then returns.
TEST_P(PortContract, CloseEndsOutstandingOperations) {
  const uint64_t id = kFirstConnectionId + 7;
  Client client(listenPort_);
  PortSocket& s = connect(client, id);
  int err = 0;
  Buffer none;
  EXPECT_EQ(s.receive(none, 1, &err), -1);  // Arms the receive (would block).
  const std::string chunk = pattern(1024 * 1024);
  for (int i = 0; i < 64 && !s.sendPending(); ++i) {  // Until the OS holds some of it.
    if (s.send(chunk.data(), chunk.size(), &err) < 0) break;
  }
  s.close();
  s.close();  // Idempotent.
  const auto deadline = Clock::now() + std::chrono::milliseconds(kWaitMs);
  while ((port_->pendingSends() != 0 || port_->pendingReceives() != 0) && Clock::now() < deadline) {
    port_->post();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(port_->pendingSends(), 0u);
  EXPECT_EQ(port_->pendingReceives(), 0u);
  EXPECT_EQ(port_->pendingReceiveBytes(), 0u);
  (void)client.receive(64 * chunk.size());  // Whatever was sent, then the end.
  EXPECT_TRUE(client.ended());
}

std::vector<CompletionBackend> backends() {
#if defined(_WIN32)
  return {CompletionBackend::Default};  // The I/O completion port.
#else
  return {CompletionBackend::Default, CompletionBackend::IoUring};
#endif
}

std::string portName(const ::testing::TestParamInfo<CompletionBackend>& p) {
#if defined(_WIN32)
  (void)p;
  return "iocp";
#else
  return p.param == CompletionBackend::IoUring ? "io_uring" : "epoll";
#endif
}

INSTANTIATE_TEST_SUITE_P(Ports, PortContract, ::testing::ValuesIn(backends()), portName);

}  // namespace
}  // namespace iocp_native
