{ The echo server in Pascal, written the way an Indy server is written: every line a client
  sends comes back. Ctrl-C (SIGINT/SIGTERM; on Windows Ctrl-C, Ctrl-Break or closing
  the console) stops it cleanly.

    echo_server_pascal [--io default|iocp] [--port N] [--threads N] [--workop N]

  Prints "listening on 127.0.0.1:PORT" once it listens, and "stopped" at the end. }
program echo_server_pascal;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF}
  SysUtils, Classes, IocpGlobal, IocpTCPServer, EchoCommon;  { EchoCommon: the handler, Ctrl-C. }

procedure Usage(const Why: string);
begin
  WriteLn(StdErr, 'echo_server_pascal: ', Why);
  WriteLn(StdErr, 'usage: echo_server_pascal [--io default|iocp] [--port N] [--threads N] [--workop N]');
  Halt(2);
end;

var
  Server: TIocpTCPServer;
  Echo: TEcho;
  I, Port: Integer;
  Arg, Value: string;
begin
  Echo := TEcho.Create;
  Server := TIocpTCPServer.Create(nil);
  try
    Server.DefaultPort := 9000;
    Server.IOHandlerOptions.IOHandlerType := iohIOCP;
    I := 1;
    while I <= ParamCount do
    begin
      Arg := ParamStr(I);
      if I = ParamCount then Usage(Arg + ' needs a value');
      Value := ParamStr(I + 1);
      Inc(I, 2);
      if Arg = '--io' then
      begin
        if Value = 'default' then Server.IOHandlerOptions.IOHandlerType := iohDefault
        else if Value = 'iocp' then Server.IOHandlerOptions.IOHandlerType := iohIOCP
        else Usage('--io is default or iocp');
      end
      else if Arg = '--port' then
      begin
        Port := StrToIntDef(Value, -1);
        if (Port < 0) or (Port > 65535) then Usage('--port wants 0 to 65535');
        Server.DefaultPort := Port;
      end
      else if Arg = '--threads' then Server.IOHandlerOptions.IOCP.IOCPThreads := StrToIntDef(Value, -1)
      else if Arg = '--workop' then Server.IOHandlerOptions.IOCP.WorkOpThreads := StrToIntDef(Value, -1)
      else Usage('unknown option ' + Arg);
    end;
    Server.Bindings.Add.IP := '127.0.0.1';
    Server.OnExecute := Echo.Execute;
    WatchStopRequests;
    try
      Server.Active := True;
    except
      on E: Exception do
      begin
        WriteLn(StdErr, 'echo_server_pascal: ', E.Message);
        Halt(1);
      end;
    end;
    WriteLn('echo server (Pascal, ', BoolToStr(Server.IOHandlerOptions.IOHandlerType = iohIOCP, 'iohIOCP', 'iohDefault'),
      ') listening on 127.0.0.1:', Server.Bindings[0].Port, ' - Ctrl-C stops it');
    Flush(Output);
    while not StopRequested do
      Sleep(100);
    Server.Active := False;
    WriteLn('stopped');
  finally
    Server.Free;
    Echo.Free;
  end;
end.
