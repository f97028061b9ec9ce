{ bench_echo_pascal: benchmark peer, the Pascal bridge's TIocpTCPServer as a line echo server,
  with the handler of the Pascal demo (demos/pascal/echo_server.pas): OnExecute does ReadLn, then
  WriteLn of the same line. The same settings as bench_echo_ours (peer_common.h's command line,
  UseNagle off, no connection limit, the system's listen backlog), so run.sh compares the bridge
  with the C++ component it wraps.

    bench_echo_pascal [--host A] [--port N] [--threads N] [--mode execute|default]

  Prints "backend NAME" and "listening on port N" once it listens; SIGINT/SIGTERM stop it. }
program bench_echo_pascal;

{$mode delphi}

uses
  cthreads, SysUtils, IocpGlobal, IocpTCPServer, EchoCommon;  { The echo demo's handler and Ctrl-C. }

procedure Usage(const Why: string);
begin
  WriteLn(StdErr, 'bench_echo_pascal: ', Why);
  WriteLn(StdErr, 'usage: bench_echo_pascal [--host A] [--port N] [--threads N] [--mode execute|default]');
  Halt(2);
end;

var
  Server: TIocpTCPServer;
  Echo: TEcho;
  I, Port, Threads: Integer;
  Arg, Value, Host, Mode: string;
begin
  IsMultiThread := True;
  Host := '127.0.0.1';
  Port := 0;
  Threads := 1;
  Mode := 'execute';
  I := 1;
  while I <= ParamCount do
  begin
    Arg := ParamStr(I);
    if I = ParamCount then Usage(Arg + ' needs a value');
    Value := ParamStr(I + 1);
    Inc(I, 2);
    if Arg = '--host' then Host := Value
    else if Arg = '--port' then Port := StrToIntDef(Value, -1)
    else if Arg = '--threads' then Threads := StrToIntDef(Value, -1)
    else if Arg = '--mode' then Mode := Value
    else Usage('unknown option ' + Arg);
  end;
  if (Port < 0) or (Port > 65535) then Usage('--port wants 0 to 65535');
  if (Threads < 1) or (Threads > 1024) then Usage('--threads wants 1 to 1024');
  if (Mode <> 'execute') and (Mode <> 'default') then Usage('--mode is execute or default');
  if (Mode = 'default') and (Threads <> 1) then Usage('--threads does not apply to --mode default');

  Echo := TEcho.Create;
  Server := TIocpTCPServer.Create(nil);
  try
    if Mode = 'execute' then
    begin
      Server.IOHandlerOptions.IOHandlerType := iohIOCP;  { Completion engine, a fiber per connection. }
      Server.IOHandlerOptions.IOCP.IOCPThreads := Threads;
    end
    else
      Server.IOHandlerOptions.IOHandlerType := iohDefault;  { A thread per connection. }
    Server.Bindings.Add.IP := Host;
    Server.Bindings[0].Port := Port;
    Server.UseNagle := False;
    Server.MaxConnections := 0;
    Server.ListenQueue := 0;
    Server.OnExecute := Echo.Execute;
    WatchStopRequests;
    try
      Server.Active := True;
    except
      on E: Exception do
      begin
        WriteLn(StdErr, 'bench_echo_pascal: listen on ', Host, ':', Port, ': ', E.Message);
        Halt(1);
      end;
    end;
    WriteLn('backend ', Server.ActiveBackend);
    WriteLn('listening on port ', Server.Bindings[0].Port);
    Flush(Output);
    while not StopRequested do
      Sleep(20);
    Server.Active := False;
  finally
    Server.Free;
    Echo.Free;
  end;
end.
