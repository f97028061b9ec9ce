{ The Pascal side's faults, in one engine, each with its outcome:

    faults_test --io default|iocp

  1. OnConnect raises: that connection ends (DisconnectReason 'handler error'), OnDisconnect once,
     OnException gets the very exception (its class and message); the server goes on serving.
  2. OnDisconnect raises after a clean end: OnException gets it; the server goes on. (After an end
     with an error, OnException reports that error: one report per connection.)
  3. OnException raises: swallowed (nothing is left to report to); the server goes on.
  4. OnContextCreated raises: that connection is closed before OnConnect (no OnConnect, no
     OnDisconnect, its context freed), the exception goes to OnListenException (its message);
     the server goes on.
  5. The server freed while 5 connections are open: each gets exactly one OnDisconnect
     ('server stopping'), the clients see the close, nothing leaks (heaptrc).
  6. A handler that never returns while Active := False: Active := False returns after
     TerminateWaitTime (it does not wait for the handler), the server can be activated again;
     the stuck handler's OnDisconnect comes once it returns.
  7. Active := False from inside a handler: it returns (after TerminateWaitTime: it cannot wait
     for the handler that called it), the server is inactive, every connection got exactly one
     OnDisconnect (the calling one once its handler returned), and it can be activated again.
  Prints "N passed, N failed". }
program faults_test;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF} SysUtils, Classes, SyncObjs, IocpGlobal, IocpIOHandler, IocpTCPServer,
  IocpTCPClient, IocpApi, TestCheck, TestServer;

type
  EFault = class(Exception);

  THandlers = class(TRecordingHandlers)
  public
    RaiseInConnect, RaiseInDisconnect, RaiseInException, RaiseInCreated: Boolean;
    Stuck: Boolean;  { OnExecute loops until ReleaseStuck. }
    StopFromHandler: Boolean;  { OnExecute sets its own server's Active := False. }
    ReleaseStuck: Boolean;
    procedure Created(AContext: TIocpContext);
    procedure Connect(AContext: TIocpContext);
    procedure Execute(AContext: TIocpContext);
    procedure Disconnect(AContext: TIocpContext);
    procedure Error(AContext: TIocpContext; AException: Exception);
    procedure ListenError(AThread: TIocpListenerThread; AException: Exception);
    function Count(const APrefix: string): Integer;
  end;

procedure THandlers.Created(AContext: TIocpContext);
begin
  if RaiseInCreated then
    raise EFault.Create('in OnContextCreated');
end;

procedure THandlers.Connect(AContext: TIocpContext);
begin
  Add('connect');
  if RaiseInConnect then
    raise EFault.Create('in OnConnect');
  AContext.Connection.IOHandler.WriteLn('hello');
end;

procedure THandlers.Execute(AContext: TIocpContext);
var
  IO: TIocpIOHandler;
begin
  IO := AContext.Connection.IOHandler;
  if StopFromHandler then
  begin
    IO.ReadLn;
    (AContext.Server as TIocpTCPServer).Active := False;
    Add('stopped from a handler, active ' + BoolToStr(AContext.Server.Active, True));
    Exit;
  end;
  if Stuck then
  begin
    Add('stuck');
    while not ReleaseStuck do
      Sleep(10);  { Never looks at the connection: a handler stuck in user code. }
    Exit;
  end;
  IO.WriteLn(IO.ReadLn);
  AContext.Connection.Disconnect;  { One exchange, then a clean end (no error to report). }
end;

procedure THandlers.Disconnect(AContext: TIocpContext);
begin
  Add('disconnect ' + AContext.DisconnectReason);
  if RaiseInDisconnect then
    raise EFault.Create('in OnDisconnect');
end;

procedure THandlers.Error(AContext: TIocpContext; AException: Exception);
begin
  Add('exception ' + AException.ClassName + ': ' + AException.Message);
  if RaiseInException then
    raise EFault.Create('in OnException');
end;

procedure THandlers.ListenError(AThread: TIocpListenerThread; AException: Exception);
begin
  Add('listen exception ' + AException.Message);
end;

function THandlers.Count(const APrefix: string): Integer;
var
  I: Integer;
begin
  Result := 0;
  Lock.Enter;
  try
    for I := 0 to Lines.Count - 1 do
      if Copy(Lines[I], 1, Length(APrefix)) = APrefix then
        Inc(Result);
  finally
    Lock.Leave;
  end;
end;

const
  EventuallyMs = 30000;  { A bound on "eventually", not a statement about speed. }

var
  Engine: string;
  H: THandlers;

function WaitFor(const APrefix: string; N: Integer): Boolean;
var
  Waited: Integer;
begin
  Waited := 0;
  while (H.Count(APrefix) < N) and (Waited < EventuallyMs) do
  begin
    Sleep(5);
    Inc(Waited, 5);
  end;
  Result := H.Count(APrefix) >= N;
end;

function NewServer: TIocpTCPServer;
begin
  Result := NewLoopbackServer(Engine);
  Result.OnContextCreated := H.Created;
  Result.OnConnect := H.Connect;
  Result.OnExecute := H.Execute;
  Result.OnDisconnect := H.Disconnect;
  Result.OnException := H.Error;
  Result.OnListenException := H.ListenError;
end;

{ A client's exchange: 'hello', then an echo; '' where the server closed instead. }
function Talk(Server: TIocpTCPServer): string;
var
  C: TIocpTCPClient;
begin
  Result := '';
  C := TIocpTCPClient.Create(nil);
  try
    C.ReadTimeout := EventuallyMs;
    C.Connect('127.0.0.1', Server.Bindings[0].Port);
    try
      Result := C.IOHandler.ReadLn;
      C.IOHandler.WriteLn('ping');
      Result := Result + ' ' + C.IOHandler.ReadLn;
    except
      on E: Exception do
        Result := Result + '|' + E.ClassName;
    end;
    C.Disconnect;
  finally
    C.Free;
  end;
end;

var
  Current: TIocpTCPServer;  { The server Reset waits for. }

{ Between two cases: the previous connection's events have all come (its OnDisconnect may come
  after the client has gone), then a clean record. }
procedure Reset;
var
  Waited: Integer;
begin
  Waited := 0;
  while (Current <> nil) and Current.Active and (Current.Stat(IOCP_STAT_ACTIVE_CONNECTIONS) > 0) and
    (Waited < EventuallyMs) do
  begin
    Sleep(5);
    Inc(Waited, 5);
  end;
  H.Lock.Enter;
  H.Lines.Clear;
  H.Lock.Leave;
  H.RaiseInConnect := False;
  H.RaiseInDisconnect := False;
  H.RaiseInException := False;
  H.RaiseInCreated := False;
  H.Stuck := False;
  H.ReleaseStuck := False;
  H.StopFromHandler := False;
end;

procedure ExceptionsInEvents;
var
  S: TIocpTCPServer;
  R: string;
begin
  S := NewServer;
  Current := S;
  try
    S.Active := True;
    { 1. OnConnect }
    Reset;
    H.RaiseInConnect := True;
    R := Talk(S);
    Check(Pos('hello', R) = 0, 'OnConnect raised: the handler never wrote: ' + R);
    Check(WaitFor('exception', 1) and H.Contains('exception EFault: in OnConnect'),
      'OnException gets the very exception OnConnect raised: ' + H.Lines.CommaText);
    Check((H.Count('disconnect') = 1) and H.Contains('disconnect handler error'),
      'OnDisconnect once, reason handler error: ' + H.Lines.CommaText);
    Reset;
    Check(Talk(S) = 'hello ping', 'the server goes on after OnConnect raised');
    { 2. OnDisconnect }
    Reset;
    H.RaiseInDisconnect := True;
    Check(Talk(S) = 'hello ping', 'served before OnDisconnect raises');
    Check(WaitFor('exception', 1) and H.Contains('exception EFault: in OnDisconnect'),
      'OnException gets what OnDisconnect raised: ' + H.Lines.CommaText);
    Check(H.Count('disconnect') = 1, 'OnDisconnect ran once: ' + H.Lines.CommaText);
    Reset;
    Check(Talk(S) = 'hello ping', 'the server goes on after OnDisconnect raised');
    { 3. OnException }
    Reset;
    H.RaiseInConnect := True;
    H.RaiseInException := True;
    Talk(S);
    Check(WaitFor('exception', 1), 'OnException ran (and raised): ' + H.Lines.CommaText);
    Reset;
    Check(Talk(S) = 'hello ping', 'the server goes on after OnException raised');
    { 4. OnContextCreated }
    Reset;
    H.RaiseInCreated := True;
    R := Talk(S);
    Check(Pos('hello', R) = 0, 'OnContextCreated raised: no greeting: ' + R);
    Check(WaitFor('listen exception', 1) and H.Contains('listen exception in OnContextCreated'),
      'OnListenException gets what OnContextCreated raised: ' + H.Lines.CommaText);
    Sleep(200);  { Anything that would still come, late. }
    Check((H.Count('connect') = 0) and (H.Count('disconnect') = 0),
      'no OnConnect and no OnDisconnect for it: ' + H.Lines.CommaText);
    Reset;
    Check(Talk(S) = 'hello ping', 'the server goes on after OnContextCreated raised');
    S.Active := False;
  finally
    Current := nil;
    S.Free;
  end;
end;

procedure FreedWithOpenConnections;
var
  S: TIocpTCPServer;
  Clients: array[0..4] of TIocpTCPClient;
  I, Closed: Integer;
begin
  Reset;
  S := NewServer;
  for I := 0 to High(Clients) do
    Clients[I] := TIocpTCPClient.Create(nil);
  try
    S.Active := True;
    for I := 0 to High(Clients) do
    begin
      Clients[I].ReadTimeout := EventuallyMs;
      Clients[I].Connect('127.0.0.1', S.Bindings[0].Port);
      Clients[I].IOHandler.ReadLn;  { hello: connected and served. }
    end;
    FreeAndNil(S);  { While all five are open. }
    Check(H.Count('disconnect server stopping') = 5,
      'freeing the server: one OnDisconnect each, server stopping: ' + H.Lines.CommaText);
    Closed := 0;
    for I := 0 to High(Clients) do
      try
        Clients[I].IOHandler.ReadLn;
      except
        Inc(Closed);
      end;
    Check(Closed = 5, 'every client sees the close: ' + IntToStr(Closed));
  finally
    S.Free;
    for I := 0 to High(Clients) do
      Clients[I].Free;
  end;
end;

procedure StuckHandler;
var
  S: TIocpTCPServer;
  C: TIocpTCPClient;
  Started: QWord;
  Took: Int64;
begin
  Reset;
  S := NewServer;
  C := TIocpTCPClient.Create(nil);
  try
    S.TerminateWaitTime := 300;
    H.Stuck := True;
    S.Active := True;
    C.ReadTimeout := EventuallyMs;
    C.Connect('127.0.0.1', S.Bindings[0].Port);
    C.IOHandler.ReadLn;
    Check(WaitFor('stuck', 1), 'the handler is stuck');
    Started := GetTickCount64;
    S.Active := False;
    Took := GetTickCount64 - Started;
    Check(not S.Active, 'Active := False returned with the handler still stuck (after ' + IntToStr(Took) + ' ms)');
    Check(H.Count('disconnect') = 0, 'no OnDisconnect while the handler is stuck: ' + H.Lines.CommaText);
    H.Stuck := False;
    S.Active := True;  { Again, beside the stuck one. }
    Check(Talk(S) = 'hello ping', 'activated again while the old handler is stuck');
    H.ReleaseStuck := True;
    Check(WaitFor('disconnect', 2), 'the stuck handler''s OnDisconnect once it returned: ' + H.Lines.CommaText);
    S.Active := False;
  finally
    C.Free;
    S.Free;
  end;
end;

procedure StopFromAHandler;
var
  S: TIocpTCPServer;
  C, Other: TIocpTCPClient;
begin
  Reset;
  S := NewServer;
  C := TIocpTCPClient.Create(nil);
  Other := TIocpTCPClient.Create(nil);
  try
    S.TerminateWaitTime := 300;
    H.StopFromHandler := True;
    S.Active := True;
    Other.ReadTimeout := EventuallyMs;
    Other.Connect('127.0.0.1', S.Bindings[0].Port);
    Other.IOHandler.ReadLn;  { hello }
    C.ReadTimeout := EventuallyMs;
    C.Connect('127.0.0.1', S.Bindings[0].Port);
    C.IOHandler.ReadLn;
    C.IOHandler.WriteLn('stop');  { Its handler stops the server. }
    Check(WaitFor('stopped from a handler', 1) and H.Contains('stopped from a handler, active False'),
      'Active := False returned inside the handler, the server inactive: ' + H.Lines.CommaText);
    Check(WaitFor('disconnect', 2) and (H.Count('disconnect') = 2),
      'one OnDisconnect for each of the two connections: ' + H.Lines.CommaText);
    H.StopFromHandler := False;
    S.Active := True;
    Check(Talk(S) = 'hello ping', 'activated again after a stop from a handler');
    S.Active := False;
  finally
    Other.Free;
    C.Free;
    S.Free;
  end;
end;

begin
  IsMultiThread := True;
  Engine := EngineFromArgs;
  H := THandlers.Create;
  try
    ExceptionsInEvents;
    FreedWithOpenConnections;
    StuckHandler;
    StopFromAHandler;
  finally
    H.Free;
  end;
  Report;
end.
