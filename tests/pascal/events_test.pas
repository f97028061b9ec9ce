{ Indy's event order and exactly-once OnDisconnect, seen from Pascal handlers (TIocpTCPServer
  over the C ABI), in one engine:

    events_test --io default|iocp

  1. One connection: OnContextCreated -> OnConnect (in Contexts) -> OnExecute ... ->
     OnDisconnect (still in Contexts, reason "peer closed") -> OnException with
     EIdConnClosedGracefully (no longer in Contexts), and the context's Data freed.
  2. 500 connections parked in ReadLn, then Active := False: returns well within
     TerminateWaitTime, every connection got OnConnect and exactly one OnDisconnect, with the
     reason "server stopping", and Contexts is empty.
  Prints "N passed, N failed". }
program events_test;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF} SysUtils, Classes, SyncObjs, DateUtils, IocpGlobal, IocpTCPServer, IocpTCPClient, TestCheck;

const
  Parked = 500;

type
  TSerial = class
  public
    N: Integer;
    destructor Destroy; override;
  end;

  THandlers = class
  public
    Log: TStringList;
    Lock: TCriticalSection;
    Serials, DataFreed: Integer;
    Connects, Disconnects: array[1..Parked + 10] of Integer;
    StoppingReasons: Integer;
    constructor Create;
    destructor Destroy; override;
    procedure Add(const S: string);
    function InContexts(AContext: TIocpContext): string;
    procedure Created(AContext: TIocpContext);
    procedure Connect(AContext: TIocpContext);
    procedure Execute(AContext: TIocpContext);
    procedure Disconnect(AContext: TIocpContext);
    procedure Error(AContext: TIocpContext; AException: Exception);
  end;

var
  H: THandlers;

destructor TSerial.Destroy;
begin
  InterlockedIncrement(H.DataFreed);
  inherited Destroy;
end;

constructor THandlers.Create;
begin
  inherited Create;
  Log := TStringList.Create;
  Lock := TCriticalSection.Create;
end;

destructor THandlers.Destroy;
begin
  Log.Free;
  Lock.Free;
  inherited Destroy;
end;

procedure THandlers.Add(const S: string);
begin
  Lock.Enter;
  try
    Log.Add(S);
  finally
    Lock.Leave;
  end;
end;

function THandlers.InContexts(AContext: TIocpContext): string;
var
  List: TList;
begin
  List := AContext.Server.Contexts.LockList;
  try
    Result := BoolToStr(List.IndexOf(AContext) >= 0, 'in', 'out');
  finally
    AContext.Server.Contexts.UnlockList;
  end;
end;

procedure THandlers.Created(AContext: TIocpContext);
var
  S: TSerial;
begin
  S := TSerial.Create;
  S.N := InterlockedIncrement(Serials);
  AContext.Data := S;
  Add('created ' + InContexts(AContext));
end;

procedure THandlers.Connect(AContext: TIocpContext);
begin
  InterlockedIncrement(Connects[TSerial(AContext.Data).N]);
  Add('connect ' + InContexts(AContext));
end;

procedure THandlers.Execute(AContext: TIocpContext);
begin
  Add('execute');
  AContext.Connection.IOHandler.WriteLn(AContext.Connection.IOHandler.ReadLn);
end;

procedure THandlers.Disconnect(AContext: TIocpContext);
begin
  InterlockedIncrement(Disconnects[TSerial(AContext.Data).N]);
  if AContext.DisconnectReason = 'server stopping' then
    InterlockedIncrement(StoppingReasons);
  Add('disconnect ' + InContexts(AContext) + ' ' + AContext.DisconnectReason);
end;

procedure THandlers.Error(AContext: TIocpContext; AException: Exception);
begin
  Add('exception ' + AException.ClassName + ' ' + InContexts(AContext));
end;


function WaitUntilLogHas(N: Integer): Boolean;
var
  I: Integer;
begin
  for I := 1 to 500 do
  begin
    H.Lock.Enter;
    try
      if H.Log.Count >= N then Exit(True);
    finally
      H.Lock.Leave;
    end;
    Sleep(10);
  end;
  Result := False;
end;

var
  Server: TIocpTCPServer;
  C: TIocpTCPClient;
  Clients: array[1..Parked] of TIocpTCPClient;
  Engine, Expected: string;
  I, Once, Started: Integer;
  T0: TDateTime;
  TookMs: Int64;
begin
  Engine := 'iocp';
  if (ParamCount >= 2) and (ParamStr(1) = '--io') then Engine := ParamStr(2);
  H := THandlers.Create;
  Server := TIocpTCPServer.Create(nil);
  try
    Server.Bindings.Add.IP := '127.0.0.1';
    if Engine = 'iocp' then Server.IOHandlerOptions.IOHandlerType := iohIOCP;
    Server.IOHandlerOptions.IOCP.IOCPThreads := 2;
    Server.OnContextCreated := H.Created;
    Server.OnConnect := H.Connect;
    Server.OnExecute := H.Execute;
    Server.OnDisconnect := H.Disconnect;
    Server.OnException := H.Error;
    Server.Active := True;

    { 1. The order for one connection. }
    C := TIocpTCPClient.Create(nil);
    C.ReadTimeout := 5000;
    C.Connect('127.0.0.1', Server.Bindings[0].Port);
    C.IOHandler.WriteLn('one');
    Check(C.IOHandler.ReadLn = 'one', 'echo');
    C.Disconnect;
    C.Free;
    Check(WaitUntilLogHas(6), 'six events for one connection');
    Expected := 'created in,connect in,execute,execute,disconnect in peer closed,' +
      'exception EIdConnClosedGracefully out';
    H.Lock.Enter;
    try
      H.Log.Delimiter := ',';
      H.Log.StrictDelimiter := True;
      Check(H.Log.DelimitedText = Expected, 'order: ' + H.Log.DelimitedText);
    finally
      H.Lock.Leave;
    end;
    for I := 1 to 200 do
      if H.DataFreed < 1 then Sleep(10);
    Check(H.DataFreed = 1, 'Data freed with its context');

    { 2. Active := False with 500 handlers parked in ReadLn. }
    for I := 1 to Parked do
    begin
      Clients[I] := TIocpTCPClient.Create(nil);
      Clients[I].ReadTimeout := 10000;
      Clients[I].Connect('127.0.0.1', Server.Bindings[0].Port);
    end;
    Started := 0;
    for I := 1 to 1000 do
    begin
      Started := Server.Contexts.Count;
      if Started = Parked then Break;
      Sleep(10);
    end;
    Check(Started = Parked, Format('%d of %d connected', [Started, Parked]));
    T0 := Now;
    Server.Active := False;
    TookMs := MilliSecondsBetween(Now, T0);
    Check(TookMs < Server.TerminateWaitTime, Format('Active := False took %d ms', [TookMs]));
    Once := 0;
    for I := 2 to Parked + 1 do
      if (H.Connects[I] = 1) and (H.Disconnects[I] = 1) then Inc(Once);
    Check(Once = Parked, Format('%d of %d got OnConnect and exactly one OnDisconnect', [Once, Parked]));
    Check(H.StoppingReasons = Parked, Format('%d reasons "server stopping"', [H.StoppingReasons]));
    Check(Server.Contexts.Count = 0, 'Contexts empty');
    Check(H.DataFreed = Parked + 1, Format('%d Data objects freed', [H.DataFreed]));
    WriteLn(Format('[ figures  ] Pascal, %s: Active := False with %d parked handlers took %d ms',
      [Engine, Parked, TookMs]));
    for I := 1 to Parked do Clients[I].Free;
  finally
    Server.Free;
    H.Free;
  end;
  Report;
end.
