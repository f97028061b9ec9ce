{ The polling idiom of public Indy servers, as a benchmark peer: OnExecute never blocks, it looks
  at the InputBuffer, echoes what is there and sleeps 10 ms. Built against our units (the default)
  or, with -dREAL_INDY, against real Indy 10 (polling.sh does both).

    polling_server --port N [--io default|iocp]     prints "listening on port N"; stops on EOF of stdin }
program polling_server;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF} SysUtils, Classes,
  {$IFDEF REAL_INDY} IdGlobal, IdContext, IdTCPServer {$ELSE} IocpIndyCompat {$ENDIF};

type
  THandlers = class
    procedure Execute(AContext: TIdContext);
  end;

procedure THandlers.Execute(AContext: TIdContext);
begin
  if not AContext.Connection.IOHandler.InputBufferIsEmpty then
    AContext.Connection.IOHandler.Write(AContext.Connection.IOHandler.InputBufferAsString);
  IndySleep(10);
end;

var
  Server: TIdTCPServer;
  H: THandlers;
  I, Port: Integer;
  Engine, Line: string;
begin
  Port := 0;
  Engine := 'iocp';
  I := 1;
  while I < ParamCount do
  begin
    if ParamStr(I) = '--port' then Port := StrToInt(ParamStr(I + 1))
    else if ParamStr(I) = '--io' then Engine := ParamStr(I + 1);
    Inc(I, 2);
  end;
  H := THandlers.Create;
  Server := TIdTCPServer.Create(nil);
  try
    Server.Bindings.Add.IP := '127.0.0.1';
    Server.Bindings[0].Port := Port;
    Server.ListenQueue := 4096;
{$IFNDEF REAL_INDY}
    if Engine = 'iocp' then
      Server.IOHandlerOptions.IOHandlerType := iohIOCP;
{$ENDIF}
    Server.OnExecute := H.Execute;
    Server.Active := True;
    WriteLn('listening on port ', Server.Bindings[0].Port);
    Flush(Output);
    while not EOF(Input) do
      ReadLn(Line);
    Server.Active := False;
  finally
    Server.Free;
    H.Free;
  end;
end.
