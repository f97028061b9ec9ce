{ Pascal exception state across fiber switches (IocpFiberRtl), proven under load.

  1,000 connections on an iohIOCP server whose OnExecute, written in Pascal, parks (waits in
  ReadLn) inside nested try..finally and try..except blocks, parks again inside an except
  handler, then re-raises; the connections interleave on the pool threads, so while one is
  parked others raise and catch on the same thread, and with WorkOpThreads = 0 a handler may
  resume on another thread. Checked: every finally ran exactly once, after every park E and
  ExceptObject were that connection's own, every re-raise was caught by that connection's outer
  handler, nothing leaked (run with heaptrc: "0 unfreed memory blocks").

  fiber_exceptions [--workop N] [--no-fiber-state]
  --no-fiber-state switches the per-fiber state off: the run must then fail (that it does is a
  test of its own). Prints "N passed, N failed"; exit code 0 only if all passed. }
program fiber_exceptions;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, BaseUnix, {$ENDIF} {$IFDEF MSWINDOWS} Windows, {$ENDIF} SysUtils, Classes, IocpApi, IocpFiberRtl, TestCheck;

const
  Connections = 1000;
  ClientThreads = 4;
  WatchdogSeconds = 60;
  { Without the per-fiber state a run may also hang; that counts as failing, sooner. }
  WatchdogSecondsBroken = 20;

type
  EMine = class(Exception)
  public
    Conn: Integer;
  end;
  EClosed = class(Exception);

var
  FinallyRuns: array[0..Connections - 1] of Integer;
  Wrong, Caught: Integer;
  Port: Integer;
  Server: Piocp_server;


{ ReadLn of a context or client: parks the handler's fiber until the line is there. }
function ReadLine(Io: Piocp_io): string;
var
  Line: PAnsiChar;
  Len: size_t;
  Rc: Integer;
begin
  Rc := iocp_io_readln(Io, nil, 0, IOCP_TIMEOUT_DEFAULT, -1, @Line, @Len);
  if Rc <> IOCP_OK then
    raise EClosed.Create(string(iocp_last_error));
  SetString(Result, Line, Len);
end;

procedure WriteLine(Io: Piocp_io; const S: string);
var
  A: AnsiString;
begin
  A := AnsiString(S);
  if iocp_io_writeln(Io, PAnsiChar(A), Length(A)) <> IOCP_OK then
    raise EClosed.Create(string(iocp_last_error));
end;

function NewMine(Conn: Integer): EMine;
begin
  Result := EMine.CreateFmt('connection %d', [Conn]);
  Result.Conn := Conn;
end;

{ The handler: id, then 'a' inside try..finally inside try..except, raise, 'b' inside the except
  handler, re-raise, caught outside; 'done'. A second thread of exceptions (caught at once) runs
  between the parks, so other fibers' frames come and go on the same thread. }
procedure Serve(Io: Piocp_io);
var
  Id: Integer;
begin
  Id := StrToInt(ReadLine(Io));
  try
    try
      try
        ReadLine(Io);  { Park 1: inside try..finally inside try..except. }
        try
          raise EMine.Create('a local one, caught at once');
        except
          on E: EMine do ;
        end;
        raise NewMine(Id);
      finally
        InterlockedIncrement(FinallyRuns[Id]);
      end;
    except
      on E: EMine do
      begin
        ReadLine(Io);  { Park 2: inside the except handler. }
        if (E.Conn <> Id) or (ExceptObject <> E) or (E.Message <> Format('connection %d', [Id])) then
          InterlockedIncrement(Wrong);
        raise;  { Re-raise after the park. }
      end;
    end;
  except
    on E: EMine do
    begin
      if E.Conn = Id then
        InterlockedIncrement(Caught)
      else
        InterlockedIncrement(Wrong);
    end;
  end;
  WriteLine(Io, 'done ' + IntToStr(Id));
end;

function OnExecute(User: Pointer; Context: Piocp_context): Integer; cdecl;
begin
  Result := IOCP_OK;
  try
    Serve(iocp_context_io(Context));
  except
    on E: EClosed do
      iocp_context_disconnect(Context, 1);  { The client went away: end this connection. }
    on E: Exception do
    begin
      InterlockedIncrement(Wrong);
      iocp_context_disconnect(Context, 1);
    end;
  end;
end;

type
  TClients = class(TThread)
  public
    First, Count: Integer;
    Ok: Integer;
    procedure Execute; override;
  end;

procedure TClients.Execute;
var
  I: Integer;
  C: array of Piocp_client;
  Reply: string;
begin
  SetLength(C, Count);
  for I := 0 to Count - 1 do
  begin
    C[I] := iocp_client_create;
    iocp_client_set_int(C[I], IOCP_CLIENT_PORT, Port);
    iocp_client_set_int(C[I], IOCP_CLIENT_READ_TIMEOUT, 30000);
    if iocp_client_connect(C[I]) <> IOCP_OK then
      raise Exception.Create(string(iocp_last_error));
  end;
  for I := 0 to Count - 1 do WriteLine(iocp_client_io(C[I]), IntToStr(First + I));
  for I := 0 to Count - 1 do WriteLine(iocp_client_io(C[I]), 'a');
  for I := 0 to Count - 1 do WriteLine(iocp_client_io(C[I]), 'b');
  for I := 0 to Count - 1 do
  begin
    try
      Reply := ReadLine(iocp_client_io(C[I]));
    except
      Reply := '';
    end;
    if Reply = 'done ' + IntToStr(First + I) then
      Inc(Ok);
  end;
  for I := 0 to Count - 1 do
    iocp_client_destroy(C[I]);
end;

type
  TWatchdog = class(TThread)
    procedure Execute; override;
  end;

procedure TWatchdog.Execute;
var
  I, Seconds: Integer;
begin
  Seconds := WatchdogSeconds;
  if not IocpFiberExceptionStateSwitch then
    Seconds := WatchdogSecondsBroken;
  for I := 1 to Seconds * 10 do
  begin
    if Terminated then Exit;
    Sleep(100);
  end;
  WriteLn(StdErr, 'fiber_exceptions: no result after ', Seconds, ' s');
  { Ends the process at once: with the exception state broken, Halt's exit code may hang. }
  {$IFDEF MSWINDOWS}
  TerminateProcess(GetCurrentProcess, 3);
  {$ELSE}
  FpExit(3);
  {$ENDIF}
end;

var
  WorkOp, I, Ok: Integer;
  Clients: array[0..ClientThreads - 1] of TClients;
  Watchdog: TWatchdog;
  Bound: Integer;
begin
  IsMultiThread := True;
  WorkOp := 0;
  I := 1;
  while I <= ParamCount do
  begin
    if ParamStr(I) = '--workop' then
    begin
      Inc(I);
      WorkOp := StrToInt(ParamStr(I));
    end
    else if ParamStr(I) = '--no-fiber-state' then
      IocpFiberExceptionStateSwitch := False;
    Inc(I);
  end;
  EnableFiberExceptionState;
  Watchdog := TWatchdog.Create(False);

  Server := iocp_server_create;
  iocp_server_add_binding(Server, '127.0.0.1', 9, 0);
  iocp_server_set_int(Server, IOCP_SERVER_IOHANDLER_TYPE, 1);
  iocp_server_set_int(Server, IOCP_SERVER_IOCP_THREADS, 2);
  iocp_server_set_int(Server, IOCP_SERVER_WORKOP_THREADS, WorkOp);
  iocp_server_set_context_event(Server, IOCP_ON_EXECUTE, OnExecute, nil);
  if iocp_server_set_active(Server, 1) <> IOCP_OK then
  begin
    WriteLn(StdErr, 'cannot activate: ', iocp_last_error);
    Halt(2);
  end;
  iocp_server_binding(Server, 0, nil, nil, @Bound);
  Port := Bound;

  for I := 0 to ClientThreads - 1 do
  begin
    Clients[I] := TClients.Create(True);
    Clients[I].First := I * (Connections div ClientThreads);
    Clients[I].Count := Connections div ClientThreads;
    Clients[I].Start;
  end;
  Ok := 0;
  for I := 0 to ClientThreads - 1 do
  begin
    Clients[I].WaitFor;
    Inc(Ok, Clients[I].Ok);
    Clients[I].Free;
  end;
  iocp_server_set_active(Server, 0);
  iocp_server_destroy(Server);
  Watchdog.Terminate;
  Watchdog.WaitFor;
  Watchdog.Free;

  Check(Ok = Connections, Format('%d of %d connections answered "done"', [Ok, Connections]));
  for I := 0 to Connections - 1 do
    Check(FinallyRuns[I] = 1, Format('connection %d: finally ran %d times', [I, FinallyRuns[I]]));
  Check(Wrong = 0, Format('%d wrong exception objects after a park', [Wrong]));
  Check(Caught = Connections, Format('%d of %d re-raised exceptions caught by their own handler', [Caught, Connections]));
  WriteLn(Format('[ figures  ] WorkOpThreads=%d, fiber state %s: %d connections, %d answered, %d wrong, %d caught',
    [WorkOp, BoolToStr(IocpFiberExceptionStateSwitch, 'on', 'off'), Connections, Ok, Wrong, Caught]));
  Report;
end.
