{ Pascal exception state across fiber switches (IocpFiberRtl), proven under load.

  1,000 connections on an iohIOCP server whose OnExecute, written in Pascal, parks (waits in
  ReadLn) inside nested try..finally and try..except blocks, parks again inside an except
  handler, then re-raises; the connections interleave on the pool threads, so while one is
  parked others raise and catch on the same thread, and with WorkOpThreads = 0 a handler may
  resume on another thread. Checked: every finally ran exactly once, after every park E and
  ExceptObject were that connection's own, every re-raise was caught by that connection's outer
  handler, nothing leaked (run with heaptrc: "0 unfreed memory blocks").

  Every handler also checks, at the moment it happens, that the state is its own: after each park
  ExceptObject is what it was before the park (none in a try block, its own exception in an except
  block), and a finally or except block runs only while its connection is not parked (a raise
  that unwinds to another connection's frame runs that connection's blocks while it waits in
  ReadLn). The first such corruption ends the process at once (continuing on a corrupted frame
  chain crashes) with the message "fiber_exceptions: exception state corrupted: ..." and exit code
  ExitCorrupted (86), which nothing else in this program uses.

  fiber_exceptions [--workop N] [--no-fiber-state]
  --no-fiber-state switches the per-fiber state off: the run must then end with that corruption
  (that it does is a test of its own, expect_failure.sh; with --workop N the connections of one
  work thread are all that interleave there, so the first corruption is always seen before it can
  crash). Prints "N passed, N failed"; exit code 0 only if all passed. }
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
  { The exit code of a detected corruption of the exception state. }
  ExitCorrupted = 86;

type
  EMine = class(Exception)
  public
    Conn: Integer;
  end;
  EClosed = class(Exception);

var
  FinallyRuns: array[0..Connections - 1] of Integer;
  { 1 while connection I waits in ReadLine: none of its blocks may run then. }
  Parked: array[0..Connections - 1] of Integer;
  Caught: Integer;
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

{ Reports the corruption and ends the process at once, without unwinding or finalizing anything:
  the exception frames or objects at hand may be another connection's. }
procedure Corrupted(const What: string);
begin
  WriteLn(StdErr, 'fiber_exceptions: exception state corrupted: ', What);
  Flush(StdErr);
  {$IFDEF MSWINDOWS}
  TerminateProcess(GetCurrentProcess, ExitCorrupted);
  {$ELSE}
  FpExit(ExitCorrupted);
  {$ENDIF}
end;

{ With the per-fiber state off, a raise can unwind into another fiber's frames and crash before
  any check sees the corruption: then the crash itself is reported as the corruption (only in that
  mode; with the state on a crash stays a crash). }
const
  CrashMessage = 'fiber_exceptions: exception state corrupted: the run crashed (per-fiber state off: a raise ' +
    'unwound into another fiber''s frames)'#10;

{$IFDEF MSWINDOWS}
type
  PExceptionPointers = ^TExceptionPointers;
  TVectoredHandler = function(Info: PExceptionPointers): Longint; stdcall;

function AddVectoredExceptionHandler(First: ULONG; Handler: TVectoredHandler): Pointer; stdcall;
  external 'kernel32.dll';

function CrashHandler(Info: PExceptionPointers): Longint; stdcall;
var
  Written: DWORD;
begin
  Result := 0;  { EXCEPTION_CONTINUE_SEARCH }
  if (Info^.ExceptionRecord^.ExceptionCode = EXCEPTION_ACCESS_VIOLATION) or
    (Info^.ExceptionRecord^.ExceptionCode = EXCEPTION_STACK_OVERFLOW) then
  begin
    WriteFile(GetStdHandle(STD_ERROR_HANDLE), PAnsiChar(AnsiString(CrashMessage))^, Length(CrashMessage),
      Written, nil);
    TerminateProcess(GetCurrentProcess, ExitCorrupted);
  end;
end;

procedure ReportCrashesAsCorruption;
begin
  AddVectoredExceptionHandler(1, CrashHandler);
end;
{$ELSE}
procedure CrashHandler(Sig: cint); cdecl;
begin
  fpWrite(2, PAnsiChar(AnsiString(CrashMessage))^, Length(CrashMessage));
  FpExit(ExitCorrupted);
end;

procedure ReportCrashesAsCorruption;
begin
  fpSignal(SIGSEGV, SignalHandler(@CrashHandler));
  fpSignal(SIGBUS, SignalHandler(@CrashHandler));
end;
{$ENDIF}

{ Inside one of connection Id's blocks: the connection must be running, not parked. }
procedure CheckRunning(Id: Integer; const Where: string);
begin
  if Parked[Id] <> 0 then
    Corrupted(Format('connection %d''s %s ran while it waited in ReadLn: another connection''s raise ' +
      'unwound to its frame', [Id, Where]));
end;

procedure RaiseClosed;
begin
  raise EClosed.Create(string(iocp_last_error));
end;

{ ReadLine for connection Id's handler, marked as parked meanwhile. (No try block here: its frame
  would be one a stray raise could reach and clear the mark in.) }
function ParkedReadLine(Io: Piocp_io; Id: Integer): string;
var
  Line: PAnsiChar;
  Len: size_t;
  Rc: Integer;
begin
  Parked[Id] := 1;
  Rc := iocp_io_readln(Io, nil, 0, IOCP_TIMEOUT_DEFAULT, -1, @Line, @Len);
  Parked[Id] := 0;
  if Rc <> IOCP_OK then
    RaiseClosed;
  SetString(Result, Line, Len);
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
        ParkedReadLine(Io, Id);  { Park 1: inside try..finally inside try..except. }
        if ExceptObject <> nil then
          Corrupted(Format('connection %d: after a park outside any except block, ExceptObject is %s',
            [Id, ExceptObject.ClassName]));
        try
          raise EMine.Create('a local one, caught at once');
        except
          on E: EMine do
            CheckRunning(Id, 'local except block');
        end;
        raise NewMine(Id);
      finally
        CheckRunning(Id, 'finally block');
        InterlockedIncrement(FinallyRuns[Id]);
      end;
    except
      on E: EMine do
      begin
        CheckRunning(Id, 'except block');
        ParkedReadLine(Io, Id);  { Park 2: inside the except handler. }
        if (ExceptObject <> E) or (E.Conn <> Id) or (E.Message <> Format('connection %d', [Id])) then
          Corrupted(Format('connection %d: after a park in its except block, ExceptObject is not its own exception',
            [Id]));
        raise;  { Re-raise after the park. }
      end;
    end;
  except
    on E: EMine do
    begin
      CheckRunning(Id, 'outer except block');
      if E.Conn = Id then
        InterlockedIncrement(Caught)
      else
        Corrupted(Format('connection %d caught connection %d''s re-raised exception', [Id, E.Conn]));
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
    on E: Exception do  { Serve raises nothing else. }
      Corrupted(Format('an unexpected %s reached OnExecute: %s', [E.ClassName, E.Message]));
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
  NoFiberState: Boolean;
begin
  IsMultiThread := True;
  WorkOp := 0;
  NoFiberState := False;
  I := 1;
  while I <= ParamCount do
  begin
    if ParamStr(I) = '--workop' then
    begin
      Inc(I);
      WorkOp := StrToInt(ParamStr(I));
    end
    else if ParamStr(I) = '--no-fiber-state' then
      NoFiberState := True;
    Inc(I);
  end;
  { Installed (its self-test passes) before the swap is switched off: what this program shows is
    what handlers do to one another without it (fiber_selftest shows the self-test's refusal). }
  EnableFiberExceptionState;
  if NoFiberState then
    IocpFiberExceptionStateSwitch := False;
  if not IocpFiberExceptionStateSwitch then
    ReportCrashesAsCorruption;
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
  { Shows how far a run got, should it end some other way. }
  WriteLn(Format('fiber_exceptions: serving on port %d (WorkOpThreads=%d, fiber state %s)',
    [Port, WorkOp, BoolToStr(IocpFiberExceptionStateSwitch, 'on', 'off')]));
  Flush(Output);

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
  Check(Caught = Connections, Format('%d of %d re-raised exceptions caught by their own handler', [Caught, Connections]));
  WriteLn(Format('[ figures  ] WorkOpThreads=%d, fiber state %s: %d connections, %d answered, %d caught',
    [WorkOp, BoolToStr(IocpFiberExceptionStateSwitch, 'on', 'off'), Connections, Ok, Caught]));
  Report;
end.
