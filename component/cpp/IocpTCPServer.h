// TIocpTCPServer: Indy's TIdTCPServer members over the native engine.
//
//   TIocpTCPServer Server;
//   Server.DefaultPort = 9000;
//   Server.IOHandlerOptions.IOHandlerType = iohIOCP;
//   Server.OnExecute = [](TIocpContext* AContext) {
//     auto line = AContext->Connection->IOHandler->ReadLn();
//     AContext->Connection->IOHandler->WriteLn(line);
//   };
//   Server.Active = true;   // same as Server.SetActive(true)
//
// Event order per connection (Indy's): added to Contexts -> OnContextCreated -> OnConnect ->
// OnExecute while connected -> OnDisconnect (exactly once, socket already closed) -> removed from
// Contexts -> OnException for the exception that ended the connection, if any (one report per
// connection; what OnException throws is dropped). An exception from OnContextCreated refuses the
// connection before OnConnect (no OnConnect, no OnDisconnect) and goes to OnListenException.
//
// Threads. Properties and SetActive: the owning thread, while the server is inactive (SetActive
// itself from any one thread at a time, never from a handler). Events: OnConnect, OnExecute,
// OnDisconnect, OnException run on the connection's handler context: its own thread (iohDefault)
// or its fiber on a pool thread (iohIOCP; never two threads at once for one connection; with
// IOCP.WorkOpThreads = N always the same thread). OnContextCreated runs on the accepting thread.
// Handlers of different connections run concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "IocpExceptions.h"
#include "IocpFraming.h"
#include "IocpHeartbeat.h"
#include "IocpIOHandler.h"
#include "IocpSSL.h"

namespace iocp_native {
class Engine;
class Connection;
}  // namespace iocp_native

namespace Iocp {

class TIocpTCPServer;
class TIocpContext;

// iohIOCP is the platform's completion engine: IOCP on Windows, epoll on Linux.
enum TIdIOHandlerType { iohDefault = 0, iohIOCP = 1, iohEPOLL = iohIOCP };

// A listening address of the server; after activation also a connection's addresses.
class TIocpSocketHandle {
 public:
  std::string IP;        // Local address; "" = every IPv4 address.
  uint16_t Port = 0;     // Local port; 0 = chosen by the OS (read back after activation).
  std::string PeerIP;    // Remote address (connection bindings only).
  uint16_t PeerPort = 0; // Remote port (connection bindings only).
  std::intptr_t Handle = -1;  // The OS socket (connection bindings; valid until OnDisconnect).

  // Indy's socket options of a connection's binding (from its handler, while it is open). Level
  // and name as the OS numbers them (SOL_SOCKET, SO_RCVBUF, ...). Raise EIdSocketError.
  void SetSockOpt(int ALevel, int AOptName, int AOptVal);
  void GetSockOpt(int ALevel, int AOptName, int& VOptVal);
  // TCP keepalive: first probe after ATimeMS idle, then every AInterval ms.
  void SetKeepAliveValues(bool AEnabled, int ATimeMS, int AInterval);
  void SetNagleOpt(bool AEnabled);  // AEnabled: Nagle on (TCP_NODELAY off), as Indy.
};

// Indy: TIdSocketHandles. Owning thread, server inactive.
class TIocpSocketHandles {
 public:
  explicit TIocpSocketHandles(const uint16_t* defaultPort) : defaultPort_(defaultPort) {}
  TIocpSocketHandle& Add();  // A new binding on DefaultPort, every IPv4 address.
  int Count() const { return static_cast<int>(items_.size()); }
  TIocpSocketHandle& operator[](int AIndex) { return *items_.at(static_cast<std::size_t>(AIndex)); }
  const TIocpSocketHandle& operator[](int AIndex) const {  // The same, read only.
    return *items_.at(static_cast<std::size_t>(AIndex));
  }
  void Clear() { items_.clear(); }

 private:
  const uint16_t* defaultPort_;
  std::vector<std::unique_ptr<TIocpSocketHandle>> items_;
};

// Indy: TIdContextThreadList. LockList/UnlockList from any thread, paired on the same handler.
// While a handler holds the lock, writes (to any context, its own included) never wait: in
// iohIOCP its own output queues past MaxPendingOutput; a read that would wait aborts with a
// message instead of parking with the lock held. Read before LockList or after UnlockList.
class TIocpContextList {
 public:
  std::vector<TIocpContext*>& LockList();  // Locks the list and returns it.
  void UnlockList();                       // Releases LockList's lock.
  int Count() const;                       // Current size (takes the lock).

 private:
  friend class TIocpTCPServer;
  void add(TIocpContext* ctx);
  void remove(TIocpContext* ctx);
  mutable std::mutex mu_;
  std::vector<TIocpContext*> items_;
};

// One client connection of the server (Indy: TIdContext / TIdServerContext). Subclass it for
// per-connection state and set Server.ContextClass = ContextClassOf<TMyContext>().
class TIocpContext {
 public:
  TIocpContext();
  virtual ~TIocpContext();
  TIocpContext(const TIocpContext&) = delete;
  TIocpContext& operator=(const TIocpContext&) = delete;

  TIocpTCPConnection* const Connection;  // IOHandler, Connected, Disconnect.
  TIocpSocketHandle* const Binding;      // IP, Port, PeerIP, PeerPort of this connection.
  TIocpTCPServer* Server = nullptr;      // The owning server.
  std::shared_ptr<void> Data;            // User state of any type; freed with the context.

  // Why the connection ended ("peer closed", "local disconnect", "TLS failed", ...); "" while it
  // is open. Any thread.
  std::string DisconnectReason() const;
  // More words on it where there are any, e.g. OpenSSL's for "TLS failed" ("TLS handshake failed:
  // ... wrong version number"), or "the peer closed without TLS close_notify"; else "". Any thread.
  std::string DisconnectDetail() const;

 private:
  friend class TIocpTCPServer;
  friend void SetCacheHints(TIocpContext&, const void* const*, std::size_t);
  friend bool ExecuteAgain(TIocpContext&);
  TIocpIOHandler ioHandler_;
  TIocpTCPConnection connection_;
  TIocpSocketHandle binding_;
  iocp_native::Connection* conn_ = nullptr;
  bool connected_ = false;  // OnConnect has been called (then OnDisconnect follows).
};

using TIocpContextClass = std::function<TIocpContext*()>;
template <typename T>
TIocpContextClass ContextClassOf() {
  return [] { return static_cast<TIocpContext*>(new T()); };
}

using TIdServerThreadEvent = std::function<void(TIocpContext* AContext)>;
// OnMessage: one whole message (Framing), a view valid during the call only.
using TIocpMessageEvent = std::function<void(TIocpContext* AContext, std::string_view AMessage)>;
using TIdServerThreadExceptionEvent =
    std::function<void(TIocpContext* AContext, const std::exception& AException)>;
using TIdListenExceptionEvent =
    std::function<void(TIocpSocketHandle* ABinding, const std::exception& AException)>;
using TIdSocketHandleEvent = std::function<void(TIocpSocketHandle* AHandle)>;
// VCL's TNotifyEvent for the server (Sender = the server that fires it).
using TIocpServerNotifyEvent = std::function<void(TIocpTCPServer* ASender)>;
using TIdNotifyEvent [[deprecated("use TIocpServerNotifyEvent (Indy has no TIdNotifyEvent)")]] =
    TIocpServerNotifyEvent;

// IOHandlerOptions.IOCP.Backend: what the completion engine waits on, on Linux (Windows always
// waits on its I/O completion port). Owning thread, server inactive, like every IOCP option.
enum TIocpBackend {
  ibDefault = 0,  // epoll; the environment variable IOCP_BACKEND=io_uring|epoll overrides it.
  ibIoUring = 1,  // io_uring; where the kernel refuses it, epoll, and ActiveBackend() says why.
};

// IOHandlerOptions.IOCP.SlowConsumer: what the completion engine's event model (OnDataAvailable,
// OnMessage) does with a connection whose queued output passes MaxPendingOutput (a peer that
// sends and does not read, or not yet). Owning thread, server inactive, like every IOCP option.
enum TIocpSlowConsumer {
  scPauseReading = 0,  // Stop reading it (TCP slows the peer) until half the output has gone; nothing is lost.
  scDisconnect = 1,    // Drop it: DisconnectReason() "slow consumer", its queued output with it.
};

// ProxyProtocol.Mode: which PROXY protocol headers (HAProxy's send-proxy / send-proxy-v2) every
// connection begins with, behind a load balancer. Owning thread, server inactive.
enum TIocpProxyProtocolMode {
  ppOff = 0,     // None: the connection's bytes are the client's.
  ppV1 = 1,      // The text header ("PROXY TCP4 ...\r\n").
  ppV2 = 2,      // The binary header.
  ppEither = 3,  // Either version.
};

// Server.ProxyProtocol: behind a load balancer, the client's address comes in a header before its
// first byte: AContext->Binding->PeerIP/PeerPort are the client's from OnConnect on. A connection
// from a source not in TrustedSources, with a malformed header, or without a whole one within
// Timeout ends before OnConnect (no OnConnect, no OnDisconnect; Stats().Closed counts it under
// "PROXY header refused").
struct TIocpProxyProtocolOptions {
  TIocpProxyProtocolMode Mode = ppOff;
  // The balancers' addresses or networks ("10.0.0.5, 10.0.1.0/24, ::1"); needed when Mode is not ppOff.
  std::string TrustedSources;
  int Timeout = 5000;  // ms the whole header may take to arrive.
};

// IOHandlerOptions.IOCP: the completion engine's threads.
struct TIocpIOCPOptions {
  int IOCPThreads = 0;    // Threads waiting for completions; 0 = number of processors.
  int WorkOpThreads = 0;  // 0 = handlers run on any pool thread, one at a time per connection;
                          // N = each connection pinned for life to one of N work threads.
  int FiberStackSize = 256 * 1024;            // Bytes reserved per connection's fiber.
  int MaxPendingOutput = 4 * 1024 * 1024;     // A write waits once this many bytes are queued.
  TIocpBackend Backend = ibDefault;           // What the engine waits on (Linux): epoll or io_uring.
  TIocpSlowConsumer SlowConsumer = scPauseReading;  // Event model: output past MaxPendingOutput.
};

// Counters of a running server (TIocpTCPServer::Stats): since activation.
struct TIocpServerStats {
  std::size_t ActiveConnections = 0;      // Admitted and not yet finished.
  std::size_t PeakConnections = 0;        // Most active at once.
  uint64_t Accepted = 0;                  // Admitted since activation.
  uint64_t Refused = 0;                   // Turned away by MaxConnections.
  std::size_t OSReceivesPending = 0;      // iohIOCP: receives handed to the OS, not yet completed.
  std::size_t OSReceiveBytesPending = 0;  // Bytes of buffer lent to them (zero-byte receives: 0).
  std::size_t OSSendsPending = 0;         // iohIOCP: sends handed to the OS, not yet completed.
  uint64_t BytesIn = 0;                   // Bytes received.
  uint64_t BytesOut = 0;                  // Bytes written (handlers, broadcasts, pings).
  uint64_t Reads = 0;                     // Receives that returned data.
  uint64_t Writes = 0;                    // Write calls accepted.
  std::map<std::string, uint64_t> Closed;  // Finished connections by DisconnectReason().
  // iohIOCP: I/O threads whose wait failed for good (each reported through OnListenException;
  // the connections they alone served ended with DisconnectReason() "I/O thread failed").
  uint64_t IOThreadFailures = 0;
  // iohIOCP event model (IOCP.SlowConsumer = scPauseReading): times a connection stopped reading
  // its peer because its queued output passed MaxPendingOutput.
  uint64_t ReadPauses = 0;
};

// Server.KeepAlive: TCP keepalive probes on accepted connections (the OS's own dead-peer check).
struct TIocpKeepAliveOptions {
  bool Enabled = false;
  int Time = 60000;      // ms idle before the first probe (Linux counts whole seconds).
  int Interval = 10000;  // ms between probes.
};

struct TIocpIOHandlerOptions {
  TIdIOHandlerType IOHandlerType = iohDefault;
  TIocpIOCPOptions IOCP;
};

class TIocpTCPServer {
 public:
  TIocpTCPServer();
  ~TIocpTCPServer();  // Deactivates; waits for handlers still running past TerminateWaitTime.
  TIocpTCPServer(const TIocpTCPServer&) = delete;
  TIocpTCPServer& operator=(const TIocpTCPServer&) = delete;

  // --- Properties (Indy's names and defaults). Set while inactive. ---
  uint16_t DefaultPort = 0;
  TIocpSocketHandles Bindings{&DefaultPort};  // Empty: one IPv4 binding on DefaultPort.
  // listen() backlog; 0 = the system's maximum (Linux: net.core.somaxconn). Indy's default is 15,
  // which leaves a burst of connecting clients in SYN retries for seconds: ours differs on purpose.
  int ListenQueue = 0;
  int MaxConnections = 0;          // 0 = unlimited. Strict: Contexts never holds more.
  std::string MaxConnectionReply;  // Line sent (with CRLF) to a refused client; "" = just close.
  bool ReuseSocket = true;         // SO_REUSEADDR on the listeners.
  // SO_REUSEPORT on the listeners (Linux): several processes serve one port, the kernel spreads
  // new connections over them; a new process listens while the old one drains (Drain). Windows has
  // none: activation raises there. Owning thread, server inactive.
  bool ReusePort = false;
  bool UseNagle = true;            // false sets TCP_NODELAY on accepted connections.
  int TerminateWaitTime = 5000;    // ms Active = false waits for handlers to finish.
  TIocpIOHandlerOptions IOHandlerOptions;
  TIocpContextClass ContextClass;  // Null = TIocpContext.
  TIocpHeartbeatOptions Heartbeat;
  TIocpKeepAliveOptions KeepAlive;
  TIocpProxyProtocolOptions ProxyProtocol;  // Behind a load balancer: the client's address from its header.
  int IdleTimeout = 0;  // ms without a completed read or write call before a connection is closed
                        // ("idle timeout"); a peer trickling bytes that complete nothing counts
                        // as idle (slowloris). 0 = never.
  int UserTimeout = 0;  // ms sent data may stay unacknowledged before the OS drops the connection
                        // (TCP_USER_TIMEOUT; Windows TCP_MAXRT in whole seconds). 0 = OS default.
  // Bytes of the OS's receive / send buffer of each accepted connection (SO_RCVBUF / SO_SNDBUF;
  // Linux doubles the value and caps it at net.core.rmem_max / wmem_max). 0 = the OS default.
  int ReceiveBufferSize = 0;
  int SendBufferSize = 0;
  // TLS on the connections (IocpSSL.h; Indy: TIdServerIOHandlerSSLOpenSSL.SSLOptions). A bad
  // certificate, key or setting makes SetActive raise EIocpConfigError saying which.
  TIocpSSLOptions SSLOptions;
  // Indy's IOHandler of the server, for code that assigns one (IocpSSL.h: TIocpServerIOHandlerSSL's
  // options and events are taken at activation; a plain one changes nothing). Not owned.
  TIocpServerIOHandler* IOHandler = nullptr;

  // --- Events. ---
  // TLS (Indy: the SSL IOHandler's events; IocpSSL.h): the password of an encrypted KeyFile
  // (asked by SetActive and ReloadCertificates, on their thread), and the verdict on each
  // certificate of a client's chain (VerifyMode with sslvrfPeer; during the handshake, on an I/O
  // thread, must not wait). Set before SetActive / ReloadCertificates.
  TPasswordEvent OnGetPassword;
  TVerifyPeerEvent OnVerifyPeer;
  TIdServerThreadEvent OnConnect;
  TIdServerThreadEvent OnDisconnect;
  TIdServerThreadEvent OnExecute;  // Indy's model: loops while connected (blocking-style code).
  // --- The event model, instead of OnExecute (set one of the three). No fiber: the handler runs
  // when bytes arrive (iohIOCP: on the connection's strand, on an engine thread; iohDefault: on
  // its thread), must not wait, and its writes queue (iohIOCP: past IOCP.MaxPendingOutput the
  // connection stops reading its peer until half has gone, or with IOCP.SlowConsumer =
  // scDisconnect the peer is dropped). Reads never wait there: one that needs bytes not yet
  // arrived times out at once. ---
  // Bytes arrived: take what is whole from AContext->Connection->IOHandler->InputBuffer; the rest
  // stays for the next call.
  TIdServerThreadEvent OnDataAvailable;
  // A whole message arrived, cut out by Framing (fkLine or fkLengthPrefixed). Do not read from
  // the IOHandler here (AMessage views its input).
  TIocpMessageEvent OnMessage;
  TIocpFraming Framing;  // How OnMessage's messages are delimited.
  TIdServerThreadEvent OnContextCreated;
  TIdServerThreadExceptionEvent OnException;
  // A listener failed (bind, accept: ABinding is its binding), or the engine did (ABinding is
  // null: an iohIOCP I/O thread failed; the message says what and what was closed). Any engine
  // thread.
  TIdListenExceptionEvent OnListenException;
  TIdServerThreadEvent OnHeartbeat;  // Time to ping (Heartbeat); never concurrent with the
                                     // connection's handler. Write the ping with IOHandler.
  TIdSocketHandleEvent OnBeforeBind;
  TIocpServerNotifyEvent OnAfterBind;
  TIocpServerNotifyEvent OnDraining;  // Drain has stopped listening; on Drain's thread.

 private:
  TIocpContextList contexts_;

 public:
  TIocpContextList* const Contexts = &contexts_;  // Connected clients.

  // Active: assign or read like Indy's property (Server.Active = true; if (Server.Active) ...).
  class TActiveProperty {
   public:
    explicit TActiveProperty(TIocpTCPServer* owner) : owner_(owner) {}
    TActiveProperty& operator=(bool AValue) {
      owner_->SetActive(AValue);
      return *this;
    }
    operator bool() const { return owner_->GetActive(); }

   private:
    TIocpTCPServer* owner_;
  };
  TActiveProperty Active{this};

  // Start listening (raises EIdCouldNotBindSocket, EIdTCPNoOnExecute) or stop: close every
  // connection, wait up to TerminateWaitTime for the handlers, return. Not from a handler.
  void SetActive(bool AValue);
  bool GetActive() const { return engine_ != nullptr; }

  // Indy's StopListening: close the listening sockets (a new connect is refused) while every
  // open connection goes on; Active stays true. No effect while inactive or not listening. The
  // owning thread, not from a handler, not concurrently with SetActive.
  void StopListening();
  // Indy's StartListening after StopListening: listen again on the same bindings and ports,
  // running OnBeforeBind per binding and OnAfterBind as Indy does. Raises EIdCouldNotBindSocket
  // (then still not listening), and EIdException while inactive (Active starts listening). No
  // effect while listening. Threads as StopListening.
  void StartListening();

  // A graceful drain, for a restart that drops nothing: stop listening (with ReusePort, a new
  // process on the same port takes the new connections), Draining() turns true and OnDraining
  // runs on this thread (tell the clients there, e.g. a broadcast), then wait up to ATimeoutMs for
  // every connection to end by itself (handlers that see Draining() finish their request and
  // disconnect); then Active = false ends the rest (DisconnectReason "server stopping"). Returns
  // true when none was left. OnDisconnect exactly once per connection throughout. While active;
  // the owning thread, not from a handler.
  bool Drain(int ATimeoutMs);
  // Drain has begun (until the server is activated again). Any thread, handlers included.
  bool Draining() const { return draining_.load(std::memory_order_acquire); }

  // Load SSLOptions' certificate and key files again (a renewed certificate) for the connections
  // accepted from now on; open ones keep the old. Raises EIocpConfigError (a missing or expired
  // certificate, a key that does not match it), and the old one goes on serving. While active
  // with SSLOptions.Enabled; any thread, not concurrently with SetActive.
  void ReloadCertificates();

  // Threads the engine runs right now (listeners, pool, work and per-connection threads). Any thread.
  std::size_t EngineThreadCount() const;
  // What serves the connections while active: "threads" (iohDefault), "epoll" or "io_uring"
  // (iohIOCP on Linux, see IOCP.Backend), "IOCP" (iohIOCP on Windows), or "epoll (io_uring
  // unavailable: <why>)" where io_uring was asked for and refused; "" while inactive. Any thread,
  // not concurrently with SetActive.
  std::string ActiveBackend() const;
  // A snapshot of the running engine's counters; all zero while inactive. Any thread, not
  // concurrently with SetActive.
  TIocpServerStats Stats() const;

  // --- XML configuration: every property above except ContextClass, Contexts and the events. ---
  // The document mirrors a form: the root <TIocpTCPServer> holds one element per property, named
  // and nested as the members are (<IOHandlerOptions><IOCP><IOCPThreads>2</IOCPThreads>...), and
  // <Bindings> holds <Binding IP="..." Port="..."/>. Save writes every property in declaration
  // order (a deterministic text: Save -> Load -> Save is byte-identical). Load is like loading a
  // form: a missing element keeps the current value, <Bindings> (when present) replaces the list,
  // a Binding without Port takes DefaultPort. Unknown elements and bad values (not a number, out of
  // range, not true/false, not an enumeration name) raise EIocpConfigError naming the element
  // path, the value and what is allowed; a Load that raises changes nothing. MaxConnectionReply,
  // Heartbeat.Payload and Framing.Delimiter are C-style escaped (\\ \r \n \t \xHH), because XML parsers turn a CR
  // into LF; valid UTF-8 is written as it is. Needs pugixml; a build without it raises
  // EIocpConfigError from all four.
  void LoadFromXml(const std::string& AFileName);  // Load a file. Owning thread, server inactive.
  void SaveToXml(const std::string& AFileName) const;  // Write a file. Owning thread.
  void LoadFromXmlString(const std::string& AXml);  // Load from text. Owning thread, server inactive.
  std::string SaveToXmlString() const;  // The document as text (UTF-8, LF). Owning thread.

 private:
  class Handler;
  friend class Handler;
  void stop();

  std::unique_ptr<Handler> handler_;
  std::unique_ptr<iocp_native::Engine> engine_;
  std::atomic<bool> draining_{false};
  std::vector<std::unique_ptr<iocp_native::Engine>> stragglers_;  // Engines with handlers still running.
};

}  // namespace Iocp
