{ IocpTCPServer: TIocpTCPServer, Indy's TIdTCPServer members over the C ABI (libiocp).

    Server.IOHandlerOptions.IOHandlerType := iohIOCP;   // iohDefault = a thread per connection
    Server.OnExecute := ServerExecute;                  // procedure(AContext: TIocpContext) of object
    Server.Active := True;

  Indy's event order per connection: added to Contexts -> OnContextCreated -> OnConnect ->
  OnExecute while connected -> OnDisconnect (exactly once) -> removed from Contexts ->
  OnException for the exception that ended the connection, if one did. All of it comes from the
  one C++ implementation behind the C ABI; this unit translates names, properties and events.

  Threads: properties and Active from the owning thread while inactive (Active := False never
  from a handler). OnConnect, OnExecute, OnDisconnect, OnException and OnHeartbeat run in the
  connection's handler context (iohIOCP: its fiber on a pool thread; iohDefault: its thread);
  OnContextCreated on the accepting thread. An exception in a handler closes that connection
  and reaches OnException, as in Indy; none ever reaches the engine. Programs need cthreads
  first in their uses clause (Free Pascal on Unix).

  Valid Delphi and Free Pascal (mode delphi). }
unit IocpTCPServer;

{$IFDEF FPC}
  {$mode delphi}
{$ENDIF}

interface

uses
  SysUtils, Classes, IocpApi, IocpGlobal, IocpIOHandler;

type
  TIdIOHandlerType = (iohDefault, iohIOCP);
  TIdReuseSocket = (rsOSDependent, rsTrue, rsFalse);
  TIocpHeartbeatMode = (hbAlways, hbWhenIdle);
  { IOHandlerOptions.IOCP.Backend: what iohIOCP waits on, on Linux (Windows always uses its
    completion port). ibDefault: epoll (the environment variable IOCP_BACKEND=io_uring|epoll
    overrides it); ibIoUring: io_uring, or epoll where the kernel refuses it (ActiveBackend says
    why). Set while inactive, like every IOCP option. }
  TIocpBackend = (ibDefault, ibIoUring);

  TIocpTCPServer = class;
  TIocpContext = class;

  { A listening address of the server (Indy: TIdSocketHandle in Bindings). }
  TIocpSocketHandle = class(TCollectionItem)
  private
    FIP: string;
    FPort: Integer;
  published
    property IP: string read FIP write FIP;
    property Port: Integer read FPort write FPort;
  end;

  { Indy: TIdSocketHandles. }
  TIocpSocketHandles = class(TOwnedCollection)
  private
    function GetItem(AIndex: Integer): TIocpSocketHandle;
  public
    constructor Create(AOwner: TPersistent);
    function Add: TIocpSocketHandle;  { A binding on DefaultPort, every IPv4 address. }
    property Items[AIndex: Integer]: TIocpSocketHandle read GetItem; default;
  end;

  { A connection's addresses (Indy: AContext.Binding). }
  TIocpConnectionBinding = class
  private
    FContext: TIocpContext;
    function GetIP: string;
    function GetPort: Integer;
    function GetPeerIP: string;
    function GetPeerPort: Integer;
    function GetHandle: Int64;
  public
    property IP: string read GetIP;
    property Port: Integer read GetPort;
    property PeerIP: string read GetPeerIP;
    property PeerPort: Integer read GetPeerPort;
    property Handle: Int64 read GetHandle;
  end;

  { Indy: TIdTCPConnection, the owner of a context's IOHandler. }
  TIocpTCPConnection = class
  private
    FContext: TIocpContext;
    FIOHandler: TIocpIOHandler;
  public
    function Connected: Boolean;
    { Close the connection; ANotifyPeer: what is queued is sent first. Any thread. }
    procedure Disconnect; overload;
    procedure Disconnect(ANotifyPeer: Boolean); overload;
    property IOHandler: TIocpIOHandler read FIOHandler;
    property Socket: TIocpIOHandler read FIOHandler;
  end;

  { One client connection (Indy: TIdContext). Subclass it for per-connection state and set
    Server.ContextClass. }
  TIocpContext = class
  private
    FHandle: Piocp_context;
    FServer: TIocpTCPServer;
    FConnection: TIocpTCPConnection;
    FBinding: TIocpConnectionBinding;
    FData: TObject;
    FPending: TObject;  { What a handler raised, for OnException. }
    function GetDisconnectReason: string;
  public
    constructor Create; virtual;
    destructor Destroy; override;
    property Connection: TIocpTCPConnection read FConnection;
    property Binding: TIocpConnectionBinding read FBinding;
    property Server: TIocpTCPServer read FServer;
    { Per-connection object of the user; freed with the context, as in Indy. }
    property Data: TObject read FData write FData;
    { Why the connection ended ('peer closed', 'heartbeat timeout', ...); '' while open. }
    property DisconnectReason: string read GetDisconnectReason;
  end;
  TIocpContextClass = class of TIocpContext;

  { Indy: TIdContextThreadList. LockList/UnlockList from any thread, paired on one thread; a
    handler holding the lock never waits (read before LockList or after UnlockList). }
  TIocpContextList = class
  private
    FServer: TIocpTCPServer;
    FList: TList;
  public
    constructor Create(AServer: TIocpTCPServer);
    destructor Destroy; override;
    function LockList: TList;
    procedure UnlockList;
    function Count: Integer;
  end;

  { Raised for a listener in OnListenException (Indy passes its listener thread). }
  TIocpListenerThread = class
  private
    FBinding: TIocpSocketHandle;
  public
    property Binding: TIocpSocketHandle read FBinding;
  end;

  TIdServerThreadEvent = procedure(AContext: TIocpContext) of object;
  TIdServerThreadExceptionEvent = procedure(AContext: TIocpContext; AException: Exception) of object;
  TIdListenExceptionEvent = procedure(AThread: TIocpListenerThread; AException: Exception) of object;
  TIdSocketHandleEvent = procedure(AHandle: TIocpSocketHandle) of object;

  TIocpIOCPOptions = class(TPersistent)
  private
    FIOCPThreads, FWorkOpThreads, FFiberStackSize, FMaxPendingOutput: Integer;
    FBackend: TIocpBackend;
  public
    constructor Create;
    procedure Assign(Source: TPersistent); override;
  published
    property IOCPThreads: Integer read FIOCPThreads write FIOCPThreads default 0;
    property WorkOpThreads: Integer read FWorkOpThreads write FWorkOpThreads default 0;
    property FiberStackSize: Integer read FFiberStackSize write FFiberStackSize default 262144;
    property MaxPendingOutput: Integer read FMaxPendingOutput write FMaxPendingOutput default 4194304;
    property Backend: TIocpBackend read FBackend write FBackend default ibDefault;
  end;

  TIocpIOHandlerOptions = class(TPersistent)
  private
    FIOHandlerType: TIdIOHandlerType;
    FIOCP: TIocpIOCPOptions;
    procedure SetIOCP(AValue: TIocpIOCPOptions);
  public
    constructor Create;
    destructor Destroy; override;
    procedure Assign(Source: TPersistent); override;
  published
    property IOHandlerType: TIdIOHandlerType read FIOHandlerType write FIOHandlerType default iohDefault;
    property IOCP: TIocpIOCPOptions read FIOCP write SetIOCP;
  end;

  TIocpHeartbeat = class(TPersistent)
  private
    FEnabled: Boolean;
    FInterval, FTimeout: Integer;
    FMode: TIocpHeartbeatMode;
    FPayload: string;
  public
    constructor Create;
    procedure Assign(Source: TPersistent); override;
  published
    property Enabled: Boolean read FEnabled write FEnabled default False;
    property Interval: Integer read FInterval write FInterval default 30000;
    property Timeout: Integer read FTimeout write FTimeout default 10000;
    property Mode: TIocpHeartbeatMode read FMode write FMode default hbAlways;
    property Payload: string read FPayload write FPayload;
  end;

  TIocpKeepAlive = class(TPersistent)
  private
    FEnabled: Boolean;
    FTime, FInterval: Integer;
  public
    constructor Create;
    procedure Assign(Source: TPersistent); override;
  published
    property Enabled: Boolean read FEnabled write FEnabled default False;
    property Time: Integer read FTime write FTime default 60000;
    property Interval: Integer read FInterval write FInterval default 10000;
  end;

  TIocpTCPServer = class(TComponent)
  private
    FHandle: Piocp_server;
    FBindings: TIocpSocketHandles;
    FDefaultPort: Integer;
    FListenQueue: Integer;
    FMaxConnections: Integer;
    FMaxConnectionReply: string;
    FReuseSocket: TIdReuseSocket;
    FUseNagle: Boolean;
    FTerminateWaitTime: Integer;
    FIOHandlerOptions: TIocpIOHandlerOptions;
    FHeartbeat: TIocpHeartbeat;
    FKeepAlive: TIocpKeepAlive;
    FIdleTimeout: Integer;
    FUserTimeout: Integer;
    FContextClass: TIocpContextClass;
    FContexts: TIocpContextList;
    FStreamedActive: Boolean;
    FListener: TIocpListenerThread;
    FOnConnect, FOnDisconnect, FOnExecute, FOnContextCreated, FOnHeartbeat: TIdServerThreadEvent;
    FOnException: TIdServerThreadExceptionEvent;
    FOnListenException: TIdListenExceptionEvent;
    FOnBeforeBind: TIdSocketHandleEvent;
    FOnAfterBind: TNotifyEvent;
    function GetActive: Boolean;
    procedure SetActive(AValue: Boolean);
    function GetActiveBackend: string;
    procedure SetBindings(AValue: TIocpSocketHandles);
    procedure SetIOHandlerOptions(AValue: TIocpIOHandlerOptions);
    procedure SetHeartbeat(AValue: TIocpHeartbeat);
    procedure SetKeepAlive(AValue: TIocpKeepAlive);
    procedure Configure;
    procedure SetInt(AOption: Integer; AValue: Int64);
  protected
    procedure Loaded; override;
  public
    constructor Create(AOwner: TComponent); override;
    destructor Destroy; override;
    { The class of the contexts the server creates (your subclass with per-connection state). }
    property ContextClass: TIocpContextClass read FContextClass write FContextClass;
    property Contexts: TIocpContextList read FContexts;
    { Counters of the running server (IOCP_STAT_*); 0 while inactive. Any thread. }
    function Stat(AWhich: Integer): UInt64;
    { What serves the connections: 'threads' (iohDefault), 'epoll' or 'io_uring' (iohIOCP on
      Linux, see IOHandlerOptions.IOCP.Backend), 'IOCP' (Windows), or 'epoll (io_uring
      unavailable: <why>)'; '' while inactive. Any thread, not while Active changes. }
    property ActiveBackend: string read GetActiveBackend;
    property Handle: Piocp_server read FHandle;
  published
    property Active: Boolean read GetActive write SetActive default False;
    property Bindings: TIocpSocketHandles read FBindings write SetBindings;
    property DefaultPort: Integer read FDefaultPort write FDefaultPort default 0;
    { 0 = the system's maximum backlog (Indy's default is 15; see the README). }
    property ListenQueue: Integer read FListenQueue write FListenQueue default 0;
    property MaxConnections: Integer read FMaxConnections write FMaxConnections default 0;
    property MaxConnectionReply: string read FMaxConnectionReply write FMaxConnectionReply;
    property ReuseSocket: TIdReuseSocket read FReuseSocket write FReuseSocket default rsOSDependent;
    property UseNagle: Boolean read FUseNagle write FUseNagle default True;
    property TerminateWaitTime: Integer read FTerminateWaitTime write FTerminateWaitTime default 5000;
    property IOHandlerOptions: TIocpIOHandlerOptions read FIOHandlerOptions write SetIOHandlerOptions;
    property Heartbeat: TIocpHeartbeat read FHeartbeat write SetHeartbeat;
    property KeepAlive: TIocpKeepAlive read FKeepAlive write SetKeepAlive;
    property IdleTimeout: Integer read FIdleTimeout write FIdleTimeout default 0;
    property UserTimeout: Integer read FUserTimeout write FUserTimeout default 0;
    property OnConnect: TIdServerThreadEvent read FOnConnect write FOnConnect;
    property OnDisconnect: TIdServerThreadEvent read FOnDisconnect write FOnDisconnect;
    property OnExecute: TIdServerThreadEvent read FOnExecute write FOnExecute;
    property OnContextCreated: TIdServerThreadEvent read FOnContextCreated write FOnContextCreated;
    property OnHeartbeat: TIdServerThreadEvent read FOnHeartbeat write FOnHeartbeat;
    property OnException: TIdServerThreadExceptionEvent read FOnException write FOnException;
    property OnListenException: TIdListenExceptionEvent read FOnListenException write FOnListenException;
    property OnBeforeBind: TIdSocketHandleEvent read FOnBeforeBind write FOnBeforeBind;
    property OnAfterBind: TNotifyEvent read FOnAfterBind write FOnAfterBind;
  end;

implementation

uses
  IocpFiberRtl;

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
  Result := TIocpSocketHandle(inherited Add);
  if Owner is TIocpTCPServer then
    Result.Port := TIocpTCPServer(Owner).DefaultPort;
end;

constructor TIocpIOCPOptions.Create;
begin
  inherited Create;
  FFiberStackSize := 262144;
  FMaxPendingOutput := 4194304;
end;

procedure TIocpIOCPOptions.Assign(Source: TPersistent);
begin
  if Source is TIocpIOCPOptions then
  begin
    FIOCPThreads := TIocpIOCPOptions(Source).FIOCPThreads;
    FWorkOpThreads := TIocpIOCPOptions(Source).FWorkOpThreads;
    FFiberStackSize := TIocpIOCPOptions(Source).FFiberStackSize;
    FMaxPendingOutput := TIocpIOCPOptions(Source).FMaxPendingOutput;
    FBackend := TIocpIOCPOptions(Source).FBackend;
  end
  else
    inherited Assign(Source);
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

procedure TIocpIOHandlerOptions.Assign(Source: TPersistent);
begin
  if Source is TIocpIOHandlerOptions then
  begin
    FIOHandlerType := TIocpIOHandlerOptions(Source).FIOHandlerType;
    FIOCP.Assign(TIocpIOHandlerOptions(Source).FIOCP);
  end
  else
    inherited Assign(Source);
end;

constructor TIocpHeartbeat.Create;
begin
  inherited Create;
  FInterval := 30000;
  FTimeout := 10000;
end;

procedure TIocpHeartbeat.Assign(Source: TPersistent);
begin
  if Source is TIocpHeartbeat then
  begin
    FEnabled := TIocpHeartbeat(Source).FEnabled;
    FInterval := TIocpHeartbeat(Source).FInterval;
    FTimeout := TIocpHeartbeat(Source).FTimeout;
    FMode := TIocpHeartbeat(Source).FMode;
    FPayload := TIocpHeartbeat(Source).FPayload;
  end
  else
    inherited Assign(Source);
end;

constructor TIocpKeepAlive.Create;
begin
  inherited Create;
  FTime := 60000;
  FInterval := 10000;
end;

procedure TIocpKeepAlive.Assign(Source: TPersistent);
begin
  if Source is TIocpKeepAlive then
  begin
    FEnabled := TIocpKeepAlive(Source).FEnabled;
    FTime := TIocpKeepAlive(Source).FTime;
    FInterval := TIocpKeepAlive(Source).FInterval;
  end
  else
    inherited Assign(Source);
end;

{ --- Contexts --- }

// Text the C ABI hands out as (pointer, length): an endpoint, a close reason, the backend.
function AbiText(P: PAnsiChar; N: size_t): string;
var
  Raw: AnsiString;
begin
  SetString(Raw, P, N);
  Result := string(Raw);
end;

function ContextOf(AHandle: Piocp_context): TIocpContext;
begin
  Result := TIocpContext(iocp_context_user(AHandle));
end;

function EndpointText(AContext: TIocpContext; AWhich: Integer; out APort: Integer): string;
var
  P: PAnsiChar;
  N: size_t;
begin
  APort := 0;
  IocpCheck(iocp_context_endpoint(AContext.FHandle, AWhich, @P, @N, @APort));
  Result := AbiText(P, N);
end;

function TIocpConnectionBinding.GetIP: string;
var
  Port: Integer;
begin
  Result := EndpointText(FContext, 0, Port);
end;

function TIocpConnectionBinding.GetPort: Integer;
begin
  EndpointText(FContext, 0, Result);
end;

function TIocpConnectionBinding.GetPeerIP: string;
var
  Port: Integer;
begin
  Result := EndpointText(FContext, 1, Port);
end;

function TIocpConnectionBinding.GetPeerPort: Integer;
begin
  EndpointText(FContext, 1, Result);
end;

function TIocpConnectionBinding.GetHandle: Int64;
begin
  Result := iocp_context_handle(FContext.FHandle);
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
  IocpCheck(iocp_context_disconnect(FContext.FHandle, Ord(ANotifyPeer)));
end;

constructor TIocpContext.Create;
begin
  inherited Create;
  FConnection := TIocpTCPConnection.Create;
  FConnection.FContext := Self;
  FBinding := TIocpConnectionBinding.Create;
  FBinding.FContext := Self;
end;

destructor TIocpContext.Destroy;
begin
  FreeAndNil(FData);
  FreeAndNil(FPending);
  FConnection.FIOHandler.Free;
  FConnection.Free;
  FBinding.Free;
  inherited Destroy;
end;

function TIocpContext.GetDisconnectReason: string;
var
  P: PAnsiChar;
  N: size_t;
begin
  IocpCheck(iocp_context_disconnect_reason(FHandle, @P, @N));
  Result := AbiText(P, N);
end;

constructor TIocpContextList.Create(AServer: TIocpTCPServer);
begin
  inherited Create;
  FServer := AServer;
  FList := TList.Create;
end;

destructor TIocpContextList.Destroy;
begin
  FList.Free;
  inherited Destroy;
end;

function TIocpContextList.LockList: TList;
var
  Items: Piocp_context_array;
  N, I: Integer;
  P: Piocp_context_array;
begin
  { The engine's own list, locked (a handler holding it never waits); this TList mirrors it. }
  IocpCheck(iocp_server_lock_contexts(FServer.FHandle, @Items, @N));
  FList.Clear;
  P := Items;
  for I := 0 to N - 1 do
  begin
    FList.Add(ContextOf(P^));
    Inc(P);
  end;
  Result := FList;
end;

procedure TIocpContextList.UnlockList;
begin
  iocp_server_unlock_contexts(FServer.FHandle);
end;

function TIocpContextList.Count: Integer;
begin
  Result := iocp_server_context_count(FServer.FHandle);
end;

{ --- Engine callbacks -> events. Each catches everything: no Pascal exception crosses. --- }

{ A handler raised E: keep it for OnException and tell the engine. }
function Raised(AContext: TIocpContext; E: Exception): Integer;
begin
  Result := IocpReportHandlerError(E);
  if (AContext <> nil) and (AContext.FPending = nil) then
    AContext.FPending := TObject(AcquireExceptionObject);
end;

function DoContextCreated(AUser: Pointer; AHandle: Piocp_context): Integer; cdecl;
var
  Server: TIocpTCPServer;
  Ctx: TIocpContext;
begin
  Result := IOCP_OK;
  Ctx := nil;
  try
    Server := TIocpTCPServer(AUser);
    if Server.FContextClass <> nil then
      Ctx := Server.FContextClass.Create
    else
      Ctx := TIocpContext.Create;
    Ctx.FHandle := AHandle;
    Ctx.FServer := Server;
    Ctx.FConnection.FIOHandler := TIocpIOHandler.Create(iocp_context_io(AHandle));
    iocp_context_set_user(AHandle, Ctx);
    if Assigned(Server.FOnContextCreated) then
      Server.FOnContextCreated(Ctx);
  except
    on E: Exception do
      Result := Raised(Ctx, E);
  end;
end;

{ Run a context event of the user; an exception it raises goes to the engine as a handler error. }
function RunEvent(AEvent: TIdServerThreadEvent; AHandle: Piocp_context): Integer;
begin
  Result := IOCP_OK;
  try
    if Assigned(AEvent) then
      AEvent(ContextOf(AHandle));
  except
    on E: Exception do
      Result := Raised(ContextOf(AHandle), E);
  end;
end;

function DoConnect(AUser: Pointer; AHandle: Piocp_context): Integer; cdecl;
begin
  Result := RunEvent(TIocpTCPServer(AUser).FOnConnect, AHandle);
end;

function DoExecute(AUser: Pointer; AHandle: Piocp_context): Integer; cdecl;
begin
  Result := RunEvent(TIocpTCPServer(AUser).FOnExecute, AHandle);
end;

function DoDisconnect(AUser: Pointer; AHandle: Piocp_context): Integer; cdecl;
begin
  Result := RunEvent(TIocpTCPServer(AUser).FOnDisconnect, AHandle);
end;

function DoHeartbeat(AUser: Pointer; AHandle: Piocp_context): Integer; cdecl;
begin
  Result := RunEvent(TIocpTCPServer(AUser).FOnHeartbeat, AHandle);
end;

procedure DoException(AUser: Pointer; AHandle: Piocp_context; ACode: Integer; AMessage: PAnsiChar;
  ALength: size_t); cdecl;
var
  Server: TIocpTCPServer;
  Ctx: TIocpContext;
  Raw: AnsiString;
  E: TObject;
begin
  try
    Server := TIocpTCPServer(AUser);
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
      SetString(Raw, AMessage, ALength);
      E := IocpExceptionFor(ACode, string(Raw));
    end;
    try
      if Assigned(Server.FOnException) then
        Server.FOnException(Ctx, Exception(E));
    finally
      E.Free;
    end;
  except
    { An exception handler that raises has nowhere left to report to. }
  end;
end;

function DoContextFreed(AUser: Pointer; AHandle: Piocp_context): Integer; cdecl;
begin
  Result := IOCP_OK;
  try
    ContextOf(AHandle).Free;
    iocp_context_set_user(AHandle, nil);
  except
  end;
end;

procedure DoListenException(AUser: Pointer; ABinding: Integer; AMessage: PAnsiChar; ALength: size_t); cdecl;
var
  Server: TIocpTCPServer;
  Raw: AnsiString;
  E: EIdException;
begin
  try
    Server := TIocpTCPServer(AUser);
    if not Assigned(Server.FOnListenException) then
      Exit;
    SetString(Raw, AMessage, ALength);
    E := EIdException.Create(string(Raw));
    try
      if (ABinding >= 0) and (ABinding < Server.FBindings.Count) then
        Server.FListener.FBinding := Server.FBindings[ABinding]
      else
        Server.FListener.FBinding := nil;
      Server.FOnListenException(Server.FListener, E);
    finally
      E.Free;
    end;
  except
  end;
end;

function DoBind(AUser: Pointer; ABinding: Integer): Integer; cdecl;
var
  Server: TIocpTCPServer;
begin
  Result := IOCP_OK;
  try
    Server := TIocpTCPServer(AUser);
    if ABinding >= 0 then
    begin
      if Assigned(Server.FOnBeforeBind) then
        Server.FOnBeforeBind(Server.FBindings[ABinding]);
    end
    else if Assigned(Server.FOnAfterBind) then
      Server.FOnAfterBind(Server);
  except
    on E: Exception do
      Result := Raised(nil, E);
  end;
end;

{ --- TIocpTCPServer --- }

constructor TIocpTCPServer.Create(AOwner: TComponent);
begin
  inherited Create(AOwner);
  IocpPrepareRuntime;
  FHandle := iocp_server_create;
  if FHandle = nil then
    raise EIdException.Create('Could not create a server: ' + string(iocp_last_error));
  FBindings := TIocpSocketHandles.Create(Self);
  FUseNagle := True;
  FTerminateWaitTime := 5000;
  FIOHandlerOptions := TIocpIOHandlerOptions.Create;
  FHeartbeat := TIocpHeartbeat.Create;
  FKeepAlive := TIocpKeepAlive.Create;
  FContexts := TIocpContextList.Create(Self);
  FListener := TIocpListenerThread.Create;
end;

destructor TIocpTCPServer.Destroy;
begin
  iocp_server_destroy(FHandle);  { Deactivates: every context is freed through DoContextFreed. }
  FListener.Free;
  FContexts.Free;
  FKeepAlive.Free;
  FHeartbeat.Free;
  FIOHandlerOptions.Free;
  FBindings.Free;
  inherited Destroy;
end;

procedure TIocpTCPServer.SetBindings(AValue: TIocpSocketHandles);
begin
  FBindings.Assign(AValue);
end;

procedure TIocpTCPServer.SetIOHandlerOptions(AValue: TIocpIOHandlerOptions);
begin
  FIOHandlerOptions.Assign(AValue);
end;

procedure TIocpTCPServer.SetHeartbeat(AValue: TIocpHeartbeat);
begin
  FHeartbeat.Assign(AValue);
end;

procedure TIocpTCPServer.SetKeepAlive(AValue: TIocpKeepAlive);
begin
  FKeepAlive.Assign(AValue);
end;

function TIocpTCPServer.GetActive: Boolean;
begin
  if ComponentState * [csLoading, csDesigning] <> [] then
    Result := FStreamedActive  { While loading, and in the designer: the value the form keeps. }
  else
    Result := iocp_server_active(FHandle) = 1;
end;

procedure TIocpTCPServer.SetInt(AOption: Integer; AValue: Int64);
begin
  IocpCheck(iocp_server_set_int(FHandle, AOption, AValue));
end;

{ Hand every property and event to the engine (it keeps them while active). }
procedure TIocpTCPServer.Configure;
var
  I: Integer;
  Raw: AnsiString;
  Execute: iocp_context_event;
begin
  SetInt(IOCP_SERVER_DEFAULT_PORT, FDefaultPort);
  SetInt(IOCP_SERVER_LISTEN_QUEUE, FListenQueue);
  SetInt(IOCP_SERVER_MAX_CONNECTIONS, FMaxConnections);
  SetInt(IOCP_SERVER_REUSE_SOCKET, Ord(FReuseSocket <> rsFalse));
  SetInt(IOCP_SERVER_USE_NAGLE, Ord(FUseNagle));
  SetInt(IOCP_SERVER_TERMINATE_WAIT_TIME, FTerminateWaitTime);
  SetInt(IOCP_SERVER_IOHANDLER_TYPE, Ord(FIOHandlerOptions.IOHandlerType));
  SetInt(IOCP_SERVER_IOCP_THREADS, FIOHandlerOptions.IOCP.IOCPThreads);
  SetInt(IOCP_SERVER_WORKOP_THREADS, FIOHandlerOptions.IOCP.WorkOpThreads);
  SetInt(IOCP_SERVER_FIBER_STACK_SIZE, FIOHandlerOptions.IOCP.FiberStackSize);
  SetInt(IOCP_SERVER_MAX_PENDING_OUTPUT, FIOHandlerOptions.IOCP.MaxPendingOutput);
  SetInt(IOCP_SERVER_BACKEND, Ord(FIOHandlerOptions.IOCP.Backend));
  SetInt(IOCP_SERVER_HEARTBEAT_ENABLED, Ord(FHeartbeat.Enabled));
  SetInt(IOCP_SERVER_HEARTBEAT_INTERVAL, FHeartbeat.Interval);
  SetInt(IOCP_SERVER_HEARTBEAT_TIMEOUT, FHeartbeat.Timeout);
  SetInt(IOCP_SERVER_HEARTBEAT_MODE, Ord(FHeartbeat.Mode));
  SetInt(IOCP_SERVER_IDLE_TIMEOUT, FIdleTimeout);
  SetInt(IOCP_SERVER_KEEPALIVE_ENABLED, Ord(FKeepAlive.Enabled));
  SetInt(IOCP_SERVER_KEEPALIVE_TIME, FKeepAlive.Time);
  SetInt(IOCP_SERVER_KEEPALIVE_INTERVAL, FKeepAlive.Interval);
  SetInt(IOCP_SERVER_USER_TIMEOUT, FUserTimeout);
  Raw := AnsiString(FMaxConnectionReply);
  IocpCheck(iocp_server_set_str(FHandle, IOCP_SERVER_MAX_CONNECTION_REPLY, PAnsiChar(Raw), Length(Raw)));
  Raw := AnsiString(FHeartbeat.Payload);
  IocpCheck(iocp_server_set_str(FHandle, IOCP_SERVER_HEARTBEAT_PAYLOAD, PAnsiChar(Raw), Length(Raw)));
  IocpCheck(iocp_server_clear_bindings(FHandle));
  if FBindings.Count = 0 then
    FBindings.Add;
  for I := 0 to FBindings.Count - 1 do
  begin
    Raw := AnsiString(FBindings[I].IP);
    IocpCheck(iocp_server_add_binding(FHandle, PAnsiChar(Raw), Length(Raw), FBindings[I].Port));
  end;
  { OnExecute is required: without it the engine refuses (EIdTCPNoOnExecute), as Indy does. }
  if Assigned(FOnExecute) then Execute := DoExecute else Execute := nil;
  IocpCheck(iocp_server_set_context_event(FHandle, IOCP_ON_CONTEXT_CREATED, DoContextCreated, Self));
  IocpCheck(iocp_server_set_context_event(FHandle, IOCP_ON_CONNECT, DoConnect, Self));
  IocpCheck(iocp_server_set_context_event(FHandle, IOCP_ON_EXECUTE, Execute, Self));
  IocpCheck(iocp_server_set_context_event(FHandle, IOCP_ON_DISCONNECT, DoDisconnect, Self));
  IocpCheck(iocp_server_set_context_event(FHandle, IOCP_ON_HEARTBEAT, DoHeartbeat, Self));
  IocpCheck(iocp_server_set_context_event(FHandle, IOCP_ON_CONTEXT_FREED, DoContextFreed, Self));
  IocpCheck(iocp_server_set_exception_event(FHandle, DoException, Self));
  IocpCheck(iocp_server_set_listen_exception_event(FHandle, DoListenException, Self));
  IocpCheck(iocp_server_set_bind_events(FHandle, DoBind, DoBind, Self));
end;

procedure TIocpTCPServer.SetActive(AValue: Boolean);
var
  I, Port: Integer;
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
    IocpCheck(iocp_server_set_active(FHandle, 0));
    Exit;
  end;
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

procedure TIocpTCPServer.Loaded;
begin
  inherited Loaded;
  if FStreamedActive and not (csDesigning in ComponentState) then
  begin
    FStreamedActive := False;
    SetActive(True);
  end;
end;

function TIocpTCPServer.Stat(AWhich: Integer): UInt64;
begin
  Result := 0;
  IocpCheck(iocp_server_stat(FHandle, AWhich, @Result));
end;

function TIocpTCPServer.GetActiveBackend: string;
var
  P: PAnsiChar;
  N: size_t;
begin
  IocpCheck(iocp_server_active_backend(FHandle, @P, @N));
  Result := AbiText(P, N);
end;

end.
