// iohIOCP on Linux: a completion engine on one edge-triggered epoll shared by IOCPThreads threads
// (the way a completion port is shared by its pool), with one fiber per connection.
//
//   epoll_wait (I/O thread) ──event──▶ EpollConnection::notify ──strand won──▶ runStrand
//                                                                  │ WorkOpThreads = 0: inline
//                                                                  │ WorkOpThreads = N: worker id % N
//                                                                  ▼
//                                              fiber.resume(): the handler runs until it parks
//
// Strand rule: notify() sets pending bits; the first notifier to find the connection idle owns it
// and runs it until no bits are pending. So one connection's fiber never runs on two threads at once.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <thread>
#include <unordered_map>

#include "admission.h"
#include "fiber.h"
#include "handler_runner.h"
#include "socket_ops.h"
#include "thread_engine.h"
#include "timer_queue.h"

namespace iocp {

namespace {

// Pending-event bits of a connection.
enum : unsigned {
  kEvIn = 1,      // Readable, EOF or error.
  kEvOut = 2,     // Writable or error.
  kEvTimer = 4,   // A deadline the fiber waits for may have passed.
  kEvClose = 8,   // disconnect() was called.
  kEvStart = 16,  // Accepted and registered: the fiber may start.
  kEvForeign = 32,  // Bytes were queued from outside the handler (another connection's broadcast).
};

// epoll tokens below kFirstConnId are the engine's own descriptors.
constexpr uint64_t kWakeToken = 1;      // eventfd, level-triggered: written once at shutdown.
constexpr uint64_t kTimerToken = 2;     // timerfd for the TimerQueue.
constexpr uint64_t kPostToken = 3;      // eventfd: connections posted from foreign threads.
constexpr uint64_t kListenerToken = 16;  // + binding index.
constexpr uint64_t kFirstConnId = 1 << 20;
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr int kAcceptRetryMs = 100;     // Back-off when accept runs out of descriptors.

// Receive into a per-thread scratch area and copy only what arrived, so an idle connection's input
// buffer stays empty instead of pinning a 64 KiB block. A fiber may resume on another thread, so
// the address must be fetched anew after every park: noinline alone is not enough (a compiler may
// still infer the result is constant per call site and hoist it out of a loop); the empty asm
// makes the result opaque.
__attribute__((noinline)) char* scratch() {
  thread_local std::array<char, kReadChunk> area;
  char* p = area.data();
  asm volatile("" : "+r"(p));
  return p;
}

class EpollEngine;

class EpollConnection final : public Connection,
                              public std::enable_shared_from_this<EpollConnection> {
 public:
  EpollConnection(EpollEngine& engine, uint64_t id, int fd, Endpoint peer, Endpoint local);
  ~EpollConnection() override;

  void close() override;               // Fiber only.
  void notify(unsigned bits, bool onEngineThread);  // Any thread.
  void runStrand();                    // Only by the strand owner.
  int worker() const { return worker_; }
  int fd() const { return fd_; }

 protected:
  IoStatus fillSome(Clock::time_point deadline, bool infinite) override;
  IoStatus sendAll(const char* bytes, std::size_t n) override;
  void interrupt() override { notify(kEvClose, false); }
  bool inHandler() const override { return Fiber::current() == fiber_.get(); }
  IoStatus sendFromOutside(const char* bytes, std::size_t n) override;

 private:
  // Park the fiber until one of `mask` arrives, the connection closes or the deadline passes.
  void park(unsigned mask, Clock::time_point deadline, bool infinite);
  // Send queued output without blocking. Returns false on a socket error (*err set).
  bool flushOutput(int* err);
  // Move bytes queued from outside into output_, unless the handler is in the middle of a write.
  void adoptForeignOutput();

  EpollEngine& engine_;
  int fd_;
  const int worker_;
  std::mutex mu_;
  unsigned pending_ = 0;    // Guarded by mu_.
  bool scheduled_ = false;  // Guarded by mu_: someone owns the strand.
  // Strand-only state.
  bool started_ = false;
  unsigned waitMask_ = 0;
  Buffer output_;
  bool sending_ = false;  // The handler is inside sendAll: its message must stay contiguous.
  std::unique_ptr<Fiber> fiber_;
  std::mutex foreignMu_;
  Buffer foreignOutput_;  // Guarded by foreignMu_: whole messages written from outside.
};

class EpollEngine final : public Engine {
 public:
  EpollEngine(const EngineOptions& options, EngineHandler& handler)
      : options_(options),
        handler_(handler),
        admission_(options.maxConnections),
        timers_([this](Clock::time_point when) { armTimer(when); }) {}

  ~EpollEngine() override {
    if (!started_) return;
    stop(0);
    std::unique_lock<std::mutex> lock(doneMu_);
    done_.wait(lock, [this] { return admission_.active() == 0 && registrySize() == 0; });
    lock.unlock();
    shutdownThreads();
  }

  std::vector<Endpoint> start() override;
  bool stop(int waitMs) override;
  EngineStats stats() const override {
    return EngineStats{admission_.active(), admission_.accepted(), admission_.refused()};
  }
  std::size_t threadCount() const override { return threadsRunning_.load(); }

  // --- Used by EpollConnection. ---
  const EngineOptions& options() const { return options_; }
  EngineHandler& handler() { return handler_; }
  int epollFd() const { return epfd_; }
  TimerQueue& timers() { return timers_; }
  // Run a connection that won its strand: inline, on its worker, or posted to an I/O thread.
  void dispatch(std::shared_ptr<EpollConnection> conn, bool onEngineThread);
  // The connection's fiber has finished: forget it.
  void retire(EpollConnection& conn);
  // Give back an admission slot and wake stop()/the destructor waiting for the last one.
  void releaseAdmission();

 private:
  struct Worker {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::shared_ptr<EpollConnection>> queue;
    bool quit = false;
    std::thread thread;
  };
  static constexpr std::size_t kShards = 16;
  struct Shard {
    std::mutex mu;
    std::unordered_map<uint64_t, std::shared_ptr<EpollConnection>> map;
  };

  void ioLoop();
  void workLoop(Worker& w);
  void acceptAll(std::size_t index);
  // Register an admitted socket as a connection and start its handler; never throws.
  void admit(std::size_t index, int fd, const Endpoint& peer, const Endpoint& local);
  void forget(uint64_t id);  // Remove from the registry.
  void expireTimers();
  void drainPosted();
  void armTimer(Clock::time_point when);
  void shutdownThreads();
  std::shared_ptr<EpollConnection> find(uint64_t id);
  bool insert(const std::shared_ptr<EpollConnection>& conn);  // False once stopping.
  std::size_t registrySize();
  void addFd(int fd, uint32_t events, uint64_t token);

  const EngineOptions options_;
  EngineHandler& handler_;
  Admission admission_;
  TimerQueue timers_;
  bool started_ = false;
  bool threadsStopped_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> nextId_{kFirstConnId};
  std::atomic<std::size_t> threadsRunning_{0};
  int epfd_ = -1, wakeFd_ = -1, timerFd_ = -1, postFd_ = -1;
  std::vector<int> listeners_;
  std::vector<std::thread> ioThreads_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::array<Shard, kShards> shards_;
  std::mutex postMu_;
  std::deque<std::shared_ptr<EpollConnection>> posted_;
  std::mutex doneMu_;
  std::condition_variable done_;
};

// ---------------------------------------------------------------------------------------------
// EpollConnection

EpollConnection::EpollConnection(EpollEngine& engine, uint64_t id, int fd, Endpoint peer,
                                 Endpoint local)
    : Connection(id, std::move(peer), std::move(local)),
      engine_(engine),
      fd_(fd),
      worker_(engine.options().workThreads > 0
                  ? static_cast<int>(std::hash<uint64_t>{}(id) % engine.options().workThreads)
                  : -1) {
  fiber_ = std::make_unique<Fiber>(engine.options().fiberStackSize,
                                   [this] { runHandler(*this, engine_.handler()); });
}

EpollConnection::~EpollConnection() {
  if (fd_ >= 0) net::closeSocket(fd_);
}

void EpollConnection::notify(unsigned bits, bool onEngineThread) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_ |= bits;
    if (scheduled_) return;  // The owner will see the bits before it lets go.
    scheduled_ = true;
  }
  engine_.dispatch(shared_from_this(), onEngineThread);
}

void EpollConnection::runStrand() {
  for (;;) {
    unsigned bits;
    {
      std::lock_guard<std::mutex> lock(mu_);
      bits = pending_;
      pending_ = 0;
    }
    if (bits & kEvStart) started_ = true;
    if (bits & kEvForeign) {
      adoptForeignOutput();
      bits |= kEvOut;  // Try to send it now.
    }
    if ((bits & kEvOut) && !(waitMask_ & kEvOut) && !output_.empty()) {
      int err = 0;
      if (!flushOutput(&err)) {
        socketError(err);  // Records the OS code and the reason; the parked reader returns it.
        bits |= kEvIn;
      }
    }
    const bool wake = (bits & (kEvStart | kEvClose | kEvTimer)) || (bits & waitMask_);
    if (started_ && wake && !fiber_->finished()) fiber_->resume();
    if (fiber_->finished()) {
      engine_.retire(*this);  // Keeps scheduled_ set: nobody runs this strand again.
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_ == 0) {
      scheduled_ = false;
      return;
    }
  }
}

void EpollConnection::park(unsigned mask, Clock::time_point deadline, bool infinite) {
  TimerQueue::Handle timer;
  if (!infinite) timer = engine_.timers().add(deadline, id());
  waitMask_ = mask;
  Fiber::park();
  waitMask_ = 0;
  if (timer) engine_.timers().cancel(timer);
}

IoStatus EpollConnection::fillSome(Clock::time_point deadline, bool infinite) {
  for (;;) {
    if (closing() || fd_ < 0) return IoStatus::NotConnected;
    if (osError_ != 0) return IoStatus::SocketError;  // Seen by a background flush.
    char* chunk = scratch();
    // errno is read inside recvSome, a function that never parks: errno's address is constant per
    // thread to the compiler, so reading it here, in a loop that parks, could read a stale thread's.
    int err = 0;
    const long n = net::recvSome(fd_, chunk, kReadChunk, &err);
    if (n > 0) {
      input_.append(chunk, static_cast<std::size_t>(n));
      return IoStatus::Ok;
    }
    if (n == 0) return peerClosed();
    if (net::interrupted(err)) continue;
    if (!net::wouldBlock(err)) return socketError(err);
    if (!infinite && Clock::now() >= deadline) return IoStatus::Timeout;
    park(kEvIn, deadline, infinite);
  }
}

bool EpollConnection::flushOutput(int* err) {
  while (!output_.empty()) {
    const long n = net::sendSome(fd_, output_.data(), output_.size(), err);
    if (n > 0) {
      output_.consume(static_cast<std::size_t>(n));
      continue;
    }
    if (net::interrupted(*err)) continue;
    return net::wouldBlock(*err);
  }
  output_.clear();
  return true;
}

void EpollConnection::adoptForeignOutput() {
  if (sending_ || fd_ < 0) return;  // sendAll (or close) adopts it when the handler's write ends.
  std::lock_guard<std::mutex> lock(foreignMu_);
  if (foreignOutput_.empty()) return;
  output_.append(foreignOutput_.view());
  foreignOutput_.clear();
}

IoStatus EpollConnection::sendFromOutside(const char* bytes, std::size_t n) {
  const std::size_t limit = std::max<std::size_t>(engine_.options().maxPendingOutput, 1);
  bool overflow = false;
  {
    std::lock_guard<std::mutex> lock(foreignMu_);
    if (foreignOutput_.size() + n > limit) overflow = true;
    else foreignOutput_.append(bytes, n);
  }
  if (overflow) {
    disconnect(CloseReason::SlowConsumer);
    return IoStatus::NotConnected;
  }
  notify(kEvForeign, false);
  return IoStatus::Ok;
}

IoStatus EpollConnection::sendAll(const char* bytes, std::size_t n) {
  struct Sending {  // Marks the write in progress; on the way out, adopts waiting foreign output.
    EpollConnection& c;
    explicit Sending(EpollConnection& conn) : c(conn) { c.sending_ = true; }
    ~Sending() {
      c.sending_ = false;
      c.adoptForeignOutput();
      int err = 0;  // Send what was adopted now: no edge may be pending to trigger it later.
      if (!c.output_.empty() && !c.flushOutput(&err)) c.socketError(err);
    }
  } sending(*this);
  const std::size_t limit = std::max<std::size_t>(engine_.options().maxPendingOutput, 1);
  // In a no-wait region (a lock is held) queue everything rather than wait for room.
  const bool mayWait = !fiber_->inNoWait();
  while (n > 0) {
    if (closing() || fd_ < 0) return IoStatus::NotConnected;
    int err = 0;
    if (!flushOutput(&err)) return socketError(err);
    if (output_.empty()) {  // Nothing queued: try the socket directly, no copy.
      const long sent = net::sendSome(fd_, bytes, n, &err);
      if (sent > 0) {
        bytes += sent;
        n -= static_cast<std::size_t>(sent);
        continue;
      }
      if (net::interrupted(err)) continue;
      if (!net::wouldBlock(err)) return socketError(err);
    }
    // The socket is full: queue what fits under the limit, park for the rest.
    const std::size_t room = limit > output_.size() ? limit - output_.size() : 0;
    const std::size_t take = mayWait ? std::min(room, n) : n;
    output_.append(bytes, take);
    bytes += take;
    n -= take;
    if (n > 0) park(kEvOut, Clock::time_point::max(), true);
  }
  return IoStatus::Ok;
}

void EpollConnection::close() {
  if (fd_ < 0) return;
  markClosing();  // From here on, writes from outside return NotConnected.
  adoptForeignOutput();
  try {
    if (osError_ == 0 && !output_.empty()) {
      const auto deadline = Clock::now() + std::chrono::milliseconds(engine_.options().closeFlushTimeoutMs);
      int err = 0;
      while (flushOutput(&err) && !output_.empty() && Clock::now() < deadline) {
        park(kEvOut, deadline, false);
      }
    }
  } catch (...) {  // Out of memory for a timer: give up on the queued output, still close.
  }
  output_.clear();
  epoll_ctl(engine_.epollFd(), EPOLL_CTL_DEL, fd_, nullptr);
  net::closeSocket(fd_);
  fd_ = -1;
}

// ---------------------------------------------------------------------------------------------
// EpollEngine

void EpollEngine::addFd(int fd, uint32_t events, uint64_t token) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = token;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    throw std::runtime_error("epoll_ctl(ADD) failed: " + net::errorText(errno));
  }
}

std::vector<Endpoint> EpollEngine::start() {
  started_ = true;
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  postFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  timerFd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (epfd_ < 0 || wakeFd_ < 0 || postFd_ < 0 || timerFd_ < 0) {
    throw std::runtime_error("cannot create epoll descriptors: " + net::errorText(errno));
  }
  addFd(wakeFd_, EPOLLIN, kWakeToken);  // Level-triggered: wakes every I/O thread at shutdown.
  addFd(postFd_, EPOLLIN | EPOLLET, kPostToken);
  addFd(timerFd_, EPOLLIN | EPOLLET, kTimerToken);

  std::vector<Endpoint> bound;
  std::vector<net::OpenListener> open;
  try {
    open = net::openListeners(options_, true);
  } catch (const BindError&) {
    stopping_ = true;
    shutdownThreads();  // No thread runs yet: this closes the engine's descriptors.
    throw;
  }
  for (std::size_t i = 0; i < open.size(); ++i) {
    listeners_.push_back(static_cast<int>(open[i].socket));
    addFd(listeners_.back(), EPOLLIN | EPOLLET, kListenerToken + i);
    bound.push_back(open[i].bound);
  }

  const int io = options_.ioThreads > 0 ? options_.ioThreads : processorCount();
  for (int i = 0; i < options_.workThreads; ++i) {
    workers_.push_back(std::make_unique<Worker>());
    Worker& w = *workers_.back();
    w.thread = std::thread([this, &w] { workLoop(w); });
  }
  for (int i = 0; i < io; ++i) ioThreads_.emplace_back([this] { ioLoop(); });
  threadsRunning_ = static_cast<std::size_t>(io + options_.workThreads);
  return bound;
}

bool EpollEngine::stop(int waitMs) {
  if (!started_) return true;
  stopping_ = true;
  // Stop accepting. Listeners are closed only after the I/O threads are gone, so no thread can
  // call accept on a reused descriptor.
  for (int l : listeners_) {
    epoll_ctl(epfd_, EPOLL_CTL_DEL, l, nullptr);
    ::shutdown(l, SHUT_RDWR);
  }
  std::vector<std::shared_ptr<EpollConnection>> all;
  for (Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    for (auto& entry : s.map) all.push_back(entry.second);
  }
  for (auto& c : all) c->disconnect(CloseReason::ServerStopping);
  all.clear();
  std::unique_lock<std::mutex> lock(doneMu_);
  const bool finished = done_.wait_for(lock, std::chrono::milliseconds(waitMs < 0 ? 0 : waitMs), [this] {
    return admission_.active() == 0 && registrySize() == 0;
  });
  lock.unlock();
  if (finished) shutdownThreads();
  return finished;
}

void EpollEngine::shutdownThreads() {
  if (threadsStopped_) return;
  threadsStopped_ = true;
  if (wakeFd_ >= 0) {
    const uint64_t one = 1;
    (void)!::write(wakeFd_, &one, sizeof one);
  }
  for (std::thread& t : ioThreads_) t.join();
  for (auto& w : workers_) {
    {
      std::lock_guard<std::mutex> lock(w->mu);
      w->quit = true;
    }
    w->cv.notify_all();
    w->thread.join();
  }
  ioThreads_.clear();
  workers_.clear();
  threadsRunning_ = 0;
  for (int l : listeners_) net::closeSocket(l);
  listeners_.clear();
  for (int* fd : {&epfd_, &wakeFd_, &postFd_, &timerFd_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

void EpollEngine::ioLoop() {
  std::array<epoll_event, 128> events;
  for (;;) {
    const int n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    bool quit = false;
    for (int i = 0; i < n; ++i) {
      const uint64_t token = events[i].data.u64;
      const uint32_t ev = events[i].events;
      if (token == kWakeToken) {
        quit = true;
      } else if (token == kTimerToken) {
        expireTimers();
      } else if (token == kPostToken) {
        drainPosted();
      } else if (token < kFirstConnId) {
        acceptAll(token - kListenerToken);
      } else if (auto conn = find(token)) {
        unsigned bits = 0;
        if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) bits |= kEvIn;
        if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) bits |= kEvOut;
        conn->notify(bits, true);
      }
    }
    if (quit) return;
  }
}

void EpollEngine::workLoop(Worker& w) {
  for (;;) {
    std::shared_ptr<EpollConnection> conn;
    {
      std::unique_lock<std::mutex> lock(w.mu);
      w.cv.wait(lock, [&w] { return w.quit || !w.queue.empty(); });
      if (w.queue.empty()) return;
      conn = std::move(w.queue.front());
      w.queue.pop_front();
    }
    conn->runStrand();
  }
}

void EpollEngine::dispatch(std::shared_ptr<EpollConnection> conn, bool onEngineThread) {
  if (conn->worker() >= 0) {
    Worker& w = *workers_[static_cast<std::size_t>(conn->worker())];
    {
      std::lock_guard<std::mutex> lock(w.mu);
      w.queue.push_back(std::move(conn));
    }
    w.cv.notify_one();
  } else if (onEngineThread) {
    conn->runStrand();
  } else {
    // A foreign thread (Disconnect from elsewhere, server stop): never run a handler on it.
    {
      std::lock_guard<std::mutex> lock(postMu_);
      posted_.push_back(std::move(conn));
    }
    const uint64_t one = 1;
    (void)!::write(postFd_, &one, sizeof one);
  }
}

void EpollEngine::drainPosted() {
  uint64_t count;
  (void)!::read(postFd_, &count, sizeof count);
  for (;;) {
    std::shared_ptr<EpollConnection> conn;
    {
      std::lock_guard<std::mutex> lock(postMu_);
      if (posted_.empty()) return;
      conn = std::move(posted_.front());
      posted_.pop_front();
    }
    conn->runStrand();
  }
}

void EpollEngine::armTimer(Clock::time_point when) {
  itimerspec spec{};
  if (when != Clock::time_point::max()) {
    // timerfd and steady_clock both count CLOCK_MONOTONIC on Linux.
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count();
    spec.it_value.tv_sec = ns / 1000000000;
    spec.it_value.tv_nsec = ns % 1000000000;
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  }
  timerfd_settime(timerFd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void EpollEngine::expireTimers() {
  uint64_t ticks;
  (void)!::read(timerFd_, &ticks, sizeof ticks);
  for (uint64_t target : timers_.popExpired(Clock::now())) {
    if (target >= kFirstConnId) {
      if (auto conn = find(target)) conn->notify(kEvTimer, true);
    } else if (!stopping_) {
      acceptAll(target - kListenerToken);
    }
  }
}

void EpollEngine::acceptAll(std::size_t index) {
  const int listener = listeners_[index];
  for (;;) {
    if (stopping_) return;
    Endpoint peer, local;
    int err = 0;
    const net::SocketHandle s = net::acceptOne(listener, true, &peer, &local, &err);
    if (s == net::kInvalidSocket) {
      if (net::wouldBlock(err) || stopping_) return;
      if (net::interrupted(err) || err == ECONNABORTED) continue;
      handler_.onListenError(index, "accept failed: " + net::errorText(err));
      // Edge-triggered: nothing re-announces connections still waiting, so come back by timer.
      timers_.add(Clock::now() + std::chrono::milliseconds(kAcceptRetryMs), kListenerToken + index);
      return;
    }
    if (!admission_.tryAdmit()) {
      if (!options_.refusalMessage.empty()) {
        net::sendSome(s, options_.refusalMessage.data(), options_.refusalMessage.size(), &err);
      }
      net::shutdownWrite(s);
      net::closeSocket(s);
      continue;
    }
    if (options_.noDelay) net::setNoDelay(s, true);
    admit(index, static_cast<int>(s), peer, local);
  }
}

void EpollEngine::admit(std::size_t index, int fd, const Endpoint& peer, const Endpoint& local) {
  std::shared_ptr<EpollConnection> conn;
  try {
    conn = std::make_shared<EpollConnection>(*this, nextId_++, fd, peer, local);  // Maps a stack.
  } catch (const std::exception& e) {
    net::closeSocket(fd);
    releaseAdmission();
    handler_.onListenError(index, std::string("cannot set up connection: ") + e.what());
    return;
  }
  if (!insert(conn)) {  // The server is stopping; conn's destructor closes the socket.
    releaseAdmission();
    return;
  }
  try {
    handler_.onAccepted(*conn);
  } catch (const std::exception& e) {
    forget(conn->id());
    releaseAdmission();
    handler_.onListenError(index, std::string("connection refused by onAccepted: ") + e.what());
    return;
  } catch (...) {
    forget(conn->id());
    releaseAdmission();
    handler_.onListenError(index, "connection refused by onAccepted");
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = conn->id();
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    // Accepted and announced, so it still gets its handler run and its OnDisconnect.
    handler_.onListenError(index, "epoll_ctl(ADD) failed: " + net::errorText(errno));
    conn->disconnect(CloseReason::PeerReset);
  }
  conn->notify(kEvStart, true);
}

void EpollEngine::forget(uint64_t id) {
  Shard& s = shards_[id % kShards];
  std::lock_guard<std::mutex> lock(s.mu);
  s.map.erase(id);
}

void EpollEngine::retire(EpollConnection& conn) {
  forget(conn.id());
  releaseAdmission();
}

void EpollEngine::releaseAdmission() {
  std::lock_guard<std::mutex> lock(doneMu_);
  admission_.release();
  done_.notify_all();
}

std::shared_ptr<EpollConnection> EpollEngine::find(uint64_t id) {
  Shard& s = shards_[id % kShards];
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.map.find(id);
  return it == s.map.end() ? nullptr : it->second;
}

bool EpollEngine::insert(const std::shared_ptr<EpollConnection>& conn) {
  Shard& s = shards_[conn->id() % kShards];
  std::lock_guard<std::mutex> lock(s.mu);
  if (stopping_) return false;  // Checked under the shard lock: stop() cannot miss this connection.
  s.map.emplace(conn->id(), conn);
  return true;
}

std::size_t EpollEngine::registrySize() {
  std::size_t n = 0;
  for (Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    n += s.map.size();
  }
  return n;
}

}  // namespace

std::unique_ptr<Engine> makeCompletionEngine(const EngineOptions& options, EngineHandler& handler) {
  return std::make_unique<EpollEngine>(options, handler);
}

}  // namespace iocp
