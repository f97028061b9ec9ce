// iohDefault: one listener thread per binding, one thread per connection, blocking sockets.
// This is Indy's model, kept as the baseline and the fallback.
#include "thread_engine.h"

#include <condition_variable>
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
    std::vector<Endpoint> bound;
    {
      std::lock_guard<std::mutex> lock(mu_);  // threadCount() reads the list from any thread.
      for (const net::OpenListener& l : openListeners(options_, false)) {
        listeners_.push_back(Listener{l.socket, listeners_.size(), {}});
        bound.push_back(l.bound);
      }
    }
    for (Listener& l : listeners_) l.thread = std::thread([this, &l] { listen(l); });
    return bound;
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

  std::size_t threadCount() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return listeners_.size() + threads_.size();
  }

 private:
  struct Listener {
    net::SocketHandle socket;
    std::size_t index;
    std::thread thread;
  };
  struct ConnectionThread {
    std::shared_ptr<ThreadConnection> conn;
    std::thread thread;
  };

  void listen(Listener& l) {
    while (!stopping_) {
      reap();
      int err = 0;
      const int ready = net::waitReadable(l.socket, kListenerTickMs, &err);
      if (stopping_) break;
      if (ready <= 0) continue;
      Endpoint peer, local;
      const net::SocketHandle s = net::acceptOne(l.socket, false, &peer, &local, &err);
      if (s == net::kInvalidSocket) {
        if (stopping_) break;
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
    for (Listener& l : listeners_) net::shutdownBoth(l.socket);
    for (Listener& l : listeners_) {
      if (l.thread.joinable()) l.thread.join();
      net::closeSocket(l.socket);
    }
    std::lock_guard<std::mutex> lock(mu_);
    listeners_.clear();
  }

  const EngineOptions options_;
  EngineHandler& handler_;
  Admission admission_;
  TrafficCounters traffic_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> nextId_{1};
  std::vector<Listener> listeners_;  // Changed only by start/stop (the owner's thread).
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
