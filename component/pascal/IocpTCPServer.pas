{ IocpTCPServer: TIocpTCPServer, Indy's TIdTCPServer members over the C ABI (libiocp).

    Server.IOHandlerOptions.IOHandlerType := iohIOCP;   // iohDefault = a thread per connection
    Server.OnExecute := ServerExecute;                  // procedure(AContext: TIocpContext) of object
    Server.Active := True;

  Indy's event order per connection: added to Contexts -> OnContextCreated -> OnConnect ->
  OnExecute while connected -> OnDisconnect (exactly once) -> removed from Contexts ->
  OnException for the exception that ended the connection, if one did. All of it comes from the
  one C++ implementation behind the C ABI; this unit translates names, properties and events.

  Subclassing the Indy way: derive from TIocpCustomTCPServer (TIdCustomTCPServer) and override
  its protected virtuals (InitComponent, CheckOkToBeActive, ContextCreated, ContextConnected,
  ContextDisconnected, DoConnect, DoDisconnect, DoExecute, DoException, DoBeforeBind,
  DoAfterBind, DoListenException): every event goes through them in Indy's order. A custom
  context overrides Indy's constructor Create(AConnection, AYarn, AList).

  Threads: properties and Active from the owning thread while inactive (Active := False never
  from a handler). OnConnect, OnExecute, OnDisconnect, OnException and OnHeartbeat run in the
  connection's handler context (iohIOCP: its fiber on a pool thread; iohDefault: its thread);
  OnContextCreated on the accepting thread. An exception in a handler closes that connection
  and reaches OnException, as in Indy (one report per connection: the exception that ended it;
  one that OnException raises is dropped); none ever reaches the engine. One that
  OnContextCreated raises refuses the connection before OnConnect (no OnConnect, no
  OnDisconnect) and reaches OnListenException. Programs need cthreads
  first in their uses clause (Free Pascal on Unix).

  Valid Delphi and Free Pascal (mode delphi). }
unit IocpTCPServer;

{$IFDEF FPC}
  {$mode delphi}
{$ENDIF}

interface

uses
  SysUtils, Classes, SyncObjs, IocpApi, IocpGlobal, IocpIOHandler;

type
  TIdIOHandlerType = (iohDefault, iohIOCP);
  TIocpHeartbeatMode = (hbAlways, hbWhenIdle);
  { IOHandlerOptions.IOCP.Backend: what iohIOCP waits on, on Linux (Windows always uses its
    completion port). ibDefault: epoll (the environment variable IOCP_BACKEND=io_uring|epoll
    overrides it); ibIoUring: io_uring, or epoll where the kernel refuses it (ActiveBackend says
    why). Set while inactive, like every IOCP option. }
  TIocpBackend = (ibDefault, ibIoUring);
  { IOHandlerOptions.IOCP.SlowConsumer: what iohIOCP's event model (OnDataAvailable, OnMessage)
    does with a connection whose queued output passes MaxPendingOutput (a peer that sends and does
    not read, or not yet). scPauseReading: stop reading it (TCP slows the peer down) until half
    the output has gone, nothing lost; scDisconnect: drop it (DisconnectReason 'slow consumer'). }
  TIocpSlowConsumer = (scPauseReading, scDisconnect);
  { ProxyProtocol.Mode: the PROXY protocol header (HAProxy's send-proxy / send-proxy-v2) every
    connection begins with, behind a load balancer: none, the text one (v1), the binary one (v2),
    or either. }
  TIocpProxyProtocolMode = (ppOff, ppV1, ppV2, ppEither);
  { Framing.Kind: how OnMessage's messages are cut out of a connection's bytes. fkNone: no
    OnMessage; fkLine: message bytes, then Delimiter (a CR before an LF delimiter is dropped too);
    fkLengthPrefixed: a LengthBytes-byte unsigned length (BigEndian: network order), then the
    message. }
  TIocpFramingKind = (fkNone, fkLine, fkLengthPrefixed);
  { Indy's TLS types and SSLOptions (IocpIOHandler), under the server unit's names too. }
  TIdSSLVersion = IocpIOHandler.TIdSSLVersion;
  TIdSSLVersions = IocpIOHandler.TIdSSLVersions;
  TIdSSLMode = IocpIOHandler.TIdSSLMode;
  TIdSSLVerifyMode = IocpIOHandler.TIdSSLVerifyMode;
  TIdSSLVerifyModeSet = IocpIOHandler.TIdSSLVerifyModeSet;
  TIocpSSLOptions = IocpIOHandler.TIocpSSLOptions;
  TIocpSNICertificate = IocpIOHandler.TIocpSNICertificate;
  TIocpSNICertificates = IocpIOHandler.TIocpSNICertificates;
  TIdX509 = IocpIOHandler.TIdX509;
  TIdX509Name = IocpIOHandler.TIdX509Name;
  TPasswordEvent = IocpIOHandler.TPasswordEvent;
  TPasswordEventEx = IocpIOHandler.TPasswordEventEx;
  TVerifyPeerEvent = IocpIOHandler.TVerifyPeerEvent;

  { A group of published options (IOHandlerOptions, IOCP, Heartbeat, KeepAlive, Framing):
    Assign copies every published property of a group of the same class, nested groups
    included. Owning thread. }
  { A group of options (IOHandlerOptions, Heartbeat, SSLOptions ...): IocpIOHandler's. }
  TIocpOptionGroup = IocpIOHandler.TIocpOptionGroup;

  TIocpContext = class;
  TIocpContextList = class;

  { Indy's TIdSocketHandle (unit IdSocketHandle) comes with the server's unit, as TIdSocketHandles
    does: IocpIOHandler's class under the same name, so that a unit that names a binding needs
    only this unit. }
  TIocpSocketHandle = IocpIOHandler.TIocpSocketHandle;

  { Indy: TIdSocketHandles. }
  TIocpSocketHandles = class(TIocpSocketHandleList)
  private
    function GetItem(AIndex: Integer): TIocpSocketHandle;
  public
    constructor Create(AOwner: TPersistent);
    function Add: TIocpSocketHandle;  { A binding on DefaultPort, every IPv4 address. }
    property Items[AIndex: Integer]: TIocpSocketHandle read GetItem; default;
    property DefaultPort;  { The port a new binding starts on (the server's DefaultPort). }
  end;

  { Indy's TIdYarn: what a context runs on. Here the engine decides (a thread per connection, or
    a fiber on the completion threads), so a yarn carries nothing; it exists for Indy's
    constructor and AContext.Yarn. }
  TIocpYarn = class
  end;

  { Indy's schedulers, for forms and code that create or set one: Scheduler is accepted and
    ignored, IOHandlerOptions.IOHandlerType chooses how connections are served. }
  TIocpScheduler = class(TComponent)
  private
    FMaxThreads, FPoolSize: Integer;
  public
    constructor Create(AOwner: TComponent); overload; override;
    constructor Create; reintroduce; overload;  { Indy's: no owner. }
  published
    property MaxThreads: Integer read FMaxThreads write FMaxThreads default 0;
    property PoolSize: Integer read FPoolSize write FPoolSize default 0;
  end;

  { Indy: TIdTCPConnection, the owner of a context's IOHandler. }
  TIocpTCPConnection = class
  private
    FHandle: Piocp_context;
    FIOHandler: TIocpIOHandler;
    FTag: NativeInt;
  public
    { For the server unit: the connection of an engine context, with its IOHandler. }
    { ASSL: the IOHandler is a TIocpSSLIOHandler (the server's SSLOptions.Enabled). }
    constructor CreateForContext(AHandle: Piocp_context; ASSL: Boolean = False);
    destructor Destroy; override;
    function Connected: Boolean;
    { Close the connection; ANotifyPeer: what is queued is sent first. Any thread. }
    procedure Disconnect; overload;
    procedure Disconnect(ANotifyPeer: Boolean); overload;
    { Raise EIdConnClosedGracefully once the peer has closed and the input is read. Handler. }
    procedure CheckForGracefulDisconnect(ARaiseExceptionIfDisconnected: Boolean = True);
    property IOHandler: TIocpIOHandler read FIOHandler;
    property Socket: TIocpIOHandler read FIOHandler;
    { Indy's (TComponent's) Tag: a number the application keeps with the connection; 0 at first.
      Any thread (the application orders its own reads and writes). }
    property Tag: NativeInt read FTag write FTag;
  end;

  TIocpCustomTCPServer = class;

  { One client connection (Indy: TIdContext / TIdServerContext). Subclass it for per-connection
    state (override Indy's constructor) and set Server.ContextClass. }
  TIocpContext = class
  private
    FHandle: Piocp_context;
    FServer: TIocpCustomTCPServer;
    FConnection: TIocpTCPConnection;
    FYarn: TIocpYarn;
    FData: TObject;
    FPending: TObject;  { What a handler raised, for OnException. }
    function GetDisconnectReason: string;
    function GetDisconnectDetail: string;
    function GetBinding: TIocpSocketHandle;
  public
    { Indy's constructor: the server creates each context with its connection (owned by the
      context), a yarn and the Contexts list. On the accepting thread. }
    constructor Create(AConnection: TIocpTCPConnection; AYarn: TIocpYarn; AList: TIocpContextList = nil); virtual;
    destructor Destroy; override;
    property Connection: TIocpTCPConnection read FConnection;
    property Binding: TIocpSocketHandle read GetBinding;
    property Yarn: TIocpYarn read FYarn;
    property Server: TIocpCustomTCPServer read FServer;
    { Per-connection object of the user; freed with the context, as in Indy. }
    property Data: TObject read FData write FData;
    { Why the connection ended ('peer closed', 'heartbeat timeout', ...); '' while open. }
    property DisconnectReason: string read GetDisconnectReason;
    { More words on it where there are any (for 'TLS failed': OpenSSL's reason), else ''. }
    property DisconnectDetail: string read GetDisconnectDetail;
    { Indy's TIdTask.DoException: hands AException to the server's OnException for this
      context (Server.DoException), as Indy's context does; the caller keeps the exception.
      From the context's own handlers. }
    procedure DoException(AException: Exception);
  end;
  TIocpContextClass = class of TIocpContext;

  { Indy: TIdContextThreadList. LockList/UnlockList from any thread, paired on one thread; a
    handler holding the lock never waits (read before LockList or after UnlockList). }
  { Indy's TIdContextThreadList: the live list of the server's contexts, as Indy's. A context is
    in it from its creation (before OnContextCreated) until after OnDisconnect (before
    OnException); LockList holds it (and
    the engine's list) so no context comes or goes meanwhile. }
  TIocpContextList = class
  private
    FServer: TIocpCustomTCPServer;
    FList: TList;
    FLock: TCriticalSection;
    procedure Add(AContext: TIocpContext);     { The server unit's callbacks. }
    procedure Remove(AContext: TIocpContext);
  public
    constructor Create(AServer: TIocpCustomTCPServer);
    destructor Destroy; override;
    function LockList: TList;  { Any thread; a handler holding it must not wait (docs/guarantees.md, "Threads"). }
    procedure UnlockList;
    function Count: Integer;   { Any thread. }
  end;

  { Raised for a listener in OnListenException (Indy passes its listener thread). }
  TIocpListenerThread = class
  private
    FBinding: TIocpSocketHandle;
  public
    property Binding: TIocpSocketHandle read FBinding;
  end;

  TIdServerThreadEvent = procedure(AContext: TIocpContext) of object;
  { OnMessage: one whole message (Framing), without its delimiter or length header. }
  TIocpMessageEvent = procedure(AContext: TIocpContext; const AMessage: TIdBytes) of object;
  TIdServerThreadExceptionEvent = procedure(AContext: TIocpContext; AException: Exception) of object;
  TIdListenExceptionEvent = procedure(AThread: TIocpListenerThread; AException: Exception) of object;
  { Indy's OnBeforeListenerRun type (AThread: Indy's TIdThread, a TThread). }
  TIdNotifyThreadEvent = procedure(AThread: TThread) of object;
  TIdSocketHandleEvent = procedure(AHandle: TIocpSocketHandle) of object;

  TIocpIOCPOptions = class(TIocpOptionGroup)
  private
    FIOCPThreads, FWorkOpThreads, FFiberStackSize, FMaxPendingOutput: Integer;
    FBackend: TIocpBackend;
    FSlowConsumer: TIocpSlowConsumer;
  public
    constructor Create;
  published
    property IOCPThreads: Integer read FIOCPThreads write FIOCPThreads default 0;
    property WorkOpThreads: Integer read FWorkOpThreads write FWorkOpThreads default 0;
    property FiberStackSize: Integer read FFiberStackSize write FFiberStackSize default 262144;
    property MaxPendingOutput: Integer read FMaxPendingOutput write FMaxPendingOutput default 4194304;
    property Backend: TIocpBackend read FBackend write FBackend default ibDefault;
    property SlowConsumer: TIocpSlowConsumer read FSlowConsumer write FSlowConsumer default scPauseReading;
  end;

  TIocpIOHandlerOptions = class(TIocpOptionGroup)
  private
    FIOHandlerType: TIdIOHandlerType;
    FIOCP: TIocpIOCPOptions;
    procedure SetIOCP(AValue: TIocpIOCPOptions);
  public
    constructor Create;
    destructor Destroy; override;
  published
    property IOHandlerType: TIdIOHandlerType read FIOHandlerType write FIOHandlerType default iohDefault;
    property IOCP: TIocpIOCPOptions read FIOCP write SetIOCP;
  end;

  TIocpHeartbeat = class(TIocpOptionGroup)
  private
    FEnabled: Boolean;
    FInterval, FTimeout: Integer;
    FMode: TIocpHeartbeatMode;
    FPayload: string;
  public
    constructor Create;
  published
    property Enabled: Boolean read FEnabled write FEnabled default False;
    property Interval: Integer read FInterval write FInterval default 30000;
    property Timeout: Integer read FTimeout write FTimeout default 10000;
    property Mode: TIocpHeartbeatMode read FMode write FMode default hbAlways;
    property Payload: string read FPayload write FPayload;
  end;

  TIocpKeepAlive = class(TIocpOptionGroup)
  private
    FEnabled: Boolean;
    FTime, FInterval: Integer;
  public
    constructor Create;
  published
    property Enabled: Boolean read FEnabled write FEnabled default False;
    property Time: Integer read FTime write FTime default 60000;
    property Interval: Integer read FInterval write FInterval default 10000;
  end;

  { ProxyProtocol: behind a load balancer, the client's address comes in a header before its
    first byte: AContext.Binding.PeerIP/PeerPort are the client's from OnConnect on. A connection
    from a source not in TrustedSources (the balancers' addresses or networks, such as
    '10.0.0.5, 10.0.1.0/24, ::1'; needed when Mode is not ppOff), with a malformed header, or
    without a whole one within Timeout ms ends before OnConnect (no OnConnect, no OnDisconnect). }
  TIocpProxyProtocol = class(TIocpOptionGroup)
  private
    FMode: TIocpProxyProtocolMode;
    FTrustedSources: string;
    FTimeout: Integer;
  public
    constructor Create;
  published
    property Mode: TIocpProxyProtocolMode read FMode write FMode default ppOff;
    property TrustedSources: string read FTrustedSources write FTrustedSources;
    property Timeout: Integer read FTimeout write FTimeout default 5000;
  end;

  { Framing: how OnMessage's messages are delimited (see TIocpFramingKind). A message longer than
    MaxFrameSize bytes ends the connection. }
  TIocpFraming = class(TIocpOptionGroup)
  private
    FKind: TIocpFramingKind;
    FDelimiter: string;
    FLengthBytes: Integer;
    FBigEndian: Boolean;
    FMaxFrameSize: Integer;
  public
    constructor Create;
  published
    property Kind: TIocpFramingKind read FKind write FKind default fkNone;
    property Delimiter: string read FDelimiter write FDelimiter;  { fkLine; #10 on a new server. }
    property LengthBytes: Integer read FLengthBytes write FLengthBytes default 4;  { 1, 2, 4 or 8. }
    property BigEndian: Boolean read FBigEndian write FBigEndian default True;
    property MaxFrameSize: Integer read FMaxFrameSize write FMaxFrameSize default 1048576;
  end;

  { Indy's server IOHandlers, for code that makes one and assigns it to the server's IOHandler
    (TIdServerIOHandlerStack and the like): the engine does the I/O, so a plain one changes
    nothing. }
  TIocpServerIOHandler = class(TComponent)
  public
    constructor Create(AOwner: TComponent); overload; override;
    constructor Create; reintroduce; overload;  { Indy's: no owner. }
  end;

  { Indy's TIdServerIOHandlerSSLOpenSSL for code that sets TLS up itself
    (SSL := TIdServerIOHandlerSSLOpenSSL.Create(Server); SSL.SSLOptions.CertFile := ...;
    Server.IOHandler := SSL): it holds SSLOptions and the TLS events. The server takes them when
    it activates: its SSLOptions become these, with Enabled, and with PassThrough as in Indy (each
    connection plain text until its handler sets IOHandler.PassThrough := False, as Indy's TLS
    servers do in OnConnect); the events where the server has none of its own. Main thread,
    before activation. }
  TIocpServerIOHandlerSSL = class(TIocpServerIOHandler)
  private
    FSSLOptions: TIocpSSLOptions;
    FOnGetPassword: TPasswordEvent;
    FOnGetPasswordEx: TPasswordEventEx;
    FOnVerifyPeer: TVerifyPeerEvent;
    procedure SetSSLOptions(AValue: TIocpSSLOptions);
  public
    constructor Create(AOwner: TComponent); overload; override;
    destructor Destroy; override;
  published
    property SSLOptions: TIocpSSLOptions read FSSLOptions write SetSSLOptions;
    property OnGetPassword: TPasswordEvent read FOnGetPassword write FOnGetPassword;
    property OnGetPasswordEx: TPasswordEventEx read FOnGetPasswordEx write FOnGetPasswordEx;
    property OnVerifyPeer: TVerifyPeerEvent read FOnVerifyPeer write FOnVerifyPeer;
  end;

  { Indy's TIdCustomTCPServer: everything but a published OnExecute; derive protocol servers
    from it and override the protected virtuals. }
  TIocpCustomTCPServer = class(TComponent)
  private
    FHandle: Piocp_server;
    FDefaultPort: TIdPort;
    FMaxConnectionReply: string;
    FIOHandlerOptions: TIocpIOHandlerOptions;
    FHeartbeat: TIocpHeartbeat;
    FKeepAlive: TIocpKeepAlive;
    FProxyProtocol: TIocpProxyProtocol;
    FFraming: TIocpFraming;
    FSSLOptions: TIocpSSLOptions;
    FServerIOHandler: TIocpServerIOHandler;
    FIdleTimeout: Integer;
    FUserTimeout: Integer;
    FReceiveBufferSize, FSendBufferSize: Integer;
    FStreamedActive: Boolean;
    FListener: TIocpListenerThread;
    FOnHeartbeat: TIdServerThreadEvent;
    FOnDraining: TNotifyEvent;
    FOnStatus: TIdStatusEvent;
    FOnBeforeListenerRun: TIdNotifyThreadEvent;
    function GetActive: Boolean;
    function GetActiveBackend: string;
    function GetDraining: Boolean;
    function HandleNeeded: Piocp_server;
    procedure SetIOHandlerOptions(AValue: TIocpIOHandlerOptions);
    procedure SetHeartbeat(AValue: TIocpHeartbeat);
    procedure SetKeepAlive(AValue: TIocpKeepAlive);
    procedure SetProxyProtocol(AValue: TIocpProxyProtocol);
    procedure SetFraming(AValue: TIocpFraming);
    procedure SetSSLOptions(AValue: TIocpSSLOptions);
    procedure SetServerIOHandler(AValue: TIocpServerIOHandler);
    procedure TakeSSLIOHandler(AHandler: TIocpServerIOHandlerSSL);
    procedure PushSniCertificate(AItem: TIocpSNICertificate);
    procedure PullSniCertificate(AIndex: Integer);
    procedure Configure;
    procedure PushOptions(const AGroup: string = '');
    procedure PullOptions;
    procedure LoadXml(const AXml: RawByteString; const AFileName: string);
    function SaveXml: RawByteString;
  protected
    { Indy's protected fields, for subclasses that read them. FActive follows SetActive. }
    FActive: Boolean;
    FScheduler: TComponent;
    FBindings: TIocpSocketHandles;
    FContextClass: TIocpContextClass;
    FListenQueue: Integer;
    FMaxConnections: Integer;
    FReuseSocket: TIdReuseSocket;
    FReusePort: Boolean;
    FTerminateWaitTime: Integer;
    FContexts: TIocpContextList;
    FOnContextCreated: TIdServerThreadEvent;
    FOnConnect: TIdServerThreadEvent;
    FOnDisconnect: TIdServerThreadEvent;
    FOnException: TIdServerThreadExceptionEvent;
    FOnExecute: TIdServerThreadEvent;
    FOnDataAvailable: TIdServerThreadEvent;
    FOnMessage: TIocpMessageEvent;
    FOnListenException: TIdListenExceptionEvent;
    FOnGetPassword: TPasswordEvent;
    FOnGetPasswordEx: TPasswordEventEx;
    FOnVerifyPeer: TVerifyPeerEvent;
    FTlsEvents: TIocpTlsEventHolder;  { What the C ABI's TLS callbacks reach (set by Configure). }
    FOnBeforeBind: TIdSocketHandleEvent;
    FOnAfterBind: TNotifyEvent;
    FUseNagle: Boolean;
    procedure Loaded; override;
    procedure SetBindings(const AValue: TIocpSocketHandles); virtual;
    procedure SetDefaultPort(const AValue: TIdPort); virtual;
    { Indy's: disconnect every connection and wait (up to TerminateWaitTime) until their handlers
      have ended. Not from a handler of this server (it would wait for itself). }
    procedure TerminateAllThreads;
    { Indy's virtuals, in Indy's order per connection: ContextCreated (accepting thread) ->
      ContextConnected -> DoConnect -> DoExecute while it returns True -> ContextDisconnected ->
      DoDisconnect -> DoException for what ended it. Each default calls the matching event. }
    procedure InitComponent; virtual;  { Defaults; called by every constructor. }
    procedure CheckOkToBeActive; virtual;  { Raise to refuse Active := True. }
    procedure ContextCreated(AContext: TIocpContext); virtual;
    procedure ContextConnected(AContext: TIocpContext); virtual;
    procedure ContextDisconnected(AContext: TIocpContext); virtual;
    procedure DoConnect(AContext: TIocpContext); virtual;
    procedure DoDisconnect(AContext: TIocpContext); virtual;
    { OnExecute, then Result := AContext.Connection.Connected; False ends the connection. }
    function DoExecute(AContext: TIocpContext): Boolean; virtual;
    procedure DoException(AContext: TIocpContext; AException: Exception); virtual;
    procedure DoBeforeBind(AHandle: TIocpSocketHandle); virtual;
    procedure DoAfterBind; virtual;
    procedure DoListenException(AThread: TIocpListenerThread; AException: Exception); virtual;
    procedure SetActive(AValue: Boolean); virtual;
    { Indy's: listen and serve (from SetActive(True), after CheckOkToBeActive) / end every
      connection and stop (from SetActive(False), with Active already False). }
    procedure Startup; virtual;
    procedure Shutdown; virtual;
    property OnExecute: TIdServerThreadEvent read FOnExecute write FOnExecute;
    { The event model, instead of OnExecute (assign one of the three). No fiber: the handler runs
      when bytes arrive (iohIOCP: on an engine thread, one at a time per connection; iohDefault:
      on the connection's thread), must not wait, and its writes queue (iohIOCP: past
      IOCP.MaxPendingOutput the connection stops reading its peer until half has gone, or with
      IOCP.SlowConsumer = scDisconnect the peer is dropped); a read that needs bytes not yet
      arrived times out at once. OnDataAvailable: take what is whole from
      AContext.Connection.IOHandler.InputBuffer, the rest stays for the next call. OnMessage: one
      whole message, cut out by Framing; do not read from the IOHandler there. }
    property OnDataAvailable: TIdServerThreadEvent read FOnDataAvailable write FOnDataAvailable;
    property OnMessage: TIocpMessageEvent read FOnMessage write FOnMessage;
  public
    constructor Create(AOwner: TComponent); overload; override;
    constructor Create; reintroduce; overload;  { Indy's: no owner. }
    { Active := False first (through the virtual SetActive, as Indy), then frees. }
    destructor Destroy; override;
    { The class of the contexts the server creates (your subclass with per-connection state). }
    property ContextClass: TIocpContextClass read FContextClass write FContextClass;
    property Contexts: TIocpContextList read FContexts;
    { Counters of the running server (IOCP_STAT_*); 0 while inactive. Any thread. }
    function Stat(AWhich: Integer): UInt64;
    { Indy's StopListening: close the listening sockets (a new connect is refused) while every
      open connection goes on; Active stays True. No effect while inactive. Indy's
      StartListening: listen again on the same bindings and ports (OnBeforeBind and OnAfterBind
      run again, as in Indy); raises EIdCouldNotBindSocket, and EIdException while inactive.
      Both: the owning thread, never from a handler. }
    procedure StopListening;
    { A graceful drain, for a restart that drops nothing: stop listening (with ReusePort a new
      process on the port takes the new connections), Draining turns True and OnDraining runs on
      this thread (tell the clients there), then wait up to ATimeout ms for every connection to end
      by itself (handlers that see Draining finish their request and disconnect); then
      Active := False ends the rest (DisconnectReason 'server stopping'). True when none was left.
      OnDisconnect exactly once per connection throughout. While active; the owning thread, not
      from a handler. }
    function Drain(ATimeout: Integer): Boolean;
    { Drain has begun (until the next activation). Any thread, handlers included. }
    property Draining: Boolean read GetDraining;
    procedure StartListening;
    { SSLOptions' certificate and key files loaded again for the connections accepted from now
      on (a renewed certificate); open ones keep theirs. Raises EIocpConfigError (missing,
      expired, a key that does not match) and the old one goes on serving. While active. }
    procedure ReloadCertificates;
    { What serves the connections: 'threads' (iohDefault), 'epoll' or 'io_uring' (iohIOCP on
      Linux, see IOHandlerOptions.IOCP.Backend), 'IOCP' (Windows), or 'epoll (io_uring
      unavailable: <why>)'; '' while inactive. Any thread, not while Active changes. }
    property ActiveBackend: string read GetActiveBackend;
    { The engine's server, created on first use: activation, the XML configuration, Contexts,
      or this property. A component that is only designed, streamed or edited makes no call into
      the library (the IDE loads the design package without one). Owning thread. }
    property Handle: Piocp_server read HandleNeeded;
    { The XML configuration of the C++ component (TIocpTCPServer::LoadFromXml; the format is
      described there): every published option and the Bindings, nested as the properties are.
      Load: a missing element keeps its value; a bad document raises EIocpConfigError naming
      the element and changes nothing. Owning thread; load while inactive. The Windows DLL is
      built without pugixml: there all four raise EIocpConfigError. }
    procedure LoadFromXml(const AFileName: string);
    procedure SaveToXml(const AFileName: string);
    procedure LoadFromXmlString(const AXml: string);
    function SaveToXmlString: string;
    procedure Notification(AComponent: TComponent; Operation: TOperation); override;
  public
    { Indy's IOHandler of the server, for code that assigns one (see TIocpServerIOHandlerSSL);
      forms set SSLOptions instead. Main thread, before activation. }
    property IOHandler: TIocpServerIOHandler read FServerIOHandler write SetServerIOHandler;
  published
    property Active: Boolean read GetActive write SetActive default False;
    property Bindings: TIocpSocketHandles read FBindings write SetBindings;
    property DefaultPort: TIdPort read FDefaultPort write SetDefaultPort default 0;
    { 0 = the system's maximum backlog (Indy's default is 15; docs/options.md says why). }
    property ListenQueue: Integer read FListenQueue write FListenQueue default 0;
    property MaxConnections: Integer read FMaxConnections write FMaxConnections default 0;
    property MaxConnectionReply: string read FMaxConnectionReply write FMaxConnectionReply;
    property ReuseSocket: TIdReuseSocket read FReuseSocket write FReuseSocket default rsOSDependent;
    { SO_REUSEPORT on the listeners (Linux): several processes serve one port; a new process
      listens while the old one drains (Drain). Windows has none: activation raises there. Set
      while inactive. }
    property ReusePort: Boolean read FReusePort write FReusePort default False;
    property UseNagle: Boolean read FUseNagle write FUseNagle default True;
    property TerminateWaitTime: Integer read FTerminateWaitTime write FTerminateWaitTime default 5000;
    property IOHandlerOptions: TIocpIOHandlerOptions read FIOHandlerOptions write SetIOHandlerOptions;
    property Heartbeat: TIocpHeartbeat read FHeartbeat write SetHeartbeat;
    property KeepAlive: TIocpKeepAlive read FKeepAlive write SetKeepAlive;
    property ProxyProtocol: TIocpProxyProtocol read FProxyProtocol write SetProxyProtocol;
    property Framing: TIocpFraming read FFraming write SetFraming;
    property SSLOptions: TIocpSSLOptions read FSSLOptions write SetSSLOptions;
    property IdleTimeout: Integer read FIdleTimeout write FIdleTimeout default 0;
    property UserTimeout: Integer read FUserTimeout write FUserTimeout default 0;
    { Bytes of the OS's receive / send buffer of each accepted connection (SO_RCVBUF /
      SO_SNDBUF; Linux doubles the value). 0 = the OS default. }
    property ReceiveBufferSize: Integer read FReceiveBufferSize write FReceiveBufferSize default 0;
    property SendBufferSize: Integer read FSendBufferSize write FSendBufferSize default 0;
    property OnConnect: TIdServerThreadEvent read FOnConnect write FOnConnect;
    property OnDisconnect: TIdServerThreadEvent read FOnDisconnect write FOnDisconnect;
    property OnContextCreated: TIdServerThreadEvent read FOnContextCreated write FOnContextCreated;
    property OnHeartbeat: TIdServerThreadEvent read FOnHeartbeat write FOnHeartbeat;
    property OnException: TIdServerThreadExceptionEvent read FOnException write FOnException;
    property OnListenException: TIdListenExceptionEvent read FOnListenException write FOnListenException;
    { Indy's SSL IOHandler events (IocpIOHandler's TPasswordEvent, TVerifyPeerEvent): the password
      of an encrypted SSLOptions.KeyFile (asked by Active := True and ReloadCertificates, on their
      thread), and the verdict on each certificate of a client's chain (VerifyMode with
      sslvrfPeer; inside the handshake on an I/O thread: must not wait). Assign before Active. }
    property OnGetPassword: TPasswordEvent read FOnGetPassword write FOnGetPassword;
    property OnGetPasswordEx: TPasswordEventEx read FOnGetPasswordEx write FOnGetPasswordEx;
    property OnVerifyPeer: TVerifyPeerEvent read FOnVerifyPeer write FOnVerifyPeer;
    property OnBeforeBind: TIdSocketHandleEvent read FOnBeforeBind write FOnBeforeBind;
    property OnAfterBind: TNotifyEvent read FOnAfterBind write FOnAfterBind;
    { Indy's scheduler (a form may set one): accepted and ignored; IOHandlerOptions chooses. }
    property Scheduler: TComponent read FScheduler write FScheduler;
    { Indy's OnStatus: a form may set it; a server never fires it (nor does Indy's). }
    property OnStatus: TIdStatusEvent read FOnStatus write FOnStatus;
    { Drain has stopped listening; runs on Drain's thread. }
    property OnDraining: TNotifyEvent read FOnDraining write FOnDraining;
    { Indy's OnBeforeListenerRun: a form may set it; never fired, there are no listener threads
      here (the engine accepts on its own threads; OnBeforeBind/OnAfterBind do fire). }
    property OnBeforeListenerRun: TIdNotifyThreadEvent read FOnBeforeListenerRun write FOnBeforeListenerRun;
  end;

  { Indy's TIdTCPServer: OnExecute published and required (EIdTCPNoOnExecute). }
  TIocpTCPServer = class(TIocpCustomTCPServer)
  protected
    procedure CheckOkToBeActive; override;
  published
    property OnExecute;
    property OnDataAvailable;
    property OnMessage;
  end;

implementation

uses
  TypInfo, IocpFiberRtl;

{ --- Collections and options --- }

constructor TIocpSocketHandles.Create(AOwner: TPersistent);
begin
  inherited Create(AOwner, TIocpSocketHandle);
end;

function TIocpSocketHandles.GetItem(AIndex: Integer): TIocpSocketHandle;
begin
  Result := TIocpSocketHandle(inherited Items[AIndex]);
end;

function TIocpSocketHandles.Add: TIocpSocketHandle;
begin
  Result := TIocpSocketHandle(inherited Add);  { On DefaultPort (the item's constructor). }
end;

constructor TIocpFraming.Create;
begin
  inherited Create;
  FDelimiter := #10;
  FLengthBytes := 4;
  FBigEndian := True;
  FMaxFrameSize := 1048576;
end;

constructor TIocpIOCPOptions.Create;
begin
  inherited Create;
  FFiberStackSize := 262144;
  FMaxPendingOutput := 4194304;
end;

constructor TIocpIOHandlerOptions.Create;
begin
  inherited Create;
  FIOCP := TIocpIOCPOptions.Create;
end;

destructor TIocpIOHandlerOptions.Destroy;
begin
  FIOCP.Free;
  inherited Destroy;
end;

procedure TIocpIOHandlerOptions.SetIOCP(AValue: TIocpIOCPOptions);
begin
  FIOCP.Assign(AValue);
end;

constructor TIocpHeartbeat.Create;
begin
  inherited Create;
  FInterval := 30000;
  FTimeout := 10000;
end;

constructor TIocpKeepAlive.Create;
begin
  inherited Create;
  FTime := 60000;
  FInterval := 10000;
end;

constructor TIocpProxyProtocol.Create;
begin
  inherited Create;
  FTimeout := 5000;
end;

{ --- Contexts --- }

function ContextOf(AHandle: Piocp_context): TIocpContext;
begin
  Result := TIocpContext(iocp_context_user(AHandle));
end;

constructor TIocpTCPConnection.CreateForContext(AHandle: Piocp_context; ASSL: Boolean);
begin
  inherited Create;
  FHandle := AHandle;
  if ASSL then
    FIOHandler := TIocpSSLIOHandler.Create(iocp_context_io(AHandle))
  else
    FIOHandler := TIocpIOHandler.Create(iocp_context_io(AHandle));
  FIOHandler.BindToContext(AHandle);
end;

destructor TIocpTCPConnection.Destroy;
begin
  FIOHandler.Free;
  inherited Destroy;
end;

function TIocpTCPConnection.Connected: Boolean;
begin
  Result := FIOHandler.Connected;
end;

procedure TIocpTCPConnection.Disconnect;
begin
  Disconnect(True);
end;

procedure TIocpTCPConnection.Disconnect(ANotifyPeer: Boolean);
begin
  IocpCheck(iocp_context_disconnect(FHandle, Ord(ANotifyPeer)));
end;

procedure TIocpTCPConnection.CheckForGracefulDisconnect(ARaiseExceptionIfDisconnected: Boolean);
begin
  FIOHandler.CheckForDisconnect(ARaiseExceptionIfDisconnected);
end;

constructor TIocpContext.Create(AConnection: TIocpTCPConnection; AYarn: TIocpYarn; AList: TIocpContextList);
begin
  inherited Create;
  FConnection := AConnection;
  FYarn := AYarn;
  if AConnection <> nil then
    FHandle := AConnection.FHandle;
end;

destructor TIocpContext.Destroy;
begin
  if FData = Self then
    FData := nil  { A context kept in its own Data: not freed twice. }
  else
    FreeAndNil(FData);  { As Indy: the context owns Data. }
  FreeAndNil(FPending);
  FConnection.Free;
  FYarn.Free;
  inherited Destroy;
end;

procedure TIocpContext.DoException(AException: Exception);
begin
  if FServer <> nil then
    FServer.DoException(Self, AException);
end;

function TIocpContext.GetBinding: TIocpSocketHandle;
begin
  Result := FConnection.Socket.Binding;
end;

function TIocpContext.GetDisconnectReason: string;
var
  P: PAnsiChar;
  N: size_t;
begin
  IocpCheck(iocp_context_disconnect_reason(FHandle, @P, @N));
  Result := IocpAbiText(P, N);
end;

function TIocpContext.GetDisconnectDetail: string;
var
  P: PAnsiChar;
  N: size_t;
begin
  IocpCheck(iocp_context_disconnect_detail(FHandle, @P, @N));
  Result := IocpAbiText(P, N);
end;

constructor TIocpContextList.Create(AServer: TIocpCustomTCPServer);
begin
  inherited Create;
  FServer := AServer;
  FList := TList.Create;
  FLock := TCriticalSection.Create;
end;

destructor TIocpContextList.Destroy;
begin
  FLock.Free;
  FList.Free;
  inherited Destroy;
end;

procedure TIocpContextList.Add(AContext: TIocpContext);
begin
  FLock.Enter;
  try
    FList.Add(AContext);
  finally
    FLock.Leave;
  end;
end;

procedure TIocpContextList.Remove(AContext: TIocpContext);
begin
  FLock.Enter;
  try
    FList.Remove(AContext);
  finally
    FLock.Leave;
  end;
end;

function TIocpContextList.LockList: TList;
var
  Items: Piocp_context_array;
  N: Integer;
begin
  { The engine's list first (its lock marks the caller as one that must not wait), then ours:
    the callbacks that add and remove take only ours, so the order never inverts. }
  IocpCheck(iocp_server_lock_contexts(FServer.HandleNeeded, @Items, @N));
  FLock.Enter;
  Result := FList;
end;

procedure TIocpContextList.UnlockList;
begin
  FLock.Leave;
  iocp_server_unlock_contexts(FServer.FHandle);
end;

function TIocpContextList.Count: Integer;
begin
  FLock.Enter;
  try
    Result := FList.Count;
  finally
    FLock.Leave;
  end;
end;

{ --- Engine callbacks -> the server's virtuals. Each catches everything: no Pascal exception
  crosses into the engine. --- }

{ A handler raised E: keep it for OnException and tell the engine. }
function Raised(AContext: TIocpContext; E: Exception): Integer;
begin
  Result := IocpReportHandlerError(E);
  if (AContext <> nil) and (AContext.FPending = nil) then
    AContext.FPending := TObject(AcquireExceptionObject);
end;

function ContextCreatedCb(AUser: Pointer; AHandle: Piocp_context): Integer; cdecl;
var
  Server: TIocpCustomTCPServer;
  Ctx: TIocpContext;
  Conn: TIocpTCPConnection;
  Yarn: TIocpYarn;
  Hints: array[0..IOCP_CACHE_HINTS - 1] of Pointer;
begin
  Result := IOCP_OK;
  Ctx := nil;
  Conn := nil;
  Yarn := nil;
  try
    Server := TIocpCustomTCPServer(AUser);
    Conn := TIocpTCPConnection.CreateForContext(AHandle, Server.FSSLOptions.Enabled);
    Yarn := TIocpYarn.Create;
    if Server.FContextClass <> nil then
      Ctx := Server.FContextClass.Create(Conn, Yarn, Server.FContexts)
    else
      Ctx := TIocpContext.Create(Conn, Yarn, Server.FContexts);
    Ctx.FHandle := AHandle;
    Ctx.FServer := Server;
    iocp_context_set_user(AHandle, Ctx);
    { What a handler touches first when it resumes (AContext.Connection.IOHandler): fetched
      into the cache by the engine together with its own state. }
    Hints[0] := Ctx;
    Hints[1] := Conn;
    Hints[2] := Conn.FIOHandler;
    iocp_context_set_cache_hints(AHandle, @Hints[0], Length(Hints));
    Server.FContexts.Add(Ctx);  { Live from here (Indy adds it in the context's constructor). }
    Server.ContextCreated(Ctx);
  except
    on E: Exception do
    begin
      if Ctx = nil then
      begin
        Conn.Free;  { The context would have owned them. }
        Yarn.Free;
      end;
      Result := Raised(Ctx, E);
    end;
  end;
end;

{ AEvent for the context of AHandle; what it raises goes to the engine as the handler's. }
function CallForContext(AHandle: Piocp_context; AEvent: TIdServerThreadEvent): Integer;
begin
  Result := IOCP_OK;
  try
    AEvent(ContextOf(AHandle));
  except
    on E: Exception do
      Result := Raised(ContextOf(AHandle), E);
  end;
end;

function ConnectCb(AUser: Pointer; AHandle: Piocp_context): Integer; cdecl;
begin
  Result := CallForContext(AHandle, TIocpCustomTCPServer(AUser).ContextConnected);
end;

{ Indy's execute loop, here rather than one callback per round: the try block below is set up
  once per connection (a Free Pascal try block costs two threadvar look-ups). }
function ExecuteCb(AUser: Pointer; AHandle: Piocp_context): Integer; cdecl;
var
  Server: TIocpCustomTCPServer;
  Ctx: TIocpContext;
begin
  Result := IOCP_OK;
  try
    Server := TIocpCustomTCPServer(AUser);
    Ctx := ContextOf(AHandle);
    repeat
      if not Server.DoExecute(Ctx) then
      begin
        iocp_context_disconnect(AHandle, 1);  { As Indy: the loop ends, the connection closes. }
        Exit;
      end;
    until iocp_context_execute_again(AHandle) <> 1;
  except
    on E: Exception do
      Result := Raised(ContextOf(AHandle), E);
  end;
end;

{ The event model: bytes arrived (OnDataAvailable), or a whole message (OnMessage). }
function DataAvailableCb(AUser: Pointer; AHandle: Piocp_context): Integer; cdecl;
begin
  Result := CallForContext(AHandle, TIocpCustomTCPServer(AUser).FOnDataAvailable);
end;

function MessageCb(AUser: Pointer; AHandle: Piocp_context; AMessage: PAnsiChar; ALength: size_t): Integer; cdecl;
var
  Bytes: TIdBytes;
begin
  Result := IOCP_OK;
  try
    SetLength(Bytes, ALength);
    if ALength > 0 then
      Move(AMessage^, Bytes[0], ALength);
    TIocpCustomTCPServer(AUser).FOnMessage(ContextOf(AHandle), Bytes);
  except
    on E: Exception do
      Result := Raised(ContextOf(AHandle), E);
  end;
end;

function DisconnectCb(AUser: Pointer; AHandle: Piocp_context): Integer; cdecl;
begin
  Result := CallForContext(AHandle, TIocpCustomTCPServer(AUser).ContextDisconnected);
  { Out of Contexts after OnDisconnect and before OnException, as the engine's list and Indy's. }
  TIocpCustomTCPServer(AUser).FContexts.Remove(ContextOf(AHandle));
end;

function HeartbeatCb(AUser: Pointer; AHandle: Piocp_context): Integer; cdecl;
begin
  Result := IOCP_OK;
  if Assigned(TIocpCustomTCPServer(AUser).FOnHeartbeat) then
    Result := CallForContext(AHandle, TIocpCustomTCPServer(AUser).FOnHeartbeat);
end;

procedure ExceptionCb(AUser: Pointer; AHandle: Piocp_context; ACode: Integer; AMessage: PAnsiChar;
  ALength: size_t); cdecl;
var
  Server: TIocpCustomTCPServer;
  Ctx: TIocpContext;
  E: TObject;
begin
  try
    Server := TIocpCustomTCPServer(AUser);
    Ctx := ContextOf(AHandle);
    E := nil;
    if Ctx <> nil then
    begin
      E := Ctx.FPending;
      Ctx.FPending := nil;
    end;
    if not (E is Exception) then
    begin
      FreeAndNil(E);
      E := IocpExceptionFor(ACode, IocpAbiText(AMessage, ALength));
    end;
    try
      Server.DoException(Ctx, Exception(E));
    finally
      E.Free;
    end;
  except
    { An exception handler that raises has nowhere left to report to. }
  end;
end;

function ContextFreedCb(AUser: Pointer; AHandle: Piocp_context): Integer; cdecl;
begin
  Result := IOCP_OK;
  try
    TIocpCustomTCPServer(AUser).FContexts.Remove(ContextOf(AHandle));  { If no OnDisconnect came. }
    ContextOf(AHandle).Free;
    iocp_context_set_user(AHandle, nil);
  except
  end;
end;

procedure ListenExceptionCb(AUser: Pointer; ABinding: Integer; AMessage: PAnsiChar; ALength: size_t); cdecl;
var
  Server: TIocpCustomTCPServer;
  E: EIdException;
begin
  try
    Server := TIocpCustomTCPServer(AUser);
    E := EIdException.Create(IocpAbiText(AMessage, ALength));
    try
      if (ABinding >= 0) and (ABinding < Server.FBindings.Count) then
        Server.FListener.FBinding := Server.FBindings[ABinding]
      else
        Server.FListener.FBinding := nil;
      Server.DoListenException(Server.FListener, E);
    finally
      E.Free;
    end;
  except
  end;
end;

function BindCb(AUser: Pointer; ABinding: Integer): Integer; cdecl;
var
  Server: TIocpCustomTCPServer;
begin
  Result := IOCP_OK;
  try
    Server := TIocpCustomTCPServer(AUser);
    if ABinding >= 0 then
      Server.DoBeforeBind(Server.FBindings[ABinding])
    else
      Server.DoAfterBind;
  except
    on E: Exception do
      Result := Raised(nil, E);
  end;
end;

{ --- TIocpCustomTCPServer --- }

constructor TIocpCustomTCPServer.Create(AOwner: TComponent);
begin
  inherited Create(AOwner);
  FBindings := TIocpSocketHandles.Create(Self);
  FIOHandlerOptions := TIocpIOHandlerOptions.Create;
  FHeartbeat := TIocpHeartbeat.Create;
  FKeepAlive := TIocpKeepAlive.Create;
  FProxyProtocol := TIocpProxyProtocol.Create;
  FFraming := TIocpFraming.Create;
  FSSLOptions := TIocpSSLOptions.Create;
  FTlsEvents := TIocpTlsEventHolder.Create;
  FTlsEvents.Sender := Self;
  FContexts := TIocpContextList.Create(Self);
  FListener := TIocpListenerThread.Create;
  InitComponent;
end;

constructor TIocpCustomTCPServer.Create;
begin
  Create(nil);
end;

{ TIocpScheduler }

constructor TIocpScheduler.Create(AOwner: TComponent);
begin
  inherited Create(AOwner);
end;

constructor TIocpScheduler.Create;
begin
  Create(nil);
end;

{ TIocpServerIOHandler }

constructor TIocpServerIOHandler.Create(AOwner: TComponent);
begin
  inherited Create(AOwner);
end;

constructor TIocpServerIOHandler.Create;
begin
  Create(nil);  { Virtual: a TIocpServerIOHandlerSSL gets its SSLOptions. }
end;

{ TIocpServerIOHandlerSSL }

constructor TIocpServerIOHandlerSSL.Create(AOwner: TComponent);
begin
  inherited Create(AOwner);
  FSSLOptions := TIocpSSLOptions.Create;
end;

destructor TIocpServerIOHandlerSSL.Destroy;
begin
  FSSLOptions.Free;
  inherited Destroy;
end;

procedure TIocpServerIOHandlerSSL.SetSSLOptions(AValue: TIocpSSLOptions);
begin
  FSSLOptions.Assign(AValue);
end;

{ TIocpCustomTCPServer }

procedure TIocpCustomTCPServer.SetServerIOHandler(AValue: TIocpServerIOHandler);
begin
  if FServerIOHandler = AValue then
    Exit;
  if FServerIOHandler <> nil then
    FServerIOHandler.RemoveFreeNotification(Self);
  FServerIOHandler := AValue;
  if AValue <> nil then
    AValue.FreeNotification(Self);  { Freed first: the server forgets it (Notification). }
end;

procedure TIocpCustomTCPServer.Notification(AComponent: TComponent; Operation: TOperation);
begin
  inherited Notification(AComponent, Operation);
  if (Operation = opRemove) and (AComponent = FServerIOHandler) then
    FServerIOHandler := nil;
end;

procedure TIocpCustomTCPServer.TakeSSLIOHandler(AHandler: TIocpServerIOHandlerSSL);
begin
  FSSLOptions.Assign(AHandler.SSLOptions);
  FSSLOptions.Enabled := True;
  FSSLOptions.PassThrough := True;  { Indy: plain until a handler sets PassThrough := False. }
  if not Assigned(FOnGetPassword) then
    FOnGetPassword := AHandler.OnGetPassword;
  if not Assigned(FOnGetPasswordEx) then
    FOnGetPasswordEx := AHandler.OnGetPasswordEx;
  if not Assigned(FOnVerifyPeer) then
    FOnVerifyPeer := AHandler.OnVerifyPeer;
end;

destructor TIocpCustomTCPServer.Destroy;
begin
  Active := False;  { Indy's destructor does: a SetActive override sees it. }
  if FHandle <> nil then
    iocp_server_destroy(FHandle);  { Deactivates: every context is freed through ContextFreedCb. }
  FListener.Free;
  FContexts.Free;
  FFraming.Free;
  FSSLOptions.Free;
  FTlsEvents.Free;
  FKeepAlive.Free;
  FProxyProtocol.Free;
  FHeartbeat.Free;
  FIOHandlerOptions.Free;
  FBindings.Free;
  inherited Destroy;
end;

function TIocpCustomTCPServer.HandleNeeded: Piocp_server;
begin
  if FHandle = nil then
  begin
    IocpPrepareRuntime;
    FHandle := iocp_server_create;
    if FHandle = nil then
      raise EIdException.Create('Could not create a server: ' + IocpAbiText(iocp_last_error));
  end;
  Result := FHandle;
end;

procedure TIocpCustomTCPServer.InitComponent;
begin
  FContextClass := TIocpContext;  { As Indy: a ContextClass set before this is replaced. }
  FUseNagle := True;
  FTerminateWaitTime := 5000;
end;

procedure TIocpCustomTCPServer.CheckOkToBeActive;
begin
end;

procedure TIocpCustomTCPServer.ContextCreated(AContext: TIocpContext);
begin
  if Assigned(FOnContextCreated) then
    FOnContextCreated(AContext);
end;

procedure TIocpCustomTCPServer.ContextConnected(AContext: TIocpContext);
begin
  DoConnect(AContext);
end;

procedure TIocpCustomTCPServer.ContextDisconnected(AContext: TIocpContext);
begin
  DoDisconnect(AContext);
end;

procedure TIocpCustomTCPServer.DoConnect(AContext: TIocpContext);
begin
  if Assigned(FOnConnect) then
    FOnConnect(AContext);
end;

procedure TIocpCustomTCPServer.DoDisconnect(AContext: TIocpContext);
begin
  if Assigned(FOnDisconnect) then
    FOnDisconnect(AContext);
end;

function TIocpCustomTCPServer.DoExecute(AContext: TIocpContext): Boolean;
begin
  if Assigned(FOnExecute) then
    FOnExecute(AContext);
  Result := (AContext <> nil) and AContext.Connection.Connected;
end;

procedure TIocpCustomTCPServer.DoException(AContext: TIocpContext; AException: Exception);
begin
  if Assigned(FOnException) then
    FOnException(AContext, AException);
end;

procedure TIocpCustomTCPServer.DoBeforeBind(AHandle: TIocpSocketHandle);
begin
  if Assigned(FOnBeforeBind) then
    FOnBeforeBind(AHandle);
end;

procedure TIocpCustomTCPServer.DoAfterBind;
begin
  if Assigned(FOnAfterBind) then
    FOnAfterBind(Self);
end;

procedure TIocpCustomTCPServer.DoListenException(AThread: TIocpListenerThread; AException: Exception);
begin
  if Assigned(FOnListenException) then
    FOnListenException(AThread, AException);
end;

procedure TIocpCustomTCPServer.SetDefaultPort(const AValue: TIdPort);
begin
  FDefaultPort := AValue;
  FBindings.DefaultPort := AValue;
end;

procedure TIocpCustomTCPServer.TerminateAllThreads;
var
  L: TList;
  I: Integer;
  Deadline: TIdTicks;
begin
  L := FContexts.LockList;
  try
    for I := 0 to L.Count - 1 do
      iocp_context_disconnect(TIocpContext(L[I]).FHandle, 1);
  finally
    FContexts.UnlockList;
  end;
  Deadline := GetTickCount64 + UInt64(FTerminateWaitTime);
  while (FContexts.Count > 0) and (GetTickCount64 < Deadline) do
    Sleep(10);
end;

procedure TIocpCustomTCPServer.SetBindings(const AValue: TIocpSocketHandles);
begin
  FBindings.Assign(AValue);
end;

procedure TIocpCustomTCPServer.SetIOHandlerOptions(AValue: TIocpIOHandlerOptions);
begin
  FIOHandlerOptions.Assign(AValue);
end;

procedure TIocpCustomTCPServer.SetHeartbeat(AValue: TIocpHeartbeat);
begin
  FHeartbeat.Assign(AValue);
end;

procedure TIocpCustomTCPServer.SetKeepAlive(AValue: TIocpKeepAlive);
begin
  FKeepAlive.Assign(AValue);
end;

procedure TIocpCustomTCPServer.SetProxyProtocol(AValue: TIocpProxyProtocol);
begin
  FProxyProtocol.Assign(AValue);
end;

procedure TIocpCustomTCPServer.SetSSLOptions(AValue: TIocpSSLOptions);
begin
  FSSLOptions.Assign(AValue);
end;

procedure TIocpCustomTCPServer.SetFraming(AValue: TIocpFraming);
begin
  FFraming.Assign(AValue);
end;

function TIocpCustomTCPServer.GetActive: Boolean;
begin
  if ComponentState * [csLoading, csDesigning] <> [] then
    Result := FStreamedActive  { While loading, and in the designer: the value the form keeps. }
  else
    Result := FActive and (iocp_server_active(FHandle) = 1);  { False from the start of a stop. }
end;

{ The published object and property at an option's path in the table
  ('IOHandlerOptions.IOCP.IOCPThreads'). }
function OptionProperty(AServer: TObject; const APath: string; out AObject: TObject): PPropInfo;
var
  Rest: string;
  P: Integer;
begin
  AObject := AServer;
  Rest := APath;
  P := Pos('.', Rest);
  while P > 0 do
  begin
    AObject := GetObjectProp(AObject, Copy(Rest, 1, P - 1));
    Delete(Rest, 1, P);
    P := Pos('.', Rest);
  end;
  Result := GetPropInfo(AObject, Rest);
  if Result = nil then
    raise EIdException.Create('the option ' + APath + ' has no published property in ' + AServer.ClassName);
end;

type
  { One row of the engine's option table and the published property it names (Info = nil for
    ReuseSocket, whose Indy type TIdReuseSocket is no boolean). }
  TIocpOptionRow = record
    Id, Kind: Integer;
    Path: string;
    Obj: TObject;
    Info: PPropInfo;
  end;

function OptionRow(AServer: TObject; AIndex: Integer): TIocpOptionRow;
var
  Path: PAnsiChar;
  Lo, Hi: Int64;
begin
  IocpCheck(iocp_server_option_info(AIndex, @Result.Id, @Result.Kind, @Path, @Lo, @Hi));
  Result.Path := IocpAbiText(Path);
  Result.Obj := nil;
  Result.Info := nil;
  if Result.Id <> IOCP_SERVER_REUSE_SOCKET then
    Result.Info := OptionProperty(AServer, Result.Path, Result.Obj);
end;

{ Every option of the table (iocp_server_option_info) from its published property to the
  engine's server, then the Bindings; with AGroup ('SSLOptions.') only the options under it. The
  engine refuses a value out of range, naming it. }
procedure TIocpCustomTCPServer.PushOptions(const AGroup: string);
var
  I: Integer;
  Row: TIocpOptionRow;
  Raw: TIocpAbiString;
begin
  HandleNeeded;
  for I := 0 to iocp_server_option_count - 1 do
  begin
    Row := OptionRow(Self, I);
    if (AGroup <> '') and (Copy(Row.Path, 1, Length(AGroup)) <> AGroup) then
      Continue;
    if Row.Kind = IOCP_OPTION_STRING then
    begin
      Raw := IocpAbiString(GetStrProp(Row.Obj, Row.Info));
      IocpCheck(iocp_server_set_str(FHandle, Row.Id, PAnsiChar(Raw), Length(Raw)));
    end
    else if Row.Info = nil then  { ReuseSocket: only Indy's rsFalse turns it off. }
      IocpCheck(iocp_server_set_int(FHandle, Row.Id, Ord(FReuseSocket <> rsFalse)))
    else
      IocpCheck(iocp_server_set_int(FHandle, Row.Id, GetOrdProp(Row.Obj, Row.Info)));
  end;
  if (AGroup = '') or (AGroup = 'SSLOptions.') then
  begin
    IocpCheck(iocp_server_clear_sni_certificates(FHandle));
    for I := 0 to FSSLOptions.SNICertificates.Count - 1 do
      PushSniCertificate(FSSLOptions.SNICertificates[I]);
  end;
  if AGroup <> '' then
    Exit;
  IocpCheck(iocp_server_clear_bindings(FHandle));
  for I := 0 to FBindings.Count - 1 do
  begin
    Raw := IocpAbiString(FBindings[I].IP);
    IocpCheck(iocp_server_add_binding(FHandle, PAnsiChar(Raw), Length(Raw), FBindings[I].Port));
  end;
end;

procedure TIocpCustomTCPServer.PushSniCertificate(AItem: TIocpSNICertificate);
var
  Host, Cert, Key: TIocpAbiString;
begin
  Host := IocpAbiString(AItem.HostName);
  Cert := IocpAbiString(AItem.CertFile);
  Key := IocpAbiString(AItem.KeyFile);
  IocpCheck(iocp_server_add_sni_certificate(FHandle, PAnsiChar(Host), Length(Host), PAnsiChar(Cert), Length(Cert),
    PAnsiChar(Key), Length(Key)));
end;

procedure TIocpCustomTCPServer.PullSniCertificate(AIndex: Integer);
var
  Host, Cert, Key: PAnsiChar;
  HostLen, CertLen, KeyLen: size_t;
  Item: TIocpSNICertificate;
begin
  IocpCheck(iocp_server_sni_certificate(FHandle, AIndex, @Host, @HostLen, @Cert, @CertLen, @Key, @KeyLen));
  Item := FSSLOptions.SNICertificates.Add;
  Item.HostName := IocpAbiText(Host, HostLen);
  Item.CertFile := IocpAbiText(Cert, CertLen);
  Item.KeyFile := IocpAbiText(Key, KeyLen);
end;

{ The reverse of PushOptions: every option and the Bindings from the engine's server. }
procedure TIocpCustomTCPServer.PullOptions;
var
  I, Port: Integer;
  Row: TIocpOptionRow;
  Text: PAnsiChar;
  Len: size_t;
  Value: Int64;
  Binding: TIocpSocketHandle;
begin
  HandleNeeded;
  for I := 0 to iocp_server_option_count - 1 do
  begin
    Row := OptionRow(Self, I);
    case Row.Kind of
      IOCP_OPTION_STRING:
        begin
          IocpCheck(iocp_server_get_str(FHandle, Row.Id, @Text, @Len));
          SetStrProp(Row.Obj, Row.Info, IocpAbiText(Text, Len));
        end;
    else
      IocpCheck(iocp_server_get_int(FHandle, Row.Id, @Value));
      if Row.Info <> nil then
        SetOrdProp(Row.Obj, Row.Info, Value)
      else if Value = 0 then
        FReuseSocket := rsFalse  { ReuseSocket: Indy's rsTrue or rsOSDependent stays as it is. }
      else if FReuseSocket = rsFalse then
        FReuseSocket := rsTrue;
    end;
  end;
  FSSLOptions.SNICertificates.Clear;
  for I := 0 to iocp_server_sni_certificate_count(FHandle) - 1 do
    PullSniCertificate(I);
  FBindings.Clear;
  for I := 0 to iocp_server_binding_count(FHandle) - 1 do
  begin
    IocpCheck(iocp_server_binding(FHandle, I, @Text, @Len, @Port));
    Binding := FBindings.Add;
    Binding.IP := IocpAbiText(Text, Len);
    Binding.Port := Port;
  end;
end;

procedure TIocpCustomTCPServer.LoadXml(const AXml: RawByteString; const AFileName: string);
const
  Prefix = 'XML configuration: ';
var
  Status: Integer;
  Msg: string;
begin
  if Active then
    raise EIocpConfigError.Create('XML configuration: cannot load while the server is active; set Active = false first');
  PushOptions;  { A missing element keeps the value the component has now. }
  Status := iocp_server_load_xml(FHandle, PAnsiChar(AXml), Length(AXml));
  if Status = IOCP_ERR_CONFIG then
  begin
    Msg := IocpAbiText(iocp_last_error);
    if (AFileName <> '') and (Copy(Msg, 1, Length(Prefix)) = Prefix) then
      Msg := 'XML configuration (' + AFileName + '): ' + Copy(Msg, Length(Prefix) + 1, MaxInt);
    raise EIocpConfigError.Create(Msg);
  end;
  IocpCheck(Status);
  PullOptions;
end;

function TIocpCustomTCPServer.SaveXml: RawByteString;
var
  Text: PAnsiChar;
  Len: size_t;
begin
  PushOptions;
  IocpCheck(iocp_server_save_xml(FHandle, @Text, @Len));
  SetString(Result, Text, Len);
end;

procedure TIocpCustomTCPServer.LoadFromXmlString(const AXml: string);
begin
  LoadXml(IocpAbiString(AXml), '');
end;

function TIocpCustomTCPServer.SaveToXmlString: string;
var
  Xml: RawByteString;
begin
  Xml := SaveXml;
  Result := IocpAbiText(PAnsiChar(Xml), Length(Xml));
end;

procedure TIocpCustomTCPServer.LoadFromXml(const AFileName: string);
var
  Stream: TFileStream;
  Bytes: RawByteString;
begin
  try
    Stream := TFileStream.Create(AFileName, fmOpenRead or fmShareDenyWrite);
  except
    on E: Exception do
      raise EIocpConfigError.Create('XML configuration (' + AFileName + '): cannot open the file: ' + E.Message);
  end;
  try
    SetLength(Bytes, Stream.Size);
    if Length(Bytes) > 0 then
      Stream.ReadBuffer(Bytes[1], Length(Bytes));
  finally
    Stream.Free;
  end;
  LoadXml(Bytes, AFileName);
end;

procedure TIocpCustomTCPServer.SaveToXml(const AFileName: string);
var
  Stream: TFileStream;
  Bytes: RawByteString;
begin
  Bytes := SaveXml;
  try
    Stream := TFileStream.Create(AFileName, fmCreate);
  except
    on E: Exception do
      raise EIocpConfigError.Create('XML configuration (' + AFileName + '): cannot write the file: ' + E.Message);
  end;
  try
    if Length(Bytes) > 0 then
      Stream.WriteBuffer(Bytes[1], Length(Bytes));
  finally
    Stream.Free;
  end;
end;

procedure TIocpCustomTCPServer.Configure;
var
  Execute, DataAvailable: iocp_context_event;
  Message: iocp_message_event;
  Password: iocp_password_event;
  VerifyPeer: iocp_verify_peer_event;
begin
  if FBindings.Count = 0 then
    FBindings.Add;
  if FServerIOHandler is TIocpServerIOHandlerSSL then
    TakeSSLIOHandler(TIocpServerIOHandlerSSL(FServerIOHandler));
  PushOptions;
  { A subclass may serve through DoExecute (TIocpTCPServer requires one of OnExecute,
    OnDataAvailable, OnMessage in CheckOkToBeActive, as Indy's TIdTCPServer requires OnExecute). }
  Execute := ExecuteCb;
  DataAvailable := nil;
  Message := nil;
  if Assigned(FOnDataAvailable) or Assigned(FOnMessage) then
  begin
    if Assigned(FOnExecute) then
      raise EIdException.Create('OnExecute, OnDataAvailable and OnMessage are assigned together: assign one of them');
    Execute := nil;
    if Assigned(FOnDataAvailable) then
      DataAvailable := DataAvailableCb;
    if Assigned(FOnMessage) then
      Message := MessageCb;
  end;
  IocpCheck(iocp_server_set_context_event(FHandle, IOCP_ON_CONTEXT_CREATED, ContextCreatedCb, Self));
  IocpCheck(iocp_server_set_context_event(FHandle, IOCP_ON_CONNECT, ConnectCb, Self));
  IocpCheck(iocp_server_set_context_event(FHandle, IOCP_ON_EXECUTE, Execute, Self));
  IocpCheck(iocp_server_set_context_event(FHandle, IOCP_ON_DATA_AVAILABLE, DataAvailable, Self));
  IocpCheck(iocp_server_set_message_event(FHandle, Message, Self));
  IocpCheck(iocp_server_set_context_event(FHandle, IOCP_ON_DISCONNECT, DisconnectCb, Self));
  IocpCheck(iocp_server_set_context_event(FHandle, IOCP_ON_HEARTBEAT, HeartbeatCb, Self));
  IocpCheck(iocp_server_set_context_event(FHandle, IOCP_ON_CONTEXT_FREED, ContextFreedCb, Self));
  IocpCheck(iocp_server_set_exception_event(FHandle, ExceptionCb, Self));
  IocpCheck(iocp_server_set_listen_exception_event(FHandle, ListenExceptionCb, Self));
  IocpCheck(iocp_server_set_bind_events(FHandle, BindCb, BindCb, Self));
  FTlsEvents.Take(FOnGetPassword, FOnGetPasswordEx, FOnVerifyPeer, Password, VerifyPeer);
  IocpCheck(iocp_server_set_tls_events(FHandle, Password, VerifyPeer, FTlsEvents));
end;

procedure TIocpCustomTCPServer.Shutdown;
begin
  if FHandle <> nil then  { Never activated. }
    IocpCheck(iocp_server_set_active(FHandle, 0));
end;

procedure TIocpCustomTCPServer.SetActive(AValue: Boolean);
begin
  if csLoading in ComponentState then
  begin
    FStreamedActive := AValue;  { Applied in Loaded, as Indy does. }
    Exit;
  end;
  if csDesigning in ComponentState then
  begin
    FStreamedActive := AValue;  { The designer never listens; the form saves the value (Indy too). }
    Exit;
  end;
  if AValue = GetActive then
    Exit;
  if not AValue then
  begin
    FActive := False;  { As Indy: Active reads False while the connections end. }
    Shutdown;
    Exit;
  end;
  CheckOkToBeActive;
  HandleNeeded;
  try
    Startup;
  except
    FActive := True;
    SetActive(False);  { As Indy: a subclass's SetActive sees the failed start. }
    raise;
  end;
  FActive := True;
end;

procedure TIocpCustomTCPServer.Startup;
var
  I, Port: Integer;
begin
  if FIOHandlerOptions.IOHandlerType = iohIOCP then
    EnableFiberExceptionState;  { Pascal handlers on fibers keep their own exception state. }
  Configure;
  IocpCheck(iocp_server_set_active(FHandle, 1));
  for I := 0 to FBindings.Count - 1 do
  begin
    Port := 0;
    iocp_server_binding(FHandle, I, nil, nil, @Port);
    FBindings[I].Port := Port;  { Port 0: the one the OS chose. }
  end;
end;

procedure TIocpCustomTCPServer.StopListening;
begin
  IocpCheck(iocp_server_set_listening(HandleNeeded, 0));
end;

procedure DrainingCb(user: Pointer); cdecl;
var
  S: TIocpCustomTCPServer;
begin
  S := TIocpCustomTCPServer(user);
  try
    if Assigned(S.FOnDraining) then
      S.FOnDraining(S);
  except
    { Nothing may cross the C ABI; a failing OnDraining does not stop the drain. }
  end;
end;

function TIocpCustomTCPServer.Drain(ATimeout: Integer): Boolean;
var
  AllEnded: Integer;
begin
  AllEnded := 0;
  IocpCheck(iocp_server_drain(HandleNeeded, ATimeout, DrainingCb, Self, @AllEnded));
  FActive := False;
  Result := AllEnded <> 0;
end;

function TIocpCustomTCPServer.GetDraining: Boolean;
var
  D: Integer;
begin
  D := 0;
  if FHandle <> nil then
    IocpCheck(iocp_server_draining(FHandle, @D));
  Result := D <> 0;
end;

procedure TIocpCustomTCPServer.StartListening;
begin
  IocpCheck(iocp_server_set_listening(HandleNeeded, 1));
end;

procedure TIocpCustomTCPServer.ReloadCertificates;
var
  Password: iocp_password_event;
  VerifyPeer: iocp_verify_peer_event;
begin
  PushOptions('SSLOptions.');  { As they are now (the engine reads its own copy). }
  { The handlers as they are now (which callbacks the engine calls was set by Active). }
  FTlsEvents.Take(FOnGetPassword, FOnGetPasswordEx, FOnVerifyPeer, Password, VerifyPeer);
  IocpCheck(iocp_server_reload_certificates(HandleNeeded));
end;

procedure TIocpCustomTCPServer.Loaded;
begin
  inherited Loaded;
  if FStreamedActive and not (csDesigning in ComponentState) then
  begin
    FStreamedActive := False;
    SetActive(True);
  end;
end;

function TIocpCustomTCPServer.Stat(AWhich: Integer): UInt64;
begin
  Result := 0;
  if FHandle <> nil then  { Never activated: every count is 0. }
    IocpCheck(iocp_server_stat(FHandle, AWhich, @Result));
end;

function TIocpCustomTCPServer.GetActiveBackend: string;
var
  P: PAnsiChar;
  N: size_t;
begin
  Result := '';
  if FHandle = nil then
    Exit;  { Never activated. }
  IocpCheck(iocp_server_active_backend(FHandle, @P, @N));
  Result := IocpAbiText(P, N);
end;


{ --- TIocpTCPServer --- }

procedure TIocpTCPServer.CheckOkToBeActive;
begin
  inherited CheckOkToBeActive;
  if not (Assigned(OnExecute) or Assigned(OnDataAvailable) or Assigned(OnMessage)) then
    raise EIdTCPNoOnExecute.Create('OnExecute event is not assigned.');
end;

end.
