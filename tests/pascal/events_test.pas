{ Indy's event order and exactly-once OnDisconnect, seen from Pascal handlers (TIocpTCPServer
  over the C ABI), in one engine:

    events_test --io default|iocp

  1. One connection: OnContextCreated -> OnConnect (in Contexts) -> OnExecute ... ->
     OnDisconnect (still in Contexts, reason "peer closed") -> OnException with
     EIdConnClosedGracefully (no longer in Contexts), and the context's Data freed.
  2. 500 connections parked in ReadLn, then Active := False: promptly (at most three times
     what connecting them took in the same run, plus four times the worst lateness a probe
     thread saw meanwhile: no timeout was waited out), every connection got OnConnect and
     exactly one OnDisconnect, with the reason "server stopping", and Contexts is empty.
  Waits for what must happen are bounded generously (EventuallyMs): only a failing run waits
  that long. Prints "N passed, N failed". }
program events_test;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF} SysUtils, Classes, SyncObjs, IocpGlobal, IocpTCPServer, IocpTCPClient, TestCheck, TestServer;

const
  Parked = 500;
  EventuallyMs = 30000;  { A bound on "eventually", not a statement about speed. }

type
  TSerial = class
  public
    N: Integer;
    destructor Destroy; override;
  end;

  { How late the OS wakes a sleeping thread while it runs (the C++ suites' LatenessProbe). }
  TLatenessProbe = class(TThread)
  protected
    procedure Execute; override;
  public
    WorstMs: Int64;
  end;

  THandlers = class(TRecordingHandlers)  { Lines: the event log. }
  public
    Serials, DataFreed: Integer;
    Connects, Disconnects: array[1..Parked + 10] of Integer;
    StoppingReasons: Integer;
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

procedure TLatenessProbe.Execute;
var
  T0: QWord;
  Late: Int64;
begin
  while not Terminated do
  begin
    T0 := GetTickCount64;
    Sleep(2);
    Late := Int64(GetTickCount64 - T0) - 2;
    if Late > WorstMs then WorstMs := Late;
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


function LogCount: Integer;
begin
  H.Lock.Enter;
  try
    Result := H.Lines.Count;
  finally
    H.Lock.Leave;
  end;
end;

function WaitUntilLogHas(N: Integer): Boolean;
var
  Deadline: QWord;
begin
  Deadline := GetTickCount64 + EventuallyMs;
  while (LogCount < N) and (GetTickCount64 < Deadline) do Sleep(2);
  Result := LogCount >= N;
end;

function WaitUntilDataFreed(N: Integer): Boolean;
var
  Deadline: QWord;
begin
  Deadline := GetTickCount64 + EventuallyMs;
  while (H.DataFreed < N) and (GetTickCount64 < Deadline) do Sleep(2);
  Result := H.DataFreed >= N;
end;

var
  Server: TIocpTCPServer;
  C: TIocpTCPClient;
  Clients: array[1..Parked] of TIocpTCPClient;
  Engine, Expected: string;
  I, Once, Started: Integer;
  T0, Deadline: QWord;
  TookMs, SetupMs: Int64;
  Probe: TLatenessProbe;
begin
  Engine := EngineFromArgs;
  H := THandlers.Create;
  Server := NewLoopbackServer(Engine);
  try
    Server.OnContextCreated := H.Created;
    Server.OnConnect := H.Connect;
    Server.OnExecute := H.Execute;
    Server.OnDisconnect := H.Disconnect;
    Server.OnException := H.Error;
    Server.Active := True;

    { 1. The order for one connection. }
    C := TIocpTCPClient.Create(nil);
    C.ReadTimeout := EventuallyMs;
    C.Connect('127.0.0.1', Server.Bindings[0].Port);
    C.IOHandler.WriteLn('one');
    Check(C.IOHandler.ReadLn = 'one', 'echo');
    C.Disconnect;
    C.Free;
    { The context is freed last: its Data's destructor marks the end of its events. }
    Check(WaitUntilDataFreed(1), 'the context was freed');
    { As Indy's loop: the read after an OnExecute may see the close (the loop then ends quietly),
      or the next OnExecute's ReadLn does (EIdConnClosedGracefully reaches OnException). }
    Expected := 'created in,connect in,execute,execute,disconnect in peer closed,' +
      'exception EIdConnClosedGracefully out';
    H.Lock.Enter;
    try
      H.Lines.Delimiter := ',';
      H.Lines.StrictDelimiter := True;
      Check((H.Lines.DelimitedText = Expected) or
        (H.Lines.DelimitedText = 'created in,connect in,execute,disconnect in peer closed'),
        'order: ' + H.Lines.DelimitedText);
    finally
      H.Lock.Leave;
    end;
    Check(WaitUntilDataFreed(1) and (H.DataFreed = 1), 'Data freed with its context');

    { 2. Active := False with 500 handlers parked in ReadLn. }
    Probe := TLatenessProbe.Create(False);
    T0 := GetTickCount64;
    for I := 1 to Parked do
    begin
      Clients[I] := TIocpTCPClient.Create(nil);
      Clients[I].ReadTimeout := EventuallyMs;
      Clients[I].Connect('127.0.0.1', Server.Bindings[0].Port);
    end;
    Deadline := GetTickCount64 + EventuallyMs;
    repeat
      Started := Server.Contexts.Count;
      if Started <> Parked then Sleep(2);
    until (Started = Parked) or (GetTickCount64 >= Deadline);
    Check(Started = Parked, Format('%d of %d connected', [Started, Parked]));
    SetupMs := GetTickCount64 - T0;
    T0 := GetTickCount64;
    Server.Active := False;
    TookMs := GetTickCount64 - T0;
    Probe.Terminate;
    Probe.WaitFor;
    Check(TookMs <= 3 * SetupMs + 4 * Probe.WorstMs, Format('Active := False took %d ms, connecting ' +
      'took %d ms, the worst lateness seen %d ms', [TookMs, SetupMs, Probe.WorstMs]));
    Probe.Free;
    Once := 0;
    for I := 2 to Parked + 1 do
      if (H.Connects[I] = 1) and (H.Disconnects[I] = 1) then Inc(Once);
    Check(Once = Parked, Format('%d of %d got OnConnect and exactly one OnDisconnect', [Once, Parked]));
    Check(H.StoppingReasons = Parked, Format('%d reasons "server stopping"', [H.StoppingReasons]));
    Check(Server.Contexts.Count = 0, 'Contexts empty');
    Check(H.DataFreed = Parked + 1, Format('%d Data objects freed', [H.DataFreed]));
    WriteLn(Format('[ figures  ] Pascal, %s: Active := False with %d parked handlers took %d ms ' +
      '(connecting them: %d ms)', [Engine, Parked, TookMs, SetupMs]));
    for I := 1 to Parked do Clients[I].Free;
  finally
    Server.Free;
    H.Free;
  end;
  Report;
end.
