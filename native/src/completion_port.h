// The platform half of the completion engine (iohIOCP): waiting for I/O, accepting, timers and
// wake-ups. Everything else (strands, fibers, connection registry, work threads, admission) is
// shared code in completion_engine.cpp / completion_connection.cpp.
//
// One implementation per platform; the build compiles one of them, and makePort() is its factory:
//   posix/epoll_port.cpp  one edge-triggered epoll shared by the I/O threads; readiness events.
//   win/iocp_port.*       one I/O completion port: AcceptEx, zero-byte WSARecv, overlapped WSASend.
//
//   posix/uring_port.cpp  io_uring: one ring per I/O thread, multishot receives into a buffer pool.
//
// All present the same model to the shared code: a non-blocking receive/send on a PortSocket
// either makes progress or says "would block", and the port later reports kEvIn / kEvOut for the
// connection on an I/O thread, which then retries. A receive appends straight to the
// connection's input buffer. The two completion ports (Windows, io_uring) keep at most one send
// with the OS per connection and resubmit what a completion left unsent: inflight_send.h.
// port_contract_test.cpp runs one script against every port.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "iocp_native/buffer.h"
#include "iocp_native/connection.h"
#include "event_bits.h"
#include "socket_ops.h"

namespace iocp_native {

// The port reports kEvIn, kEvOut and kEvInEnded (event_bits.h) for a connection.

// Connection ids are at least this; smaller numbers are the port's own (e.g. epoll tokens).
constexpr uint64_t kFirstConnectionId = uint64_t{1} << 20;

// One connection's readiness, as a port reports it.
struct IoEvent {
  uint64_t connId;  // As registered with Port::attach.
  unsigned bits;    // kEvIn / kEvOut / kEvInEnded.
};

// What a port reports to its engine. Every call comes from an I/O thread inside Port::run().
class PortEvents {
 public:
  // The connections registered as events[i].connId may make progress, in this order. A port
  // reports what one wait returned in one call, so the engine can fetch the next connection's
  // state while it runs the current one.
  virtual void onIo(const IoEvent* events, std::size_t n) = 0;
  // A listener produced a connected, non-blocking socket; the callee owns it.
  virtual void onAccepted(std::size_t binding, net::SocketHandle s, const Endpoint& peer,
                          const Endpoint& local) = 0;
  // Accepting on `binding` failed for lack of resources (descriptors, memory). The port stops
  // accepting on it until resumeAccept(binding).
  virtual void onAcceptFailed(std::size_t binding, int osError) = 0;
  virtual void onTimer() = 0;   // The deadline given to armTimer() has passed.
  virtual void onPosted() = 0;  // post() was called.
  // This I/O thread's wait failed for good (`osError`, described by `what`); the thread leaves
  // run() right after this returns and the port hands on whatever only it did (timers, posts,
  // accepting) to a thread that is left. `group`: the connections that only this thread served
  // (PortSocket::group()), or -1 where every thread serves every connection. Called before the
  // port stops serving that group, so the callee can record why those connections end.
  virtual void onIoThreadFailed(int group, int osError, const std::string& what) = 0;

 protected:
  ~PortEvents() = default;
};

// A connected socket registered with a port. Every call from the connection's strand only (one
// thread at a time), except where noted.
class PortSocket {
 public:
  virtual ~PortSocket() = default;  // Closes the socket if close() was not called.
  // Receive without blocking, appending at most `max` bytes to `into`. Returns bytes appended, 0
  // at EOF, or -1 with *err set; when net::wouldBlock(*err) the port reports kEvIn once input may
  // be there. Where shortReceiveArms() holds, it does so also after a receive that returned
  // fewer than `max` bytes. Never parks.
  virtual long receive(Buffer& into, std::size_t max, int* err) = 0;
  // Send without blocking. Returns bytes taken (sent, or handed to the OS for an overlapped send
  // that the port finishes) or -1 with *err set; when net::wouldBlock(*err) the port reports kEvOut
  // once output may move again.
  virtual long send(const char* src, std::size_t n, int* err) = 0;
  // Whether a short receive (fewer bytes than asked) is followed by kEvIn when more input comes,
  // like a receive that would block, so the caller may wait without asking again. Any thread.
  virtual bool shortReceiveArms() const = 0;
  // True while bytes taken by send() are still held by an unfinished OS operation.
  virtual bool sendPending() const = 0;
  // FIN after what was sent; receiving goes on. Only once sendPending() is false.
  virtual void shutdownSend() = 0;
  // Deregister and close the socket. Unfinished OS operations are cancelled; their completions
  // never reach the engine's connection. Idempotent.
  virtual void close() = 0;
  // The I/O thread this socket is bound to (see PortEvents::onIoThreadFailed), or -1 where any
  // I/O thread serves it. Fixed at attach. Any thread.
  virtual int group() const = 0;
};

// A receive from an OS socket (at most kReadChunk bytes) through this thread's scratch area, so an
// idle connection's input buffer holds no storage it does not use: how the ports that receive
// with recv() (epoll, and the Windows port once its zero-byte receive has completed) fill a
// connection's input. Returns as PortSocket::receive. Never parks. Any thread.
long receiveThroughScratch(net::SocketHandle s, Buffer& into, std::size_t max, int* err);

class Port {
 public:
  virtual ~Port() = default;  // Only after shutdown() and after every I/O thread left run().

  // Take the open listeners (in binding order; the port closes them, also when this throws) and
  // start accepting on them. Owner thread, once, before the I/O threads start.
  virtual void listen(const std::vector<net::OpenListener>& listeners) = 0;
  // Accept again on a binding after onAcceptFailed. I/O thread.
  virtual void resumeAccept(std::size_t binding) = 0;
  // Stop accepting for good and close the listeners. An accept completing concurrently may still
  // be reported once; the engine turns it away while stopping. Owner thread, or the last I/O
  // thread when its wait failed (onIoThreadFailed); idempotent.
  virtual void stopAccepting() = 0;
  // Indy's StopListening: stop accepting for now and shut the listeners' sockets (a new connect is
  // refused), keeping their bindings' places. Owner thread, while accepting.
  virtual void pauseListening() = 0;
  // Indy's StartListening after pauseListening: take new open listeners (binding order, the same
  // count; the port owns them from here, also when this throws) and accept on them. Owner thread.
  virtual void resumeListening(const std::vector<net::OpenListener>& listeners) = 0;
  // Register an accepted socket for connection connId. Throws std::runtime_error (the socket is
  // then still the caller's). Any thread.
  virtual std::unique_ptr<PortSocket> attach(net::SocketHandle s, uint64_t connId) = 0;

  // The body of one I/O thread: waits for events and reports them until shutdown(), or until its
  // wait fails for good (after PortEvents::onIoThreadFailed).
  virtual void run() = 0;
  // Make some I/O thread call onPosted() soon. Any thread.
  virtual void post() = 0;
  // Make some I/O thread call onTimer() once `when` has passed; max() disarms. Any thread; calls
  // are serialised by the caller (the engine's TimerQueue).
  virtual void armTimer(Clock::time_point when) = 0;
  // Make run() return on the `ioThreads` I/O threads still in it, after every socket's
  // outstanding OS operations have completed (so none can touch freed memory). Owner thread,
  // once, after every PortSocket has been closed and stopAccepting().
  virtual void shutdown(int ioThreads) = 0;
  // Threads the port runs itself besides the I/O threads. Any thread.
  virtual std::size_t helperThreads() const = 0;
  // OS operations outstanding right now: receives, the bytes of buffer lent to them, and sends.
  // Any thread.
  virtual std::size_t pendingReceives() const = 0;
  virtual std::size_t pendingReceiveBytes() const = 0;
  virtual std::size_t pendingSends() const = 0;
};

// The platform's port for `backend` (see CompletionBackend), to be run by `ioThreads` I/O threads.
// Sets *description to what serves, as Engine::backend() reports it. Throws std::runtime_error
// when the OS refuses to create any port.
std::unique_ptr<Port> makePort(PortEvents& events, CompletionBackend backend, int ioThreads,
                               std::string* description);

}  // namespace iocp_native
