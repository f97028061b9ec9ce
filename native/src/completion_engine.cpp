#include "completion_engine.h"

#include <algorithm>
#include <array>

#include "accept.h"

namespace iocp_native {

namespace {
constexpr int kAcceptRetryMs = 100;  // Back-off when accepting runs out of descriptors or memory.
thread_local bool tlRescuer = false;  // This I/O thread failed last: it runs the rescue loop.
}  // namespace

CompletionEngine::CompletionEngine(const EngineOptions& options, EngineHandler& handler)
    : options_(options),
      handler_(handler),
      admission_(options.maxConnections),
      timers_([this](Clock::time_point when) {
        if (rescuing_.load(std::memory_order_acquire)) {
          std::lock_guard<std::mutex> lock(rescueMu_);
          rescueTimer_ = when;
          rescueCv_.notify_all();
        } else if (port_) {
          port_->armTimer(when);
        }
      }),
      services_{*this, timers_, handler, options_, traffic_},
      nextId_(kFirstConnectionId) {}

CompletionEngine::~CompletionEngine() {
  if (!port_) return;
  stop(0);
  std::unique_lock<std::mutex> lock(doneMu_);
  done_.wait(lock, [this] { return allFinished(); });
  lock.unlock();
  shutdownThreads();
}

std::vector<Endpoint> CompletionEngine::start() {
  started_ = true;
  ioThreadCount_ = options_.ioThreads > 0 ? options_.ioThreads : processorCount();
  port_ = makePort(*this, options_.backend, ioThreadCount_, &backend_);
  std::vector<Endpoint> bound;
  const std::vector<net::OpenListener> open = openListeners(options_, true);  // Throws BindError.
  port_->listen(open);
  for (const net::OpenListener& l : open) bound.push_back(l.bound);
  bound_ = bound;
  listening_ = true;

  workers_.reserve(static_cast<std::size_t>(options_.workThreads));
  for (int i = 0; i < options_.workThreads; ++i) {
    // Listed only once its thread runs, so a failed start leaves nothing unjoinable behind.
    auto w = std::make_unique<WorkThread>();
    w->thread = std::thread([this, wp = w.get()] { workLoop(*wp); });
    workers_.push_back(std::move(w));
  }
  failedGroups_ = std::make_unique<std::atomic<bool>[]>(static_cast<std::size_t>(ioThreadCount_));
  liveIoThreads_ = ioThreadCount_;
  for (int i = 0; i < ioThreadCount_; ++i) ioThreads_.emplace_back([this] { ioThreadBody(); });
  threadsRunning_ = static_cast<std::size_t>(ioThreadCount_ + options_.workThreads) +
                    port_->helperThreads();
  return bound;
}

void CompletionEngine::stopListening() {
  if (!port_ || stopping_ || !listening_) return;
  port_->pauseListening();
  listening_ = false;
}

void CompletionEngine::startListening() {
  if (!port_ || stopping_ || listening_) return;
  port_->resumeListening(reopenListeners(options_, bound_, true));  // Throws BindError.
  listening_ = true;
}

bool CompletionEngine::stop(int waitMs) {
  if (!port_ || threadsStopped_) return true;
  stopping_ = true;
  port_->stopAccepting();
  std::vector<std::shared_ptr<CompletionConnection>> all;
  for (Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    for (auto& entry : s.map) all.push_back(entry.second);
  }
  for (auto& c : all) c->disconnect(CloseReason::ServerStopping);
  all.clear();
  std::unique_lock<std::mutex> lock(doneMu_);
  const bool finished = done_.wait_for(lock, std::chrono::milliseconds(waitMs < 0 ? 0 : waitMs),
                                       [this] { return allFinished(); });
  lock.unlock();
  if (finished) shutdownThreads();
  return finished;
}

EngineStats CompletionEngine::stats() const {
  EngineStats s = countersSnapshot(admission_, traffic_);
  s.ioThreadFailures = ioThreadFailures_.load(std::memory_order_relaxed);
  if (port_) {  // Lives until the engine is destroyed; its counters are atomics.
    s.osReceivesPending = port_->pendingReceives();
    s.osReceiveBytesPending = port_->pendingReceiveBytes();
    s.osSendsPending = port_->pendingSends();
  }
  return s;
}

void CompletionEngine::shutdownThreads() {
  if (threadsStopped_) return;
  stopping_ = true;
  port_->stopAccepting();
  // Every connection has closed its socket by now; the port lets its outstanding OS operations
  // complete before the I/O threads leave.
  port_->shutdown(liveIoThreads_.load());
  {
    std::lock_guard<std::mutex> lock(rescueMu_);
    rescueQuit_ = true;
    rescueCv_.notify_all();
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
  threadsStopped_ = true;
  threadsRunning_ = 0;
}

// --- PortEvents (I/O threads) -------------------------------------------------------------------

void CompletionEngine::onIo(const IoEvent* events, std::size_t n) {
  // Look the batch up first, then run each connection while the next one's state is fetched into
  // the cache: with many connections, a fiber's stack and the connection are rarely still there.
  constexpr std::size_t kChunk = 32;
  constexpr std::size_t kAhead = 2;  // Stacks fetched this many connections ahead.
  std::array<std::shared_ptr<CompletionConnection>, kChunk> conns;
  for (std::size_t base = 0; base < n; base += kChunk) {
    const std::size_t m = std::min(kChunk, n - base);
    for (std::size_t i = 0; i < m; ++i) {
      conns[i] = find(events[base + i].connId);
      if (conns[i]) conns[i]->prefetchState();
    }
    for (std::size_t i = 0; i < std::min<std::size_t>(m, kAhead); ++i) {
      if (conns[i]) conns[i]->prefetchStack();
    }
    for (std::size_t i = 0; i < m; ++i) {
      if (i + kAhead < m && conns[i + kAhead]) conns[i + kAhead]->prefetchStack();
      if (conns[i]) conns[i]->notify(events[base + i].bits, true);
      conns[i].reset();
    }
  }
}

void CompletionEngine::onAccepted(std::size_t binding, net::SocketHandle s, const Endpoint& peer,
                                  const Endpoint& local) {
  if (admitAccepted(admission_, s, options_, stopping_)) admit(binding, s, peer, local);
}

void CompletionEngine::onAcceptFailed(std::size_t binding, int osError) {
  handler_.onListenError(binding, "accept failed: " + net::errorText(osError));
  // Nothing re-announces connections still waiting in the backlog: come back by timer.
  timers_.add(Clock::now() + std::chrono::milliseconds(kAcceptRetryMs),
              TimerTarget{TimerTarget::Kind::AcceptRetry, binding});
}

void CompletionEngine::onTimer() {
  for (const TimerTarget& target : timers_.popExpired(Clock::now())) {
    switch (target.kind) {
      case TimerTarget::Kind::Wait:
        if (auto conn = find(target.id)) conn->notify(kEvTimer, true);
        break;
      case TimerTarget::Kind::Liveness:
        if (auto conn = find(target.id)) conn->notify(kEvLiveness, true);
        break;
      case TimerTarget::Kind::AcceptRetry:
        if (!stopping_) port_->resumeAccept(static_cast<std::size_t>(target.id));
        break;
    }
  }
}

void CompletionEngine::onIoThreadFailed(int group, int osError, const std::string& what) {
  if (group >= 0 && group < ioThreadCount_) failedGroups_[static_cast<std::size_t>(group)].store(true);
  const bool last = liveIoThreads_.fetch_sub(1) == 1;
  std::string message = "I/O thread failed: " + what;
  if (last) {
    {
      std::lock_guard<std::mutex> lock(rescueMu_);
      // Run what was posted and fire what is due at once: a post or a deadline given to the port
      // just before this is not lost. The queue re-arms here from now on.
      rescueWoken_ = true;
      rescueTimer_ = Clock::now();
      rescuing_.store(true, std::memory_order_release);
    }
    tlRescuer = true;
    port_->stopAccepting();
    message += "; no I/O thread is left: the server stops accepting and closes every connection";
  } else {
    threadsRunning_.fetch_sub(1);
    message += group >= 0 ? "; the connections it served are closed, the other I/O threads keep serving"
                          : "; the other I/O threads keep serving";
  }
  handler_.onListenError(kNoBinding, message);
  // A connection admitted from now on checks groupFailed() itself (admit), so none is missed.
  std::vector<std::shared_ptr<CompletionConnection>> ending;
  for (Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    for (auto& entry : s.map) {
      if (groupFailed(entry.second->group())) ending.push_back(entry.second);
    }
  }
  for (auto& c : ending) c->endForIoThreadFailure(osError);
  ioThreadFailures_.fetch_add(1);  // Last: once counted, the failure has been reported.
}

bool CompletionEngine::groupFailed(int group) const {
  if (liveIoThreads_.load() <= 0) return true;
  return group >= 0 && group < ioThreadCount_ && failedGroups_[static_cast<std::size_t>(group)].load();
}

void CompletionEngine::ioThreadBody() {
  port_->run();
  if (tlRescuer) rescueLoop();
}

void CompletionEngine::rescueLoop() {
  std::unique_lock<std::mutex> lock(rescueMu_);
  for (;;) {
    if (rescueQuit_) return;
    if (rescueWoken_) {
      rescueWoken_ = false;
      lock.unlock();
      onPosted();
      lock.lock();
      continue;
    }
    if (rescueTimer_ <= Clock::now()) {
      rescueTimer_ = Clock::time_point::max();  // popExpired re-arms (through the queue's arm).
      lock.unlock();
      onTimer();
      lock.lock();
      continue;
    }
    if (rescueTimer_ == Clock::time_point::max()) rescueCv_.wait(lock);
    else rescueCv_.wait_until(lock, rescueTimer_);
  }
}

void CompletionEngine::wakeRescue() {
  std::lock_guard<std::mutex> lock(rescueMu_);
  rescueWoken_ = true;
  rescueCv_.notify_all();
}

void CompletionEngine::onPosted() {
  for (;;) {
    std::shared_ptr<CompletionConnection> conn;
    {
      std::lock_guard<std::mutex> lock(postMu_);
      if (posted_.empty()) return;
      conn = std::move(posted_.front());
      posted_.pop_front();
    }
    conn->runStrand();
  }
}

// --- Connections --------------------------------------------------------------------------------

void CompletionEngine::admit(std::size_t binding, net::SocketHandle s, const Endpoint& peer,
                             const Endpoint& local) {
  std::shared_ptr<CompletionConnection> conn;
  try {
    conn = CompletionConnection::create(services_, nextId_++, peer, local);  // Maps a fiber stack.
    conn->attach(port_->attach(s, conn->id()), s);
    tls_.configure(*conn, options_);
    proxy_.configure(*conn);
  } catch (const std::exception& e) {
    net::closeSocket(s);  // Not attached: still ours.
    releaseAdmission();
    handler_.onListenError(binding, std::string("cannot set up connection: ") + e.what());
    return;
  }
  if (!insert(conn)) {  // The server is stopping; conn's destructor closes the socket.
    releaseAdmission();
    return;
  }
  if (!announceAccepted(handler_, *conn, binding)) {
    forget(conn->id());
    releaseAdmission();
    return;
  }
  // Its I/O thread failed while it was being set up (after onIoThreadFailed looked for it).
  if (groupFailed(conn->group())) conn->endForIoThreadFailure(0);
  conn->notify(kEvStart, true);
}

void CompletionEngine::dispatch(std::shared_ptr<CompletionConnection> conn) {
  if (conn->worker() >= 0) queueOnWorkThread(std::move(conn));
  else conn->runStrand();
}

void CompletionEngine::post(std::shared_ptr<CompletionConnection> conn) {
  if (conn->worker() >= 0) {
    queueOnWorkThread(std::move(conn));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(postMu_);
    posted_.push_back(std::move(conn));
  }
  if (rescuing_.load(std::memory_order_acquire)) wakeRescue();
  else port_->post();
}

void CompletionEngine::queueOnWorkThread(std::shared_ptr<CompletionConnection> conn) {
  WorkThread& w = *workers_[static_cast<std::size_t>(conn->worker())];
  {
    std::lock_guard<std::mutex> lock(w.mu);
    w.queue.push_back(std::move(conn));
  }
  w.cv.notify_one();
}

void CompletionEngine::workLoop(WorkThread& w) {
  for (;;) {
    std::shared_ptr<CompletionConnection> conn;
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

void CompletionEngine::retire(CompletionConnection& conn) {
  forget(conn.id());
  releaseAdmission();
}

void CompletionEngine::releaseAdmission() {
  std::lock_guard<std::mutex> lock(doneMu_);
  admission_.release();
  done_.notify_all();
}

bool CompletionEngine::allFinished() { return admission_.active() == 0 && registrySize() == 0; }

std::shared_ptr<CompletionConnection> CompletionEngine::find(uint64_t id) {
  Shard& s = shards_[id % kShards];
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.map.find(id);
  return it == s.map.end() ? nullptr : it->second;
}

bool CompletionEngine::insert(const std::shared_ptr<CompletionConnection>& conn) {
  Shard& s = shards_[conn->id() % kShards];
  std::lock_guard<std::mutex> lock(s.mu);
  if (stopping_) return false;  // Checked under the shard lock: stop() cannot miss this connection.
  s.map.emplace(conn->id(), conn);
  return true;
}

void CompletionEngine::forget(uint64_t id) {
  Shard& s = shards_[id % kShards];
  std::lock_guard<std::mutex> lock(s.mu);
  s.map.erase(id);
}

std::size_t CompletionEngine::registrySize() {
  std::size_t n = 0;
  for (Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    n += s.map.size();
  }
  return n;
}

std::unique_ptr<Engine> makeCompletionEngine(const EngineOptions& options, EngineHandler& handler) {
  return std::make_unique<CompletionEngine>(options, handler);
}

}  // namespace iocp_native
