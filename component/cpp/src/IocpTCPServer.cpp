#include "IocpTCPServer.h"
#include "EngineOptions.h"
#include "IocpHost.h"
#include "IocpServerOptions.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "iocp_native/engine.h"
#include "iocp_native/socket_options.h"

namespace Iocp {

// --- TIocpSocketHandle: socket options ---

namespace {
void raiseOptionError(int err) {
  throw EIdSocketError(err, "Socket Error # " + std::to_string(err) + "\n" + iocp_native::osErrorText(err));
}
std::intptr_t openHandle(const TIocpSocketHandle& b) {
  if (b.Handle < 0) throw EIdNotConnected();
  return b.Handle;
}
}  // namespace

void TIocpSocketHandle::SetSockOpt(int ALevel, int AOptName, int AOptVal) {
  if (const int err = iocp_native::setSocketOption(openHandle(*this), ALevel, AOptName, AOptVal)) raiseOptionError(err);
}

void TIocpSocketHandle::GetSockOpt(int ALevel, int AOptName, int& VOptVal) {
  if (const int err = iocp_native::getSocketOption(openHandle(*this), ALevel, AOptName, &VOptVal)) raiseOptionError(err);
}

void TIocpSocketHandle::SetKeepAliveValues(bool AEnabled, int ATimeMS, int AInterval) {
  if (!iocp_native::setSocketKeepAlive(openHandle(*this), AEnabled, ATimeMS, AInterval))
    throw EIdSocketError(0, "the OS refused the keepalive values");
}

void TIocpSocketHandle::SetNagleOpt(bool AEnabled) { iocp_native::setSocketNagle(openHandle(*this), AEnabled); }

void SetFiberSwitchHook(TIocpFiberSwitchHook AHook) {
  static_assert(IocpFiberHostStateSize == iocp_native::kFiberHostStateSize, "one size for the host state");
  iocp_native::setFiberSwitchHook(AHook);
}

bool RunInterleavedFibers(int ACount, const std::function<void(int)>& ABody) {
  return iocp_native::runInterleavedFibers(ACount, ABody);
}

bool YieldInterleavedFiber() { return iocp_native::yieldInterleavedFiber(); }

// What the engine fetches before it resumes a context's handler: the context and its IOHandler,
// then a bridge's objects.
void SetCacheHints(TIocpContext& AContext, const void* const* AAddresses, std::size_t ACount) {
  static_assert(IocpCacheHintCount + 2 <= iocp_native::Connection::kCacheHints, "room for the bridge's hints");
  const void* hints[iocp_native::Connection::kCacheHints] = {&AContext, &AContext.ioHandler_};
  std::size_t n = 2;
  for (std::size_t i = 0; i < ACount && i < IocpCacheHintCount; ++i) hints[n++] = AAddresses[i];
  if (AContext.conn_) AContext.conn_->setCacheHints(hints, n);
}

bool ExecuteAgain(TIocpContext& AContext) { return AContext.conn_ && AContext.conn_->executeAgain(); }

// --- TIocpSocketHandles / TIocpContextList ------------------------------------------------------

TIocpSocketHandle& TIocpSocketHandles::Add() {
  items_.push_back(std::make_unique<TIocpSocketHandle>());
  items_.back()->Port = *defaultPort_;
  return *items_.back();
}

std::vector<TIocpContext*>& TIocpContextList::LockList() {
  mu_.lock();
  iocp_native::enterNoWaitRegion();  // A handler must not park holding this lock (see engine.h).
  return items_;
}

void TIocpContextList::UnlockList() {
  iocp_native::leaveNoWaitRegion();
  mu_.unlock();
}

int TIocpContextList::Count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(items_.size());
}

void TIocpContextList::add(TIocpContext* ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  items_.push_back(ctx);
}

void TIocpContextList::remove(TIocpContext* ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  items_.erase(std::remove(items_.begin(), items_.end(), ctx), items_.end());
}

// --- TIocpContext -------------------------------------------------------------------------------

TIocpContext::TIocpContext() : Connection(&connection_), Binding(&binding_), connection_(&ioHandler_) {}

TIocpContext::~TIocpContext() = default;

std::string TIocpContext::DisconnectReason() const {
  if (!conn_ || conn_->reason() == iocp_native::CloseReason::None) return std::string();
  return iocp_native::toString(conn_->reason());
}

std::string TIocpContext::DisconnectDetail() const { return conn_ ? conn_->reasonDetail() : std::string(); }

// --- Engine callbacks -> Indy events --------------------------------------------------------------

class TIocpTCPServer::Handler final : public iocp_native::EngineHandler {
 public:
  explicit Handler(TIocpTCPServer& server) : server_(server) {}

  void* onAccepted(iocp_native::Connection& conn) override {
    TIocpContext* ctx = server_.ContextClass ? server_.ContextClass() : new TIocpContext();
    ctx->Server = &server_;
    ctx->conn_ = &conn;
    ctx->ioHandler_.Attach(&conn);
    ctx->ioHandler_.Binding = ctx->Binding;
    ctx->binding_.IP = conn.local().ip;
    ctx->binding_.Port = conn.local().port;
    ctx->binding_.PeerIP = conn.peer().ip;
    ctx->binding_.PeerPort = conn.peer().port;
    ctx->binding_.Handle = conn.handle();
    SetCacheHints(*ctx, nullptr, 0);
    server_.contexts_.add(ctx);
    if (server_.OnContextCreated) {
      // One that raises refuses the connection: reported through OnListenException, closed
      // before OnConnect (no OnConnect, no OnDisconnect), its context freed.
      bool refused = true;
      try {
        server_.OnContextCreated(ctx);
        refused = false;
      } catch (const std::exception& e) {
        listenError(nullptr, e);
      } catch (...) {
        listenError(nullptr, EIdException("unknown exception in OnContextCreated"));
      }
      if (refused) {
        server_.contexts_.remove(ctx);
        delete ctx;
        throw iocp_native::RefuseConnection{};
      }
    }
    return ctx;
  }

  void onConnect(iocp_native::Connection& conn, void* state) override {
    TIocpContext* ctx = context(state);
    ctx->connected_ = true;
    if (server_.ProxyProtocol.Mode != ppOff) {  // The PROXY header named the client.
      server_.contexts_.LockList();  // Other threads read Binding under the list's lock.
      ctx->binding_.PeerIP = conn.peer().ip;
      ctx->binding_.PeerPort = conn.peer().port;
      server_.contexts_.UnlockList();
    }
    if (server_.OnConnect) server_.OnConnect(ctx);
  }

  void onExecute(iocp_native::Connection&, void* state) override { server_.OnExecute(context(state)); }

  // The event model: OnMessage per whole message (Framing), or OnDataAvailable with the bytes.
  void onData(iocp_native::Connection& conn, void* state) override {
    TIocpContext* ctx = context(state);
    if (!decoder_) {
      server_.OnDataAvailable(ctx);
      return;
    }
    iocp_native::Buffer& input = conn.input();
    while (!input.empty() && !conn.closing()) {
      std::string_view message;
      std::size_t used = 0;
      const TIocpFrameDecoder::TResult r = decoder_->Next(input.view(), message, used);
      if (r == TIocpFrameDecoder::frNeedMore) return;
      if (r == TIocpFrameDecoder::frTooLarge) {
        conn.disconnect(iocp_native::CloseReason::ProtocolLimit);
        throw EIocpFrameTooLarge("a message of " + (used ? std::to_string(used) : std::string("more than ") +
                                 std::to_string(server_.Framing.MaxFrameSize)) +
                                 " bytes is longer than Framing.MaxFrameSize (" +
                                 std::to_string(server_.Framing.MaxFrameSize) + ")");
      }
      server_.OnMessage(ctx, message);
      input.consume(used);
    }
  }

  // The decoder of OnMessage (null: OnDataAvailable or OnExecute). Set while the server is inactive.
  std::unique_ptr<TIocpFrameDecoder> decoder_;

  void onDisconnect(iocp_native::Connection&, void* state, std::exception_ptr error) override {
    TIocpContext* ctx = context(state);
    // OnDisconnect pairs with OnConnect: a connection that ended before it (a PROXY protocol
    // header refused) gets neither.
    if (server_.OnDisconnect && ctx->connected_) {
      try {
        server_.OnDisconnect(ctx);
      } catch (...) {
        if (!error) error = std::current_exception();
      }
    }
    server_.contexts_.remove(ctx);
    if (error && server_.OnException) {
      // The connection is closed: I/O here fails at once and never parks inside this catch.
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        report(ctx, e);
      } catch (...) {
        report(ctx, EIdException("unknown exception"));
      }
    }
    delete ctx;
  }

  void onHeartbeat(iocp_native::Connection&, void* state) override {
    if (!server_.OnHeartbeat) return;
    TIocpContext* ctx = context(state);
    try {
      server_.OnHeartbeat(ctx);
    } catch (const std::exception& e) {  // A failed ping does not end the connection by itself.
      if (server_.OnException) report(ctx, e);
    } catch (...) {
      if (server_.OnException) report(ctx, EIdException("unknown exception in OnHeartbeat"));
    }
  }

  void onListenError(std::size_t binding, const std::string& message) override {
    TIocpSocketHandle* handle =
        binding < static_cast<std::size_t>(server_.Bindings.Count()) ? &server_.Bindings[static_cast<int>(binding)] : nullptr;
    listenError(handle, EIdException(message));
  }

 private:
  static TIocpContext* context(void* state) { return static_cast<TIocpContext*>(state); }

  void report(TIocpContext* ctx, const std::exception& e) {
    try {
      server_.OnException(ctx, e);
    } catch (...) {  // An exception handler that throws has nowhere left to report to.
    }
  }

  void listenError(TIocpSocketHandle* binding, const std::exception& e) {
    if (!server_.OnListenException) return;
    try {
      server_.OnListenException(binding, e);
    } catch (...) {
    }
  }

  TIocpTCPServer& server_;
};

// --- TIocpTCPServer -----------------------------------------------------------------------------

TIocpTCPServer::TIocpTCPServer() : handler_(std::make_unique<Handler>(*this)) {}

TIocpTCPServer::~TIocpTCPServer() {
  stop();
  stragglers_.clear();  // Each engine's destructor waits for its last handlers.
}

std::size_t TIocpTCPServer::EngineThreadCount() const {
  std::size_t n = engine_ ? engine_->threadCount() : 0;
  for (const auto& e : stragglers_) n += e->threadCount();
  return n;
}

std::string TIocpTCPServer::ActiveBackend() const { return engine_ ? engine_->backend() : std::string(); }

TIocpServerStats TIocpTCPServer::Stats() const {
  if (!engine_) return {};
  const iocp_native::EngineStats s = engine_->stats();
  TIocpServerStats r;
  r.ActiveConnections = s.active;
  r.PeakConnections = s.peak;
  r.Accepted = s.accepted;
  r.Refused = s.refused;
  r.OSReceivesPending = s.osReceivesPending;
  r.OSReceiveBytesPending = s.osReceiveBytesPending;
  r.OSSendsPending = s.osSendsPending;
  r.BytesIn = s.bytesIn;
  r.BytesOut = s.bytesOut;
  r.Reads = s.reads;
  r.Writes = s.writes;
  r.IOThreadFailures = s.ioThreadFailures;
  r.ReadPauses = s.readPauses;
  for (int i = 1; i < iocp_native::kCloseReasonCount; ++i) {  // 0 is "none".
    if (s.closed[i] != 0) r.Closed[iocp_native::toString(static_cast<iocp_native::CloseReason>(i))] = s.closed[i];
  }
  return r;
}

void TIocpTCPServer::SetActive(bool AValue) {
  if (AValue == GetActive()) return;
  if (!AValue) {
    stop();
    return;
  }
  draining_.store(false, std::memory_order_release);
  const int models = (OnExecute ? 1 : 0) + (OnDataAvailable ? 1 : 0) + (OnMessage ? 1 : 0);
  if (models == 0) throw EIdTCPNoOnExecute();
  if (models > 1)
    throw EIdException("OnExecute, OnDataAvailable and OnMessage are assigned together: assign one of them");
  if (const auto* ssl = dynamic_cast<const TIocpServerIOHandlerSSL*>(IOHandler)) {  // TLS set up in code.
    SSLOptions = *ssl->SSLOptions;
    SSLOptions.Enabled = true;
    SSLOptions.PassThrough = true;  // Indy: plain until a handler sets PassThrough = false.
    if (!OnGetPassword) OnGetPassword = ssl->OnGetPassword;
    if (!OnVerifyPeer) OnVerifyPeer = ssl->OnVerifyPeer;
  }
  options::check(*this);  // Every value in its range (the option table); below they are passed on as they are.
  if (ProxyProtocol.Mode != ppOff) {
    if (ProxyProtocol.TrustedSources.find_first_not_of(" \t,;") == std::string::npos)
      throw EIdException("ProxyProtocol.TrustedSources is empty: list the load balancers' addresses (such as "
                         "\"10.0.0.5, 10.0.1.0/24\") that may send a PROXY protocol header");
    if (const std::string why = iocp_native::checkAddressList(ProxyProtocol.TrustedSources); !why.empty())
      throw EIdException("ProxyProtocol.TrustedSources: " + why);
  }
  handler_->decoder_.reset();
  if (OnMessage) handler_->decoder_ = std::make_unique<TIocpFrameDecoder>(Framing);  // Raises on a bad Framing.
  if (Bindings.Count() == 0) Bindings.Add();

  iocp_native::EngineOptions o;
  o.kind = IOHandlerOptions.IOHandlerType == iohIOCP ? iocp_native::EngineKind::Completion
                                                       : iocp_native::EngineKind::Threads;
  for (int i = 0; i < Bindings.Count(); ++i) {
    if (OnBeforeBind) OnBeforeBind(&Bindings[i]);
    o.bindings.push_back(iocp_native::BindingSpec{Bindings[i].IP, Bindings[i].Port});
  }
  o.events = OnDataAvailable || OnMessage;
  o.listenQueue = ListenQueue;
  o.maxConnections = static_cast<std::size_t>(MaxConnections);
  o.refusalMessage = MaxConnectionReply.empty() ? std::string() : MaxConnectionReply + EOL;
  // ListenQueue <= 0: the engine asks for the system's maximum backlog.
  o.reuseAddress = ReuseSocket;
  o.reusePort = ReusePort;
  o.noDelay = !UseNagle;
  o.receiveBufferSize = ReceiveBufferSize;
  o.sendBufferSize = SendBufferSize;
  o.ioThreads = IOHandlerOptions.IOCP.IOCPThreads;
  o.workThreads = IOHandlerOptions.IOCP.WorkOpThreads;
  o.fiberStackSize = static_cast<std::size_t>(IOHandlerOptions.IOCP.FiberStackSize);
  o.maxPendingOutput = static_cast<std::size_t>(IOHandlerOptions.IOCP.MaxPendingOutput);
  o.backend = IOHandlerOptions.IOCP.Backend == ibIoUring ? iocp_native::CompletionBackend::IoUring
                                                        : iocp_native::CompletionBackend::Default;
  static const iocp_native::ProxyProtocol kProxyModes[] = {iocp_native::ProxyProtocol::Off, iocp_native::ProxyProtocol::V1,
                                                           iocp_native::ProxyProtocol::V2, iocp_native::ProxyProtocol::Either};
  o.proxyProtocol = kProxyModes[ProxyProtocol.Mode];  // In range: options::check.
  o.proxyTrustedSources = ProxyProtocol.TrustedSources;
  o.proxyHeaderTimeoutMs = ProxyProtocol.Timeout;
  o.slowConsumer = IOHandlerOptions.IOCP.SlowConsumer == scDisconnect ? iocp_native::SlowConsumer::Disconnect
                                                                      : iocp_native::SlowConsumer::PauseReading;

  iocp_native::LivenessOptions& live = o.liveness;
  applyHeartbeat(Heartbeat, live);
  live.idleTimeoutMs = IdleTimeout;
  live.keepAlive = KeepAlive.Enabled;
  live.keepAliveTimeMs = KeepAlive.Time;
  live.keepAliveIntervalMs = KeepAlive.Interval;
  live.userTimeoutMs = UserTimeout;

  if (SSLOptions.Enabled) {
    o.tls = makeTlsContext(SSLOptions, true, {OnGetPassword, OnVerifyPeer});  // Raises EIocpConfigError.
    o.tlsImplicit = !SSLOptions.PassThrough;
    o.tlsHandshakeTimeoutMs = SSLOptions.HandshakeTimeout;
  }

  std::unique_ptr<iocp_native::Engine> engine;
  std::vector<iocp_native::Endpoint> bound;
  try {
    engine = iocp_native::makeEngine(o, *handler_);
    bound = engine->start();
  } catch (const iocp_native::BindError& e) {
    throw EIdCouldNotBindSocket(e.what());
  } catch (const std::exception& e) {
    throw EIdException(e.what());
  }
  for (std::size_t i = 0; i < bound.size(); ++i) Bindings[static_cast<int>(i)].Port = bound[i].port;
  engine_ = std::move(engine);
  if (OnAfterBind) OnAfterBind(this);
}

void TIocpTCPServer::ReloadCertificates() {
  if (!engine_) throw EIdException("ReloadCertificates: the server is not active");
  if (!SSLOptions.Enabled) throw EIdException("ReloadCertificates: SSLOptions.Enabled is false");
  engine_->setTlsContext(makeTlsContext(SSLOptions, true, {OnGetPassword, OnVerifyPeer}));  // Raises before anything changes.
}

void TIocpTCPServer::StopListening() {
  if (engine_) engine_->stopListening();
}

bool TIocpTCPServer::Drain(int ATimeoutMs) {
  if (!engine_) throw EIdException("Drain: the server is not active");
  engine_->stopListening();
  draining_.store(true, std::memory_order_release);
  if (OnDraining) OnDraining(this);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(ATimeoutMs, 0));
  while (engine_->stats().active > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const bool allEnded = engine_->stats().active == 0;
  SetActive(false);
  return allEnded;
}

void TIocpTCPServer::StartListening() {
  if (!engine_) throw EIdException("StartListening: the server is not active (Active = true starts listening)");
  if (engine_->listening()) return;
  for (int i = 0; i < Bindings.Count(); ++i) {
    if (OnBeforeBind) OnBeforeBind(&Bindings[i]);
  }
  try {
    engine_->startListening();
  } catch (const iocp_native::BindError& e) {
    throw EIdCouldNotBindSocket(e.what());
  } catch (const std::exception& e) {
    throw EIdException(e.what());
  }
  if (OnAfterBind) OnAfterBind(this);
}

void TIocpTCPServer::stop() {
  if (!engine_) return;
  if (!engine_->stop(std::max(TerminateWaitTime, 0))) {
    // Handlers still running (stuck in user code): keep their engine alive, do not block here.
    stragglers_.push_back(std::move(engine_));
  }
  engine_.reset();
}

}  // namespace Iocp
