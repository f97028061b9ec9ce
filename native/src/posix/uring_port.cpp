// The completion engine's port on io_uring (Linux 6.0+): one ring per I/O thread, each connection
// on one ring (round robin). What it saves over epoll is system calls: a connection's receive is
// one multishot receive, armed once, that fills buffers from a pool the ring shares (provided
// buffers), and sends are queued on the ring and go to the kernel together with everything else
// the thread prepared, in the one io_uring_enter that also waits for the next completions.
//
// The shared code's model is kept (completion_port.h): receive() takes bytes that already arrived
// (from the connection's queue of filled pool buffers, straight into the connection's input
// buffer) or says "would block", and kEvIn follows the next arrival; send() copies into the
// connection's one in-flight send (inflight_send.h) and says "would block" while it is unfinished
// (sendPending()), and kEvOut follows its completion.
//
// Threads: only a ring's own I/O thread touches its submission queue. A connection's socket may be
// used from another thread (a work thread, a strand posted elsewhere); it then leaves a note in the
// ring's mailbox and wakes the ring (an eventfd), and the ring's thread prepares the operations.
// The pool's buffers go back to the kernel under a small lock, from whichever thread consumed them.
//
// Flow control: a connection whose handler does not read holds at most kMaxQueued pool buffers;
// then its receive is cancelled, and armed again once the handler has read. When the pool runs dry
// the kernel ends a receive with ENOBUFS; that connection is armed again once buffers come back.
//
// A ring whose wait fails for good: its thread tells the engine (which ends the ring's
// connections), marks the ring failed and leaves. From then on nothing is prepared on it: a
// socket of it is shut down and closed directly by whoever closes it, and the port's duties (the
// post and timer eventfds, the listeners), held by one ring at a time, go to a ring that is left.
#include <liburing.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "../fault_injection.h"
#include "../inflight_send.h"
#include "iocp_native/buffer.h"
#include "linux_ports.h"

namespace iocp_native {

namespace {

constexpr unsigned kRingEntries = 1024;       // Submission queue; the completion queue is twice that.
constexpr unsigned kPoolBuffers = 1024;       // Provided buffers per ring (a power of two).
constexpr unsigned kPoolBufferSize = 4096;    // Bytes each.
constexpr std::size_t kMaxQueued = 16;        // Filled buffers a connection may hold before it pauses.
constexpr unsigned kBufferGroup = 0;          // Each ring has its own pool, so one group id serves.
constexpr int kShutdownWaitMs = 2000;         // How long shutdown waits for cancelled operations.

// user_data of a completion: a pointer with the operation kind in its low bits, or a port token.
enum : uint64_t { kOpRecv = 0, kOpSend = 1, kOpCancel = 2, kOpPort = 3, kOpMask = 7 };
// Port tokens (<< 3 | kOpPort).
constexpr uint64_t kWakeToken = 0, kPostToken = 1, kTimerToken = 2, kMailToken = 3, kListenerToken = 16;

struct Ring;

// One connection's socket. Guarded by mu unless noted.
struct SocketState {
  SocketState(Ring& r, int f, uint64_t id) : ring(r), fd(f), connId(id) {}
  Ring& ring;
  const int fd;          // Closed by the ring's thread once nothing it prepared refers to it.
  const uint64_t connId;
  std::mutex mu;
  struct Chunk {
    uint16_t buffer;
    uint32_t offset, size;
  };
  // Filled pool buffers, oldest first: queue[head..]. A vector, not a deque: an empty deque
  // holds over 500 bytes, and most connections are idle.
  std::vector<Chunk> queue;
  std::size_t head = 0;
  std::size_t queued() const { return queue.size() - head; }
  void popFront() {
    if (++head == queue.size()) queue.clear(), head = 0;
  }
  bool eof = false;         // The peer's FIN came (after what is queued).
  int error = 0;            // The receive failed (after what is queued).
  bool closed = false;      // close() was called.
  bool fdClosed = false;    // Ring thread only.
  // Ring thread only: the multishot receive is with the kernel; its user_data holds recvKeep.
  bool recvArmed = false;
  bool recvPaused = false;  // Cancelled for flow control (kMaxQueued), or starved.
  bool starved = false;     // Ended by ENOBUFS: armed again once the pool has buffers back.
  std::shared_ptr<SocketState> recvKeep, sendKeep;  // Alive while an operation may complete.
  InflightSend send;        // The one send operation (its completion runs under mu).
  bool sendQueued = false;  // send's bytes wait to be prepared by the ring's thread.
};

struct Ring {
  int index = 0;  // Its I/O thread's group (PortSocket::group()).
  io_uring uring{};
  bool uringReady = false;
  io_uring_buf_ring* pool = nullptr;  // The provided-buffer ring (kPoolBuffers entries).
  char* poolMemory = nullptr;         // kPoolBuffers * kPoolBufferSize.
  std::mutex poolMu;                  // Returning buffers (any thread).
  std::atomic<unsigned> returned{0};  // Buffers given back since the ring's thread last looked.
  int mailFd = -1;                    // eventfd: the mailbox has notes.
  std::mutex mailMu;
  std::vector<std::shared_ptr<SocketState>> mail;  // Sockets whose state changed elsewhere.
  bool mailSignalled = false;                      // Under mailMu.
  // Under mailMu: take on the port's duties (UringPort::armDuties) at the next look at the mail.
  bool adoptDuties = false;
  // Under mailMu: the listeners have new sockets (resumeListening): move their polls over.
  bool relisten = false;
  // Set under mailMu by the ring's thread when its wait failed for good; read anywhere.
  std::atomic<bool> failed{false};
  // Under mailMu: sockets closed after the ring failed; their operations' self-references are
  // dropped once the ring is gone (destructor).
  std::vector<std::shared_ptr<SocketState>> abandoned;
  std::vector<std::shared_ptr<SocketState>> starved;  // Ring thread: ended by ENOBUFS.
  std::atomic<long> outstanding{0};   // Socket operations with the kernel (receive, send, cancel).
  std::atomic<std::size_t> armedReceives{0};

  char* buffer(unsigned id) const { return poolMemory + std::size_t{id} * kPoolBufferSize; }

  void giveBack(const uint16_t* ids, std::size_t n) {
    std::lock_guard<std::mutex> lock(poolMu);
    const int mask = io_uring_buf_ring_mask(kPoolBuffers);
    for (std::size_t i = 0; i < n; ++i) {
      io_uring_buf_ring_add(pool, buffer(ids[i]), kPoolBufferSize, ids[i], mask, static_cast<int>(i));
    }
    io_uring_buf_ring_advance(pool, static_cast<int>(n));
    returned.fetch_add(static_cast<unsigned>(n), std::memory_order_release);
  }
};

thread_local Ring* tlRing = nullptr;  // The ring whose I/O thread this is.

std::string errorName(int err) { return net::errorText(err); }

// io_uring_enable_rings, which Debian's liburing 2.3 declares but does not export: the calling
// thread becomes the ring's single issuer.
bool enableRing(Ring& r) {
  return syscall(__NR_io_uring_register, r.uring.ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr, 0) == 0;
}

class UringPort;

class UringSocket final : public PortSocket {
 public:
  UringSocket(UringPort& port, std::shared_ptr<SocketState> st) : port_(port), st_(std::move(st)) {}
  ~UringSocket() override { close(); }
  long receive(Buffer& into, std::size_t max, int* err) override;
  long send(const char* src, std::size_t n, int* err) override;
  bool shortReceiveArms() const override { return true; }  // Every arrival completes the receive.
  bool sendPending() const override { return st_->send.pending(); }
  void shutdownSend() override {
    std::lock_guard<std::mutex> lock(st_->mu);
    if (!st_->closed) ::shutdown(st_->fd, SHUT_WR);
  }
  void close() override;
  int group() const override { return st_->ring.index; }

 private:
  UringPort& port_;
  std::shared_ptr<SocketState> st_;
};

class UringPort final : public Port {
 public:
  UringPort(PortEvents& events, int rings) : events_(events), rings_(static_cast<std::size_t>(rings)) {}

  ~UringPort() override {
    const bool drained = [this] {
      for (const Ring& r : rings_) {
        if (r.outstanding.load() > 0 && !r.failed) return false;
      }
      return true;
    }();
    for (Ring& r : rings_) {
      if (r.uringReady) io_uring_queue_exit(&r.uring);
      if (r.mailFd >= 0) ::close(r.mailFd);
      // Gave up waiting for cancelled operations: the kernel may still write into the pool. (A
      // failed ring's operations were cancelled when its thread ended, and its sockets shut down.)
      if (drained || r.failed) {
        std::free(r.poolMemory);
        std::free(r.pool);
      }
      for (auto& st : r.mail) releaseFd(*st);
      for (auto& st : r.abandoned) st->recvKeep.reset(), st->sendKeep.reset();
    }
    for (int l : listeners_) net::closeSocket(l);
    for (int fd : {wakeFd_, postFd_, timerFd_}) {
      if (fd >= 0) ::close(fd);
    }
  }

  // Sets up every ring; false, with the reason, where the kernel refuses.
  bool init(std::string* why) {
    wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    postFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    timerFd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (wakeFd_ < 0 || postFd_ < 0 || timerFd_ < 0) {
      *why = "cannot create eventfd/timerfd: " + errorName(errno);
      return false;
    }
    for (std::size_t i = 0; i < rings_.size(); ++i) {
      rings_[i].index = static_cast<int>(i);
      if (!initRing(rings_[i], why)) return false;
    }
    rings_[0].adoptDuties = true;
    return true;
  }

  void listen(const std::vector<net::OpenListener>& listeners) override {
    for (const net::OpenListener& l : listeners) listeners_.push_back(static_cast<int>(l.socket));
  }

  void resumeAccept(std::size_t binding) override { acceptAll(binding); }

  void stopAccepting() override { pauseListening(); }

  void pauseListening() override {
    if (!accepting_.exchange(false)) return;  // Paused already.
    // The listeners' polls stay armed; a shut-down listener is reported once more and then
    // turned away by acceptAll. Closed in the destructor, after the I/O threads are gone.
    for (int l : listeners_) ::shutdown(l, SHUT_RDWR);
  }

  // Each new listener takes its binding's descriptor number (takeListenerNumbers). The armed
  // polls still watch the old sockets: the duty ring removes them, and each removed poll's
  // completion arms a new one on the new socket (portEvent); where none was armed, the removal
  // reports ENOENT and the poll is armed there (complete).
  void resumeListening(const std::vector<net::OpenListener>& listeners) override {
    takeListenerNumbers(listeners_, listeners);  // Throws.
    accepting_ = true;
    const int duty = dutyRing_.load();
    if (duty < 0) return;  // Every ring failed: nothing serves anyway.
    Ring& r = rings_[static_cast<std::size_t>(duty)];
    bool signal = false;
    {
      std::lock_guard<std::mutex> lock(r.mailMu);
      r.relisten = true;
      if (!r.mailSignalled) signal = r.mailSignalled = true;
    }
    if (signal) signalEventFd(r.mailFd);
  }

  std::unique_ptr<PortSocket> attach(net::SocketHandle s, uint64_t connId) override {
    Ring* ring = nullptr;
    for (std::size_t k = 0; k < rings_.size() && ring == nullptr; ++k) {
      Ring& r = rings_[nextRing_.fetch_add(1) % rings_.size()];
      if (!r.failed.load()) ring = &r;
    }
    if (ring == nullptr) throw std::runtime_error("every io_uring ring has failed");
    Ring& r = *ring;
    auto st = std::make_shared<SocketState>(r, static_cast<int>(s), connId);
    auto socket = std::make_unique<UringSocket>(*this, st);
    changed(st);  // Arms the receive.
    return socket;
  }

  void run() override {
    const std::size_t index = nextRunner_.fetch_add(1);
    if (index >= rings_.size()) return;  // More threads than rings: nothing to serve.
    Ring& r = rings_[index];
    if (!enableRing(r)) {
      const int err = errno;
      failRing(r, err, "enabling an io_uring ring failed: " + errorName(err));
      return;
    }
    tlRing = &r;
    armPort(r, kWakeToken, wakeFd_);
    armPort(r, kMailToken, r.mailFd);
    takeDuties(r);
    std::vector<IoEvent> io;
    io.reserve(256);
    Clock::time_point quitBy{};
    for (;;) {
      if (quitting_.load(std::memory_order_acquire)) {
        if (quitBy == Clock::time_point{}) quitBy = Clock::now() + std::chrono::milliseconds(kShutdownWaitMs);
        if (r.outstanding.load() == 0 || Clock::now() >= quitBy) break;
        __kernel_timespec ts{0, 50 * 1000 * 1000};
        io_uring_cqe* unused = nullptr;
        io_uring_submit_and_wait_timeout(&r.uring, &unused, 1, &ts, nullptr);
      } else {
        int injected = 0;
        const int rc = fault::takeIoWaitFailure(&injected) ? -injected : io_uring_submit_and_wait(&r.uring, 1);
        if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY && rc != -ETIME) {
          tlRing = nullptr;
          failRing(r, -rc, "io_uring_enter failed: " + errorName(-rc));
          return;
        }
      }
      io.clear();
      unsigned head = 0, seen = 0;
      io_uring_cqe* cqe = nullptr;
      io_uring_for_each_cqe(&r.uring, head, cqe) {
        complete(r, *cqe, io);
        ++seen;
      }
      io_uring_cq_advance(&r.uring, seen);
      if (!io.empty()) events_.onIo(io.data(), io.size());
      if (!r.starved.empty() && r.returned.load(std::memory_order_acquire) > 0) rearmStarved(r);
    }
    tlRing = nullptr;
  }

  void post() override { signalEventFd(postFd_); }

  void armTimer(Clock::time_point when) override { armTimerFd(timerFd_, when); }

  // Every socket is closed by now; each ring's thread waits (bounded) for the cancellations to
  // complete, then leaves.
  void shutdown(int) override {
    quitting_.store(true, std::memory_order_release);
    signalEventFd(wakeFd_);
  }

  std::size_t helperThreads() const override { return 0; }
  std::size_t pendingReceives() const override {
    std::size_t n = 0;
    for (const Ring& r : rings_) n += r.armedReceives.load();
    return n;
  }
  std::size_t pendingReceiveBytes() const override { return 0; }  // The pool is shared, lent to none.
  std::size_t pendingSends() const override { return pendingSends_.load(); }

  // A socket's state changed (receive wanted, send queued, closed): the ring's thread prepares
  // what it needs, now if this is that thread, else through the mailbox; on a failed ring the
  // caller settles it at once (abandon).
  void changed(const std::shared_ptr<SocketState>& st) {
    Ring& r = st->ring;
    if (tlRing == &r) {
      sync(r, st);
      return;
    }
    bool signal = false;
    {
      std::lock_guard<std::mutex> lock(r.mailMu);
      if (!r.failed.load()) {
        r.mail.push_back(st);
        if (!r.mailSignalled) signal = r.mailSignalled = true;
      }
    }
    if (signal) {
      signalEventFd(r.mailFd);
    } else if (r.failed.load()) {
      abandon(r, st);
    }
  }

  // UringSocket::send handed a send to the ring (pendingSends() counts it until finishSend).
  void sendStarted() { pendingSends_.fetch_add(1); }

 private:
  bool initRing(Ring& r, std::string* why) {
    io_uring_params params{};
    // One thread submits and reaps each ring, and completions are handled when it asks for them.
    // Created disabled: the ring's I/O thread enables it and so becomes its single issuer.
    params.flags = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
                   IORING_SETUP_R_DISABLED;
    int rc = io_uring_queue_init_params(kRingEntries, &r.uring, &params);
    if (rc == -EINVAL) {  // Before Linux 6.1: without the deferred completion work.
      params = io_uring_params{};
      params.flags = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_R_DISABLED;
      rc = io_uring_queue_init_params(kRingEntries, &r.uring, &params);
    }
    if (rc < 0) {
      *why = "io_uring_setup: " + errorName(-rc);
      return false;
    }
    r.uringReady = true;
    io_uring_probe* probe = io_uring_get_probe_ring(&r.uring);
    // Multishot receive came with Linux 6.0, as did IORING_OP_SEND_ZC: the latter can be probed.
    const bool recent = probe != nullptr && io_uring_opcode_supported(probe, IORING_OP_SEND_ZC);
    if (probe != nullptr) io_uring_free_probe(probe);
    if (!recent) {
      *why = "the kernel has no multishot receive (Linux 6.0 or later needed)";
      return false;
    }
    void* ringMemory = nullptr;
    if (posix_memalign(&ringMemory, static_cast<std::size_t>(sysconf(_SC_PAGESIZE)),
                       kPoolBuffers * sizeof(io_uring_buf)) != 0) {
      *why = "out of memory for the buffer ring";
      return false;
    }
    r.pool = static_cast<io_uring_buf_ring*>(ringMemory);
    r.poolMemory = static_cast<char*>(std::malloc(std::size_t{kPoolBuffers} * kPoolBufferSize));
    if (r.poolMemory == nullptr) {
      *why = "out of memory for the receive buffers";
      return false;
    }
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<uint64_t>(r.pool);
    reg.ring_entries = kPoolBuffers;
    reg.bgid = kBufferGroup;
    rc = io_uring_register_buf_ring(&r.uring, &reg, 0);
    if (rc < 0) {
      *why = "io_uring_register_buf_ring: " + errorName(-rc);
      return false;
    }
    io_uring_buf_ring_init(r.pool);
    const int mask = io_uring_buf_ring_mask(kPoolBuffers);
    for (unsigned i = 0; i < kPoolBuffers; ++i) {
      io_uring_buf_ring_add(r.pool, r.buffer(i), kPoolBufferSize, static_cast<unsigned short>(i), mask,
                            static_cast<int>(i));
    }
    io_uring_buf_ring_advance(r.pool, kPoolBuffers);
    r.mailFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (r.mailFd < 0) {
      *why = "cannot create eventfd: " + errorName(errno);
      return false;
    }
    return true;
  }

  // A submission queue entry; when the queue is full, what it holds goes to the kernel first.
  static io_uring_sqe* sqe(Ring& r) {
    io_uring_sqe* e = io_uring_get_sqe(&r.uring);
    while (e == nullptr) {
      io_uring_submit(&r.uring);
      e = io_uring_get_sqe(&r.uring);
    }
    return e;
  }

  // The ring's thread: its wait failed for good. The engine ends the ring's connections first
  // (so they end for this reason), then the ring stops taking notes and its duties move on.
  void failRing(Ring& r, int err, const std::string& what) {
    events_.onIoThreadFailed(r.index, err, what);
    std::vector<std::shared_ptr<SocketState>> notes;
    {
      std::lock_guard<std::mutex> lock(r.mailMu);
      r.failed.store(true);
      notes.swap(r.mail);
      r.adoptDuties = false;
    }
    for (auto& st : notes) abandon(r, st);
    if (dutyRing_.load() != r.index) return;
    for (Ring& other : rings_) {  // Hand the duties to a ring that is left, if any.
      std::lock_guard<std::mutex> lock(other.mailMu);
      if (other.failed.load()) continue;
      other.adoptDuties = true;
      dutyRing_.store(other.index);
      other.mailSignalled = true;
      signalEventFd(other.mailFd);
      return;
    }
    dutyRing_.store(-1);
  }

  // Any thread: a socket of a failed ring. Nothing is prepared on the ring any more: a queued send
  // fails, and a closed socket is shut down (its operations still with the kernel end) and closed.
  void abandon(Ring& r, const std::shared_ptr<SocketState>& st) {
    {
      std::lock_guard<std::mutex> lock(st->mu);
      if (st->sendQueued) {
        st->sendQueued = false;
        finishSend(*st, ECONNABORTED);
      }
      if (!st->closed || st->fdClosed) return;
      ::shutdown(st->fd, SHUT_RDWR);
      releaseFd(*st);
    }
    std::lock_guard<std::mutex> lock(r.mailMu);
    r.abandoned.push_back(st);
  }

  // The ring's thread: arm the port's duties here if they were handed to this ring.
  void takeDuties(Ring& r) {
    {
      std::lock_guard<std::mutex> lock(r.mailMu);
      if (!r.adoptDuties) return;
      r.adoptDuties = false;
    }
    dutyRing_.store(r.index);
    armPort(r, kPostToken, postFd_);
    armPort(r, kTimerToken, timerFd_);
    if (!accepting_) return;
    for (std::size_t i = 0; i < listeners_.size(); ++i) armPort(r, kListenerToken + i, listeners_[i]);
  }

  // The ring's thread, after resumeListening: remove each listener's poll (its completion, or the
  // removal's ENOENT, arms one on the new socket).
  void relisten(Ring& r) {
    {
      std::lock_guard<std::mutex> lock(r.mailMu);
      if (!r.relisten) return;
      r.relisten = false;
    }
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
      const uint64_t token = kListenerToken + i;
      io_uring_sqe* e = sqe(r);
      io_uring_prep_poll_remove(e, (token << 3) | kOpPort);
      io_uring_sqe_set_data64(e, (token << 3) | kOpCancel);
      r.outstanding.fetch_add(1);
    }
  }

  void armPort(Ring& r, uint64_t token, int fd) {
    io_uring_sqe* e = sqe(r);
    io_uring_prep_poll_multishot(e, fd, POLLIN);
    io_uring_sqe_set_data64(e, (token << 3) | kOpPort);
  }

  // Ring thread: prepare what the socket's state asks for.
  void sync(Ring& r, const std::shared_ptr<SocketState>& st) {
    std::unique_lock<std::mutex> lock(st->mu);
    if (st->closed) {
      if (st->fdClosed) return;
      if (st->recvArmed) cancel(r, st, kOpRecv);
      if (st->send.pending() && !st->sendQueued) cancel(r, st, kOpSend);
      if (st->sendQueued) {  // Never reached the kernel: nothing to wait for.
        st->sendQueued = false;
        finishSend(*st, 0);
      }
      lock.unlock();
      // Nothing prepared may name the descriptor once it is closed (the number is reused).
      io_uring_submit(&r.uring);
      releaseFd(*st);
      return;
    }
    if (st->sendQueued) {
      st->sendQueued = false;
      io_uring_sqe* e = sqe(r);
      io_uring_prep_send(e, st->fd, st->send.data(), st->send.size(), MSG_NOSIGNAL);
      io_uring_sqe_set_data64(e, reinterpret_cast<uint64_t>(st.get()) | kOpSend);
      st->sendKeep = st;
      r.outstanding.fetch_add(1);
    }
    const bool wantReceive = !st->recvArmed && st->queued() < kMaxQueued / 2 && !st->eof && st->error == 0;
    if (wantReceive) {
      st->recvPaused = st->starved = false;
      io_uring_sqe* e = sqe(r);
      io_uring_prep_recv_multishot(e, st->fd, nullptr, 0, 0);
      e->flags |= IOSQE_BUFFER_SELECT;
      e->buf_group = kBufferGroup;
      io_uring_sqe_set_data64(e, reinterpret_cast<uint64_t>(st.get()) | kOpRecv);
      st->recvArmed = true;
      st->recvKeep = st;
      r.outstanding.fetch_add(1);
      r.armedReceives.fetch_add(1);
    }
  }

  void cancel(Ring& r, const std::shared_ptr<SocketState>& st, uint64_t op) {
    io_uring_sqe* e = sqe(r);
    io_uring_prep_cancel64(e, reinterpret_cast<uint64_t>(st.get()) | op, 0);
    io_uring_sqe_set_data64(e, kOpCancel);
    r.outstanding.fetch_add(1);
  }

  // The socket's send is over: all sent, failed with `error`, or given up (0). Under st.mu.
  void finishSend(SocketState& st, int error) {
    st.send.fail(error);
    pendingSends_.fetch_sub(1);
  }

  static void releaseFd(SocketState& st) {
    if (st.fdClosed) return;
    st.fdClosed = true;
    net::closeSocket(st.fd);
  }

  // Ring thread: one completion.
  void complete(Ring& r, const io_uring_cqe& c, std::vector<IoEvent>& io) {
    const uint64_t data = c.user_data;
    const uint64_t op = data & kOpMask;
    if (op == kOpPort) {
      portEvent(r, data >> 3, c);
      return;
    }
    if (op == kOpCancel) {
      r.outstanding.fetch_sub(1);
      const uint64_t token = data >> 3;  // A listener's poll removal (relisten), else 0.
      if (token >= kListenerToken && c.res == -ENOENT && accepting_) {
        armPort(r, token, listeners_[token - kListenerToken]);  // No poll was armed: arm one.
      }
      return;
    }
    auto* st = reinterpret_cast<SocketState*>(data & ~kOpMask);
    std::shared_ptr<SocketState> keep;  // Drops the operation's reference after we are done.
    std::unique_lock<std::mutex> lock(st->mu);
    unsigned bits = 0;
    if (op == kOpRecv) {
      const bool more = (c.flags & IORING_CQE_F_MORE) != 0;
      if (c.res > 0 && (c.flags & IORING_CQE_F_BUFFER)) {
        const auto id = static_cast<uint16_t>(c.flags >> IORING_CQE_BUFFER_SHIFT);
        if (st->closed) {
          lock.unlock();
          r.giveBack(&id, 1);
          lock.lock();
        } else {
          st->queue.push_back({id, 0, static_cast<uint32_t>(c.res)});
          bits |= kEvIn;
          if (more && st->queued() >= kMaxQueued && !st->recvPaused) {
            st->recvPaused = true;  // The handler is not reading: stop taking the pool's buffers.
            cancel(r, st->recvKeep, kOpRecv);
          }
        }
      } else if (c.res == 0) {
        st->eof = true;
        bits |= kEvIn | kEvInEnded;
      } else if (c.res == -ENOBUFS) {
        if (!st->closed) {
          st->recvPaused = st->starved = true;
          r.starved.push_back(st->recvKeep);  // Armed again when buffers come back.
        }
      } else if (c.res == -ECANCELED) {
        // Closed, or paused for flow control: armed again once the handler has read.
      } else if (c.res < 0) {
        st->error = -c.res;
        bits |= kEvIn | kEvInEnded;
      }
      if (!more) {
        st->recvArmed = false;
        keep = std::move(st->recvKeep);
        r.outstanding.fetch_sub(1);
        r.armedReceives.fetch_sub(1);
        // Armed again while the handler has room: a receive may end for reasons of its own, and
        // one cancelled for flow control may end after the handler has already read.
        if (!st->closed && !st->starved && !st->eof && st->error == 0 && st->queued() < kMaxQueued / 2) {
          lock.unlock();
          sync(r, keep);
          lock.lock();
        }
      }
    } else {  // kOpSend
      keep = std::move(st->sendKeep);
      r.outstanding.fetch_sub(1);
      if (c.res < 0) {
        finishSend(*st, c.res == -ECANCELED ? 0 : -c.res);
        bits |= kEvOut;
      } else if (!st->closed && st->send.sent(static_cast<std::size_t>(c.res))) {
        st->sendQueued = true;  // Part went: send the rest.
        lock.unlock();
        sync(r, keep);
        lock.lock();
      } else {
        finishSend(*st, 0);  // All sent (sent() finished it), or closed meanwhile.
        bits |= kEvOut;
      }
    }
    const bool report = bits != 0 && !st->closed;
    lock.unlock();
    if (report) io.push_back(IoEvent{st->connId, bits});
  }

  void portEvent(Ring& r, uint64_t token, const io_uring_cqe& c) {
    const bool rearm = (c.flags & IORING_CQE_F_MORE) == 0;  // A multishot poll can end; start it anew.
    if (token == kWakeToken) {
      if (rearm) armPort(r, token, wakeFd_);
    } else if (token == kMailToken) {
      uint64_t count;
      (void)!::read(r.mailFd, &count, sizeof count);
      std::vector<std::shared_ptr<SocketState>> notes;
      {
        std::lock_guard<std::mutex> lock(r.mailMu);
        notes.swap(r.mail);
        r.mailSignalled = false;
      }
      for (auto& st : notes) sync(r, st);
      if (rearm) armPort(r, token, r.mailFd);
      takeDuties(r);
      relisten(r);
    } else if (token == kPostToken) {
      uint64_t count;
      (void)!::read(postFd_, &count, sizeof count);
      events_.onPosted();
      if (rearm) armPort(r, token, postFd_);
    } else if (token == kTimerToken) {
      uint64_t ticks;
      (void)!::read(timerFd_, &ticks, sizeof ticks);
      events_.onTimer();
      if (rearm) armPort(r, token, timerFd_);
    } else if (token >= kListenerToken) {
      const std::size_t binding = token - kListenerToken;
      acceptAll(binding);
      if (rearm && accepting_) armPort(r, token, listeners_[binding]);
    }
  }

  void rearmStarved(Ring& r) {
    r.returned.store(0, std::memory_order_relaxed);
    std::vector<std::shared_ptr<SocketState>> again;
    again.swap(r.starved);
    for (auto& st : again) {
      {
        std::lock_guard<std::mutex> lock(st->mu);
        st->starved = false;
      }
      sync(r, st);
    }
  }

  void acceptAll(std::size_t binding) { acceptUntilEmpty(listeners_[binding], binding, accepting_, events_); }

  PortEvents& events_;
  std::vector<Ring> rings_;
  std::atomic<std::size_t> nextRing_{0};
  std::atomic<std::size_t> nextRunner_{0};
  std::atomic<int> dutyRing_{0};  // The ring that polls the post and timer eventfds and listeners.
  int wakeFd_ = -1, postFd_ = -1, timerFd_ = -1;
  std::vector<int> listeners_;
  std::atomic<bool> accepting_{true};
  std::atomic<bool> quitting_{false};
  std::atomic<std::size_t> pendingSends_{0};
};

long UringSocket::receive(Buffer& into, std::size_t max, int* err) {
  SocketState& st = *st_;
  uint16_t done[kMaxQueued + 1];
  std::size_t doneCount = 0, got = 0;
  bool rearm = false;
  int error = 0;
  bool eof = false;
  {
    std::lock_guard<std::mutex> lock(st.mu);
    while (got < max && st.queued() > 0) {
      SocketState::Chunk& c = st.queue[st.head];
      const std::size_t take = std::min<std::size_t>(max - got, c.size - c.offset);
      into.append(st.ring.buffer(c.buffer) + c.offset, take);  // The one copy: pool -> input.
      got += take;
      c.offset += static_cast<uint32_t>(take);
      if (c.offset == c.size) {
        done[doneCount++] = c.buffer;
        st.popFront();
        // A short receive must mean an empty queue (shortReceiveArms): hand back and go on.
        if (doneCount == sizeof done / sizeof done[0]) st.ring.giveBack(done, doneCount), doneCount = 0;
      }
    }
    // Paused for flow control and now with room: the ring's thread arms the receive again.
    rearm = st.recvPaused && !st.recvArmed && st.queued() < kMaxQueued / 2 && !st.closed;
    error = st.error;
    eof = st.eof;
  }
  if (doneCount > 0) st.ring.giveBack(done, doneCount);
  if (rearm) port_.changed(st_);
  if (got > 0) return static_cast<long>(got);
  if (error != 0) {
    *err = error;
    return -1;
  }
  if (eof) return 0;
  *err = st.ring.failed.load() ? ECONNABORTED : EWOULDBLOCK;  // A failed ring reports nothing more.
  return -1;
}

long UringSocket::send(const char* src, std::size_t n, int* err) {
  SocketState& st = *st_;
  {
    std::lock_guard<std::mutex> lock(st.mu);
    if (st.closed) {
      *err = ENOTSOCK;
      return -1;
    }
    if (st.ring.failed.load()) {  // Nothing would ever send it.
      *err = ECONNABORTED;
      return -1;
    }
    std::size_t taken = 0;
    if (const int e = st.send.begin(src, n, EWOULDBLOCK, &taken)) {  // One at a time: order on the wire.
      *err = e;
      return -1;
    }
    st.sendQueued = true;
    port_.sendStarted();
    n = taken;
  }
  port_.changed(st_);
  return static_cast<long>(n);
}

void UringSocket::close() {
  SocketState& st = *st_;
  uint16_t held[kMaxQueued * 2];
  std::size_t count = 0;
  {
    std::lock_guard<std::mutex> lock(st.mu);
    if (st.closed) return;
    st.closed = true;
    for (std::size_t i = st.head; i < st.queue.size(); ++i) {
      held[count++] = st.queue[i].buffer;
      if (count == sizeof held / sizeof held[0]) {
        st.ring.giveBack(held, count);
        count = 0;
      }
    }
    std::vector<SocketState::Chunk>().swap(st.queue);
    st.head = 0;
  }
  if (count > 0) st.ring.giveBack(held, count);
  port_.changed(st_);  // The ring's thread cancels what is outstanding and closes the descriptor.
}

}  // namespace

std::unique_ptr<Port> makeUringPort(PortEvents& events, int rings, std::string* why) {
  auto port = std::make_unique<UringPort>(events, rings < 1 ? 1 : rings);
  if (!port->init(why)) return nullptr;
  return port;
}

}  // namespace iocp_native
