// iohIOCP: the completion engine, shared by every platform. A small pool of I/O threads runs the
// platform's Port (epoll on Linux, an I/O completion port on Windows); each connection's handler
// runs on its own fiber (see completion_connection.h).
//
//   Port::run (IOCPThreads I/O threads) ──onIo──▶ registry lookup ──▶ CompletionConnection::notify
//                ──onAccepted──▶ admission ──▶ new connection, registered, started
//                ──onTimer──▶ TimerQueue::popExpired ──▶ kEvTimer / kEvLiveness to the connections due
//                ──onPosted──▶ strands handed over by foreign threads
//                ──onIoThreadFailed──▶ the connections only that thread served end (IoThreadFailed)
//   WorkOpThreads = N: strands run on N work threads instead (connection pinned to id % N).
//
// An I/O thread whose wait fails for good leaves; the others keep serving. When none is left, the
// last one stays as a rescue loop: it stops accepting, ends every connection and runs their
// strands and timers until the server is stopped, so every OnDisconnect still fires once.
//
// The engine owns its connections and is their ConnectionScheduler; they never call it otherwise.
#pragma once

#include <array>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "accept.h"
#include "admission.h"
#include "completion_connection.h"
#include "completion_port.h"
#include "iocp_native/engine.h"
#include "timer_queue.h"
#include "traffic_counters.h"

namespace iocp_native {

class CompletionEngine final : public Engine, private PortEvents, private ConnectionScheduler {
 public:
  CompletionEngine(const EngineOptions& options, EngineHandler& handler);
  ~CompletionEngine() override;  // Waits for every connection to finish.

  std::vector<Endpoint> start() override;
  bool stop(int waitMs) override;
  void stopListening() override;
  void startListening() override;
  bool listening() const override { return listening_ && !stopping_; }
  EngineStats stats() const override;
  std::size_t threadCount() const override { return threadsRunning_.load(); }
  std::string backend() const override { return backend_; }
  void setTlsContext(std::shared_ptr<TlsContext> context) override { tls_.set(std::move(context)); }

 private:
  // A WorkOpThreads thread: runs the strands of the connections pinned to it.
  struct WorkThread {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::shared_ptr<CompletionConnection>> queue;
    bool quit = false;
    std::thread thread;
  };
  static constexpr std::size_t kShards = 16;
  struct Shard {
    std::mutex mu;
    std::unordered_map<uint64_t, std::shared_ptr<CompletionConnection>> map;
  };

  // PortEvents: I/O threads.
  void onIo(const IoEvent* events, std::size_t n) override;
  void onAccepted(std::size_t binding, net::SocketHandle s, const Endpoint& peer,
                  const Endpoint& local) override;
  void onAcceptFailed(std::size_t binding, int osError) override;
  void onTimer() override;
  void onPosted() override;
  void onIoThreadFailed(int group, int osError, const std::string& what) override;

  // ConnectionScheduler.
  void dispatch(std::shared_ptr<CompletionConnection> conn) override;
  void post(std::shared_ptr<CompletionConnection> conn) override;
  void retire(CompletionConnection& conn) override;

  void queueOnWorkThread(std::shared_ptr<CompletionConnection> conn);
  void workLoop(WorkThread& w);
  void ioThreadBody();  // Port::run, then the rescue loop if this thread became the rescuer.
  // No I/O thread is left: run posted strands and timers here until shutdownThreads().
  void rescueLoop();
  void wakeRescue();  // A post or a new timer deadline for the rescue loop.
  // The I/O thread serving `group` has failed (or every one has): a connection of it must end.
  bool groupFailed(int group) const;
  // Set up an admitted socket as a connection and start its handler; never throws.
  void admit(std::size_t binding, net::SocketHandle s, const Endpoint& peer, const Endpoint& local);
  void releaseAdmission();  // Give back a slot; wakes stop()/the destructor waiting for the last.
  void shutdownThreads();
  std::shared_ptr<CompletionConnection> find(uint64_t id);
  bool insert(const std::shared_ptr<CompletionConnection>& conn);  // False once stopping.
  void forget(uint64_t id);
  std::size_t registrySize();
  bool allFinished();  // No connection left. Under doneMu_.

  const EngineOptions options_;
  TlsContextSlot tls_{options_.tls};
  const ProxyReception proxy_{options_};  // Throws for bad trusted sources.
  EngineHandler& handler_;
  Admission admission_;
  TrafficCounters traffic_;
  TimerQueue timers_;
  const CompletionServices services_;  // What each connection is given.
  std::unique_ptr<Port> port_;
  std::string backend_;  // What makePort chose (set by start()).
  bool started_ = false;
  bool threadsStopped_ = false;
  std::atomic<bool> stopping_{false};
  std::vector<Endpoint> bound_;  // What start() bound: startListening binds the same ports.
  bool listening_ = false;       // Owner thread: between start() / startListening and stopListening.
  std::atomic<uint64_t> nextId_;
  std::atomic<std::size_t> threadsRunning_{0};
  int ioThreadCount_ = 0;
  std::atomic<int> liveIoThreads_{0};  // I/O threads still waiting on the port.
  std::atomic<uint64_t> ioThreadFailures_{0};
  std::unique_ptr<std::atomic<bool>[]> failedGroups_;  // Per port group (ioThreadCount_ of them).
  // The rescue loop (no I/O thread left): posts and timer deadlines come here instead of the port.
  std::atomic<bool> rescuing_{false};
  std::mutex rescueMu_;
  std::condition_variable rescueCv_;
  Clock::time_point rescueTimer_ = Clock::time_point::max();  // Under rescueMu_.
  bool rescueWoken_ = false;                                   // Under rescueMu_.
  bool rescueQuit_ = false;                                    // Under rescueMu_.
  std::vector<std::thread> ioThreads_;
  std::vector<std::unique_ptr<WorkThread>> workers_;
  std::array<Shard, kShards> shards_;
  std::mutex postMu_;
  std::deque<std::shared_ptr<CompletionConnection>> posted_;
  std::mutex doneMu_;
  std::condition_variable done_;
};

std::unique_ptr<Engine> makeCompletionEngine(const EngineOptions& options, EngineHandler& handler);

}  // namespace iocp_native
