// The engine: listens, accepts, and runs one handler per connection. With connection.h and
// buffer.h this is the whole interface of the native layer towards the component (engines live
// behind makeEngine(); everything in native/src is internal to the engine).
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "iocp_native/connection.h"
#include "iocp_native/tls.h"

namespace iocp_native {

enum class EngineKind : int {
  Threads = 0,     // One thread per connection, blocking sockets (Indy's model; iohDefault).
  Completion = 1,  // The platform's completion engine (epoll on Linux, IOCP on Windows; iohIOCP).
};

// What the completion engine waits on (Linux; Windows always uses its I/O completion port).
enum class CompletionBackend : int {
  // epoll on Linux. The environment variable IOCP_BACKEND=io_uring (or =epoll) overrides it, so a
  // whole program or test suite can be run on io_uring without a rebuild.
  Default = 0,
  // io_uring: multishot receives into a shared pool of buffers, sends batched into one system call
  // per wait. Where the kernel refuses it (too old, disabled, out of locked memory), epoll serves
  // instead and Engine::backend() says why.
  IoUring = 1,
};

// One listening address. An empty ip means every IPv4 address ("0.0.0.0").
struct BindingSpec {
  std::string ip;
  uint16_t port = 0;  // 0 = let the OS choose; the chosen port is reported by onListening.
};

// EngineOptions::proxyProtocol: which PROXY protocol headers (HAProxy's, www.haproxy.org/download/
// 2.6/doc/proxy-protocol.txt) a server expects before a connection's first byte. Off: none.
enum class ProxyProtocol { Off, V1, V2, Either };

// Empty if `text` is a list of numeric addresses and networks ("10.0.0.5, 10.0.0.0/8, ::1",
// separated by commas, semicolons or blanks), else what is wrong with it. Any thread.
std::string checkAddressList(std::string_view text);

// EngineOptions::slowConsumer.
enum class SlowConsumer { PauseReading, Disconnect };

struct EngineOptions {
  EngineKind kind = EngineKind::Threads;
  std::vector<BindingSpec> bindings;
  int listenQueue = 0;                           // listen() backlog; <= 0 = the system's maximum.
  std::size_t maxConnections = 0;                // 0 = unlimited. Strict: never exceeded.
  std::string refusalMessage;                    // Sent to a refused connection before closing ("" = none).
  bool reuseAddress = true;                      // SO_REUSEADDR on listeners.
  // SO_REUSEPORT on listeners (Linux): several processes listen on one port and the kernel spreads
  // new connections over them; a process being replaced drains while its successor listens.
  // Windows has no such option: start() fails with BindError there.
  bool reusePort = false;
  bool noDelay = false;                          // TCP_NODELAY on accepted sockets (UseNagle = !noDelay).
  int receiveBufferSize = 0;                     // SO_RCVBUF on accepted sockets; 0 = the OS default.
  int sendBufferSize = 0;                        // SO_SNDBUF on accepted sockets; 0 = the OS default.
  int ioThreads = 0;                             // Completion: threads waiting for events; 0 = processors.
  int workThreads = 0;                           // Completion: 0 = handlers run on the I/O threads,
                                                 // N = each connection pinned to one of N work threads.
  // The event model: no fiber and no handler loop; onData runs when bytes have arrived (and
  // onExecute never). Completion engine: on the connection's strand, writes queue instead of
  // waiting. Thread engine: on the connection's thread, after each receive.
  bool events = false;
  CompletionBackend backend = CompletionBackend::Default;  // Completion: the OS interface (Linux).
  std::size_t fiberStackSize = 256 * 1024;       // Completion: reserved stack per connection.
  std::size_t maxPendingOutput = 4 * 1024 * 1024;  // Completion: a write parks past this many queued bytes.
  // Completion, event model: what a connection whose queued output passes maxPendingOutput gets
  // (nothing waits there, so a write cannot park). PauseReading: its bytes are no longer read nor
  // delivered (TCP then slows the peer down) until the output is down to half; its writes always
  // queue. Disconnect: dropped as a slow consumer, its queued output with it. (The fiber model's
  // write parks; the thread engine's waits.)
  SlowConsumer slowConsumer = SlowConsumer::PauseReading;
  // Behind a load balancer: every connection begins with a PROXY protocol header of the versions
  // proxyProtocol names (V1, V2, Either), which replaces Connection::peer() with the client it
  // names before onConnect. Only from the sources in proxyTrustedSources (checkAddressList's
  // form; start() throws std::invalid_argument for a bad one); a connection from elsewhere, with
  // a malformed header, or none within proxyHeaderTimeoutMs, ends with reason ProxyRefused and
  // never reaches onConnect (onDisconnect still follows onAccepted).
  ProxyProtocol proxyProtocol = ProxyProtocol::Off;
  std::string proxyTrustedSources;
  int proxyHeaderTimeoutMs = 5000;
  int closeFlushTimeoutMs = 2000;                // Time a closing connection may take to send queued output.
  LivenessOptions liveness;                      // Heartbeat, idle timeout, keepalive, user timeout.
  // TLS on every connection (null = plain): the server's context (Engine::setTlsContext replaces it
  // for the connections accepted after). tlsImplicit: TLS from the first byte; the handshake
  // runs right after onConnect (what onConnect writes goes out once it is done) and the handler's
  // loop (onExecute / onData) starts once it is done; a failed one ends the connection with its
  // reason (onDisconnect as always). false: bytes go plain until the handler calls
  // Connection::startTls (STARTTLS). tlsHandshakeTimeoutMs bounds the handshake (reason
  // TlsHandshakeTimeout); 0 = no limit.
  std::shared_ptr<TlsContext> tls;
  bool tlsImplicit = true;
  int tlsHandshakeTimeoutMs = 10000;
  int outsideWriteTimeoutMs = 2000;              // Threads: how long a write from outside a connection's
                                                 // handler may wait for the peer before the peer is
                                                 // dropped as a slow consumer. (Completion engine:
                                                 // bounded by maxPendingOutput instead.)
};

// Thrown by EngineHandler::onAccepted to refuse a connection whose refusal it has reported itself
// (any other exception is reported through onListenError).
struct RefuseConnection {};

// Callbacks from the engine. Handler-context calls run on the connection's own thread (Threads)
// or fiber (Completion); calls for different connections run concurrently, calls for one connection
// never overlap. `state` is what onAccepted returned for that connection.
class EngineHandler {
 public:
  virtual ~EngineHandler() = default;
  // Accepting thread, before the handler starts. Returns the layer above's per-connection state,
  // passed back to every later call for this connection. May throw: the connection is refused
  // (closed, no further call for it; RefuseConnection: without an onListenError).
  virtual void* onAccepted(Connection& conn) = 0;
  // Handler context, once. May throw; the exception ends the connection.
  virtual void onConnect(Connection& conn, void* state) = 0;
  // Handler context, repeatedly while conn.connected(). May throw; the exception ends the connection.
  virtual void onExecute(Connection& conn, void* state) = 0;
  // The event model (EngineOptions::events): bytes arrived and wait in conn.input(). Handler
  // context (completion engine: the connection's strand, no fiber: must not wait, and reads that
  // would wait time out at once). Take what is whole; the rest stays for the next call. May
  // throw; the exception ends the connection.
  virtual void onData(Connection& conn, void* state) { (void)conn, (void)state; }
  // Handler context, exactly once per accepted connection, after its socket is closed.
  // `error` is the exception that ended the connection (or null). Must not throw.
  virtual void onDisconnect(Connection& conn, void* state, std::exception_ptr error) = 0;
  // Heartbeat: time to ping (LivenessOptions). Runs in the connection's context while its handler
  // waits (iohIOCP: on its strand, the fiber parked; iohDefault: on its thread, inside the wait),
  // never concurrently with the handler. Write the protocol's ping with conn.write. Must not throw.
  virtual void onHeartbeat(Connection& conn, void* state) { (void)conn, (void)state; }
  // A listener failed (bind, listen or accept), or, with binding == kNoBinding, the engine itself
  // did (an I/O thread of the completion engine failed: the connections it served are closed with
  // CloseReason::IoThreadFailed, the other threads keep serving). Any thread. Must not throw.
  virtual void onListenError(std::size_t binding, const std::string& message) = 0;
};

// onListenError's binding for a failure that is not one listener's.
constexpr std::size_t kNoBinding = static_cast<std::size_t>(-1);

// Thrown by Engine::start when a binding cannot be set up.
class BindError : public std::runtime_error {
 public:
  BindError(std::size_t index, int error, const std::string& what)
      : std::runtime_error(what), binding(index), osError(error) {}
  std::size_t binding;
  int osError;
};

// A snapshot of an engine's counters (Engine::stats). Cheap: a few dozen atomic loads.
struct EngineStats {
  std::size_t active = 0;    // Connections admitted and not yet finished.
  std::size_t peak = 0;      // Most connections active at once since start.
  uint64_t accepted = 0;     // Connections admitted since start.
  uint64_t refused = 0;      // Connections refused (MaxConnections).
  // Completion engine: receive operations handed to the OS and not yet completed, and the bytes
  // of buffer lent to them (IOCP's zero-byte receives lend none; epoll hands none to the OS).
  std::size_t osReceivesPending = 0;
  std::size_t osReceiveBytesPending = 0;
  std::size_t osSendsPending = 0;  // Overlapped sends the OS has not finished (IOCP).
  uint64_t bytesIn = 0, bytesOut = 0;  // Received; written by handlers and from outside.
  uint64_t reads = 0, writes = 0;      // Receives that returned data; write calls accepted.
  uint64_t closed[kCloseReasonCount] = {};  // Finished connections by CloseReason.
  uint64_t ioThreadFailures = 0;  // Completion engine: I/O threads whose wait failed for good.
  // Completion engine, event model (SlowConsumer::PauseReading): times a connection stopped
  // reading its peer because its queued output passed maxPendingOutput.
  uint64_t readPauses = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;
  // Bind every binding, start listening and serving. Returns the bound endpoints (ports filled in).
  // Throws BindError. NOT thread safe with stop().
  virtual std::vector<Endpoint> start() = 0;
  // Stop accepting, disconnect every connection (reason ServerStopping) and wait up to waitMs for
  // their handlers to finish. Returns true if all finished in time; stragglers are waited for by
  // the destructor. NOT thread safe with start(); must not be called from a handler.
  virtual bool stop(int waitMs) = 0;
  // Indy's StopListening: close the listening sockets (a new connect is refused) while the open
  // connections go on. No effect when not listening. Owner thread, not concurrently with
  // start(), stop() or startListening().
  virtual void stopListening() = 0;
  // Indy's StartListening: listen again on the same addresses and ports (a port the OS chose at
  // start() is kept). No effect when listening or stopping. Throws BindError (and stays not
  // listening). Owner thread, as stopListening().
  virtual void startListening() = 0;
  // Listening: from start() until stop() or stopListening(), and again after startListening().
  // Owner thread.
  virtual bool listening() const = 0;
  virtual EngineStats stats() const = 0;  // Any thread.
  // Threads the engine itself runs right now (listener, I/O, work and connection threads). Any thread.
  virtual std::size_t threadCount() const = 0;
  // What serves the connections: "threads", "epoll", "io_uring", "IOCP", or, when io_uring was
  // asked for and refused, "epoll (io_uring unavailable: <the reason>)". After start(); any thread.
  virtual std::string backend() const = 0;
  // A new TLS context (a renewed certificate) for the connections accepted from now on; open ones
  // keep theirs. Null: plain from now on. Any thread.
  virtual void setTlsContext(std::shared_ptr<TlsContext> context) = 0;
};

// Create an engine of options.kind. The handler must outlive the engine.
std::unique_ptr<Engine> makeEngine(const EngineOptions& options, EngineHandler& handler);

// Thrown by connectTcp.
class ConnectError : public std::runtime_error {
 public:
  ConnectError(int error, bool timeout, const std::string& what)
      : std::runtime_error(what), osError(error), timedOut(timeout) {}
  int osError;
  bool timedOut;
};

// A blocking client connection (the client component's). NOT thread safe: use it from one thread
// at a time, except Connection::disconnect and write, which any thread may call.
class ClientConnection {
 public:
  virtual ~ClientConnection() = default;  // Closes the socket.
  virtual Connection& connection() = 0;   // Reads, writes and state.
  // Heartbeat / idle timeout, checked while the client reads (a client that is not reading does
  // not ping). onPing runs on the reading thread when a ping is due; the payload is sent after
  // it. Call once, before reading.
  virtual void enableLiveness(const LivenessOptions& options, std::function<void()> onPing) = 0;
  // A clean goodbye: sends `goodbye` (may be empty) and what is buffered, shuts the sending side
  // down (FIN), drops whatever the peer still sends until it closes too or timeoutMs pass, then
  // closes. The peer sees a graceful close at once, never a reset.
  virtual void closeGracefully(std::string_view goodbye, int timeoutMs) = 0;
  virtual void close() = 0;  // Close the socket now. Idempotent.
  // TLS as a client: the context, the server's name (sent as SNI; where the context verifies the
  // peer, the name its certificate must carry) and the handshake's time limit (0 = none). Then
  // connection().startTls() runs the handshake. Before any read or write.
  virtual void configureClientTls(std::shared_ptr<TlsContext> context, const std::string& serverName,
                                  int handshakeTimeoutMs) = 0;
};

// Connect to host:port (a name or a numeric address) within timeoutMs (kInfinite = the OS's own
// limit). Throws ConnectError.
std::unique_ptr<ClientConnection> connectTcp(const std::string& host, uint16_t port, int timeoutMs,
                                             bool noDelay);

// A stretch of handler code that must not wait, e.g. while holding a plain lock (the component's
// Contexts->LockList() opens one). Inside it, in the completion engine, writes on the handler's own
// connection queue beyond the output limit instead of waiting, and a read that would have to wait
// aborts the process with a message (it would otherwise wait holding the lock). Nestable; pair
// every enter with a leave on the same handler. Any thread; no effect outside a fiber.
void enterNoWaitRegion();
void leaveNoWaitRegion();

// A host runtime's per-fiber state (Fiber::setSwitchHook in native/src/fiber.h): `hook(state,
// true)` right before a fiber runs on a thread, `hook(state, false)` right after it parks or
// finishes; `state` is the fiber's own zeroed block of kFiberHostStateSize bytes. Set once,
// before any engine starts. Any thread.
using FiberSwitchHook = void (*)(void* state, bool entering);
constexpr std::size_t kFiberHostStateSize = 64;
void setFiberSwitchHook(FiberSwitchHook hook);
// A host runtime's self-test of its per-fiber state: runs `count` fibers on the calling thread in
// turn, each body(index) until it returns; inside a body, yieldInterleavedFiber() parks that
// fiber and the next unfinished one runs. The switch hook runs on every switch, as for handlers.
// body must not throw. Returns false (runs nothing) when called from a fiber. Any other thread.
bool runInterleavedFibers(int count, const std::function<void(int)>& body);
// From a body of runInterleavedFibers: let the next fiber run. False (no effect) elsewhere.
bool yieldInterleavedFiber();

int processorCount();  // Number of processors available to this process.
std::string osErrorText(int osError);  // The OS's message for an error code (errno / WSA code).

}  // namespace iocp_native
