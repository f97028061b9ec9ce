{ The self-test of the per-fiber exception state (IocpFiberRtl) that runs at the first activation
  with iohIOCP: with the swap switched off it must find the corruption and refuse to activate with
  EIocpFiberStateError naming it; with the swap on the same activation passes and serves; an
  iohDefault server never needs it. Under Delphi the same self-test guards the raise list, which
  no compiler here can check. Prints "N passed, N failed". }
program fiber_selftest;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF} SysUtils, Classes, IocpTCPServer, IocpTCPClient, IocpFiberRtl, TestCheck, TestServer;

type
  TEcho = class
    procedure Execute(AContext: TIocpContext);
  end;

procedure TEcho.Execute(AContext: TIocpContext);
var
  Line: string;
begin
  Line := AContext.Connection.IOHandler.ReadLn;
  try
    raise Exception.Create(Line);  { An exception on the fiber, caught there. }
  except
    on E: Exception do
      AContext.Connection.IOHandler.WriteLn(E.Message);
  end;
end;

{ TestServer's loopback server for AEngine ('iocp', 'default'), echoing with AEcho. }
function NewServer(AEcho: TEcho; const AEngine: string): TIocpTCPServer;
begin
  Result := NewLoopbackServer(AEngine);
  Result.OnExecute := AEcho.Execute;
end;

function Echoes(AServer: TIocpTCPServer): Boolean;
var
  Client: TIocpTCPClient;
begin
  Client := TIocpTCPClient.Create(nil);
  try
    Client.Connect('127.0.0.1', AServer.Bindings[0].Port);
    Client.IOHandler.WriteLn('hello');
    Result := Client.IOHandler.ReadLn = 'hello';
    Client.Disconnect;
  finally
    Client.Free;
  end;
end;

var
  Echo: TEcho;
  Server: TIocpTCPServer;
  Message: string;
begin
  IsMultiThread := True;
  Echo := TEcho.Create;
  try
    IocpFiberExceptionStateSwitch := False;
    { iohDefault runs no handler on a fiber: no self-test, nothing refused. }
    Server := NewServer(Echo, 'default');
    try
      Server.Active := True;
      Check(Server.Active and Echoes(Server), 'without the swap, an iohDefault server serves');
    finally
      Server.Free;
    end;

    { iohIOCP without the swap: refused, with the finding. }
    Server := NewServer(Echo, 'iocp');
    try
      Message := '';
      try
        Server.Active := True;
      except
        on E: EIocpFiberStateError do
          Message := E.Message;
      end;
      Check(Pos('self-test of the per-fiber exception state failed', Message) > 0,
        'without the swap, activation with iohIOCP is refused by the self-test: "' + Message + '"');
      Check(Pos('began inside the exception state of the thread', Message) > 0,
        'the refusal says what the self-test saw: "' + Message + '"');
      Check(not Server.Active, 'the refused server is not active');

      { With the swap: the same activation passes and serves. }
      IocpFiberExceptionStateSwitch := True;
      Server.Active := True;
      Check(Server.Active, 'with the swap, activation with iohIOCP passes the self-test');
      Check(Echoes(Server), 'and its handlers raise and catch on their fibers');
      Server.Active := False;
    finally
      Server.Free;
    end;

  finally
    Echo.Free;
  end;
  Report;
end.
