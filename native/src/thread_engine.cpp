// iohDefault: one listener thread per binding, one thread per connection, blocking sockets.
// This is Indy's model, kept as the baseline and the fallback.
#include "thread_engine.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "accept.h"
#include "admission.h"
#include "handler_runner.h"
#include "socket_ops.h"
#include "thread_connection.h"
#include "traffic_counters.h"

namespace iocp_native {

namespace {

constexpr int kListenerTickMs = 250;  // How often a listener reaps finished connection threads.

class ThreadEngine final : public Engine {
 public:
  ThreadEngine(const EngineOptions& options, EngineHandler& handler)
      : options_(options), handler_(handler), admission_(options.maxConnections) {}

  ~ThreadEngine() override {
    stop(0);
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return threads_.empty(); });
    lock.unlock();
    reap();
  }

  std::vector<Endpoint> start() override {
    stopping_ = false;
    bound_.clear();
    {
      std::lock_guard<std::mutex> lock(mu_);  // threadCount() reads the list from any thread.
      for (const net::OpenListener& l : openListeners(options_, false)) {
        listeners_.push_back(std::make_unique<Listener>(l.socket, listeners_.size()));
        bound_.push_back(l.bound);
      }
    }
    for (auto& l : listeners_) l->thread = std::thread([this, lp = l.get()] { listen(*lp); });
    return bound_;
  }

  void stopListening() override {
    for (auto& l : listeners_) {
      std::unique_lock<std::mutex> lock(l->mu);
      if (l->paused) continue;
      l->paused = true;
      net::shutdownBoth(l->socket);  // Wakes the listener thread out of its wait.
      l->cv.wait(lock, [&] { return l->idle; });  // It has let go of the socket.
      net::closeSocket(l->socket);
      l->socket = net::kInvalidSocket;
    }
  }

  void startListening() override {
    if (stopping_ || listening()) return;
    std::vector<net::OpenListener> open = reopenListeners(options_, bound_, false);  // Throws BindError.
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
      Listener& l = *listeners_[i];  // Paused, as all are (stopListening pauses every one).
      std::lock_guard<std::mutex> lock(l.mu);
      l.socket = open[i].socket;
      l.paused = false;
      l.cv.notify_all();
    }
  }

  bool listening() const override {
    if (stopping_ || listeners_.empty()) return false;
    std::lock_guard<std::mutex> lock(listeners_.front()->mu);
    return !listeners_.front()->paused;  // All pause and resume together.
  }

  bool stop(int waitMs) override {
    stopping_ = true;
    closeListeners();
    std::unique_lock<std::mutex> lock(mu_);
    for (auto& entry : threads_) entry.second.conn->disconnect(CloseReason::ServerStopping);
    const bool done = idle_.wait_for(lock, std::chrono::milliseconds(waitMs < 0 ? 0 : waitMs),
                                     [this] { return threads_.empty(); });
    lock.unlock();
    reap();
    return done;
  }

  EngineStats stats() const override {
    return countersSnapshot(admission_, traffic_);
  }

  std::string backend() const override { return "threads"; }
  void setTlsContext(std::shared_ptr<TlsContext> context) override { tls_.set(std::move(context)); }

  std::size_t threadCount() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return listeners_.size() + threads_.size();
  }

 private:
  // One binding's listener thread. While paused (stopListening) it has no socket and only reaps.
  struct Listener {
    Listener(net::SocketHandle s, std::size_t i) : socket(s), index(i) {}
    std::mutex mu;               // Guards socket, paused and idle against the owner's thread.
    std::condition_variable cv;  // paused changed, or the thread went idle.
    net::SocketHandle socket;
    const std::size_t index;
    bool paused = false;  // stopListening: no socket until startListening gives one.
    bool idle = false;    // The thread is not using the socket (it waits for paused to end).
    std::thread thread;
  };
  struct ConnectionThread {
    std::shared_ptr<ThreadConnection> conn;
    std::thread thread;
  };

  // True once stopListening or stop wants the socket back (the thread then leaves it alone).
  bool letGo(Listener& l) {
    std::lock_guard<std::mutex> lock(l.mu);
    return l.paused || stopping_;
  }

  void listen(Listener& l) {
    while (!stopping_) {
      reap();
      net::SocketHandle socket;
      {
        std::unique_lock<std::mutex> lock(l.mu);
        if (l.paused) {  // StopListening: hand the socket back, reap on a tick until resumed.
          l.idle = true;
          l.cv.notify_all();
          l.cv.wait_for(lock, std::chrono::milliseconds(kListenerTickMs), [&] { return !l.paused || stopping_; });
          continue;
        }
        l.idle = false;
        socket = l.socket;
      }
      int err = 0;
      const int ready = net::waitReadable(socket, kListenerTickMs, &err);
      if (stopping_) break;
      if (ready <= 0 || letGo(l)) continue;
      Endpoint peer, local;
      const net::SocketHandle s = net::acceptOne(socket, false, &peer, &local, &err);
      if (s == net::kInvalidSocket) {
        if (stopping_) break;
        if (letGo(l)) continue;  // The socket was shut down under it: not an error.
        if (net::wouldBlock(err) || net::interrupted(err)) continue;
        handler_.onListenError(l.index, "accept failed: " + net::errorText(err));
        if (net::tooManyFiles(err)) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      if (admitAccepted(admission_, s, options_, stopping_)) admit(l.index, s, peer, local);
    }
  }

  // Start a thread for an admitted socket. Never throws: a failure refuses the connection.
  void admit(std::size_t index, net::SocketHandle s, const Endpoint& peer, const Endpoint& local) {
    std::shared_ptr<ThreadConnection> conn;
    try {
      conn = std::make_shared<ThreadConnection>(nextId_++, s, peer, local, &traffic_,
                                                options_.outsideWriteTimeoutMs);
    } catch (const std::exception& e) {
      net::closeSocket(s);
      release();
      handler_.onListenError(index, std::string("cannot set up connection: ") + e.what());
      return;
    }
    tls_.configure(*conn, options_);
    proxy_.configure(*conn);
    conn->expectHandlerThread();  // Announced below: writes from elsewhere may come before its thread.
    if (!announceAccepted(handler_, *conn, index)) {
      release();  // conn's destructor closes the socket.
      return;
    }
    std::unique_lock<std::mutex> lock(mu_);
    // Created under the lock so the thread's finish() cannot run before it is registered.
    ConnectionThread& w = threads_[conn->id()];
    w.conn = conn;
    try {
      w.thread = std::thread([this, conn] {
        conn->setHandlerThread();
        conn->enableLiveness(options_.liveness, [this, c = conn.get()] { handler_.onHeartbeat(*c, c->state()); });
        runHandler(*conn, handler_, options_.events);
        finish(conn->id());
      });
      return;
    } catch (const std::exception& e) {
      threads_.erase(conn->id());
      lock.unlock();
      // No thread to run the handler (thread limit): run its disconnect path here instead, so
      // the connection that onAccepted announced still gets exactly one onDisconnect.
      handler_.onListenError(index, std::string("cannot start connection thread: ") + e.what());
      conn->disconnect(CloseReason::PeerReset);
      conn->close();
      handler_.onDisconnect(*conn, conn->state(), nullptr);
      release();
    }
  }

  void release() {
    std::lock_guard<std::mutex> lock(mu_);
    admission_.release();
    idle_.notify_all();
  }

  // Connection thread, last act: hand its std::thread to the reaper and release the slot.
  void finish(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = threads_.find(id);
    finished_.push_back(std::move(it->second.thread));
    threads_.erase(it);
    admission_.release();  // Under mu_: the waiters in stop() and the destructor see it.
    idle_.notify_all();
  }

  // Join the threads of finished connections.
  void reap() {
    std::vector<std::thread> done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      done.swap(finished_);
    }
    for (std::thread& t : done) t.join();
  }

  void closeListeners() {
    for (auto& l : listeners_) {
      std::lock_guard<std::mutex> lock(l->mu);
      if (l->socket != net::kInvalidSocket) net::shutdownBoth(l->socket);
      l->cv.notify_all();  // A paused thread sees stopping_.
    }
    for (auto& l : listeners_) {
      if (l->thread.joinable()) l->thread.join();
      if (l->socket != net::kInvalidSocket) net::closeSocket(l->socket);
    }
    std::lock_guard<std::mutex> lock(mu_);
    listeners_.clear();
  }

  const EngineOptions options_;
  TlsContextSlot tls_{options_.tls};
  const ProxyReception proxy_{options_};  // Throws for bad trusted sources.
  EngineHandler& handler_;
  Admission admission_;
  TrafficCounters traffic_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> nextId_{1};
  std::vector<std::unique_ptr<Listener>> listeners_;  // The list changes only in start/stop (owner).
  std::vector<Endpoint> bound_;  // What start() bound: startListening binds the same ports.
  mutable std::mutex mu_;
  std::condition_variable idle_;
  std::unordered_map<uint64_t, ConnectionThread> threads_;
  std::vector<std::thread> finished_;
};

}  // namespace

std::unique_ptr<Engine> makeThreadEngine(const EngineOptions& options, EngineHandler& handler) {
  return std::make_unique<ThreadEngine>(options, handler);
}

}  // namespace iocp_native
