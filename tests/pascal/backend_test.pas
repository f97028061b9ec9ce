{ IOHandlerOptions.IOCP.Backend and ActiveBackend seen from Pascal (TIocpTCPServer over the C ABI),
  in one engine:

    backend_test --io default|iocp

  1. Inactive: ActiveBackend is ''.
  2. Backend = ibDefault (not stored in a form): 'threads' with iohDefault; with iohIOCP 'IOCP' on
     Windows, 'epoll' on Linux (the environment variable IOCP_BACKEND, when set, overrides the
     option).
  3. Backend = ibIoUring serves an echo: 'threads' with iohDefault (the option is the completion
     engine's); with iohIOCP 'io_uring', or 'epoll (io_uring unavailable: <why>)'.
  4. Inactive again: ''.
  Prints "N passed, N failed". }
program backend_test;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF} SysUtils, Classes, IocpTCPServer, IocpTCPClient, TestCheck, TestServer;

type
  THandlers = class
  public
    procedure Execute(AContext: TIocpContext);
  end;

procedure THandlers.Execute(AContext: TIocpContext);
begin
  AContext.Connection.IOHandler.WriteLn(AContext.Connection.IOHandler.ReadLn);
end;

{ True if AActive names what serves iohIOCP when io_uring was asked for (AIoUring) or not; as
  tests/common/backend_names.h: IOCP_BACKEND overrides the option, and io_uring refused by the
  kernel is epoll with the reason, except where IOCP_REQUIRE_IO_URING=1 says this kernel serves
  io_uring. }
{$IFDEF MSWINDOWS}
function NamesTheCompletionBackend(const AActive: string; AIoUring: Boolean): Boolean;
begin
  Result := AActive = 'IOCP';  { Windows has its completion port only. }
end;
{$ELSE}
function NamesTheCompletionBackend(const AActive: string; AIoUring: Boolean): Boolean;
const
  Refused = 'epoll (io_uring unavailable: ';
var
  Env: string;
begin
  Env := GetEnvironmentVariable('IOCP_BACKEND');
  if Env = 'io_uring' then AIoUring := True;
  if Env = 'epoll' then AIoUring := False;
  if not AIoUring then
    Result := AActive = 'epoll'
  else if GetEnvironmentVariable('IOCP_REQUIRE_IO_URING') = '1' then
    Result := AActive = 'io_uring'  { This kernel serves io_uring: epoll instead is a failure. }
  else
    Result := (AActive = 'io_uring') or ((Length(AActive) > Length(Refused) + 1) and
      (Copy(AActive, 1, Length(Refused)) = Refused) and (AActive[Length(AActive)] = ')'));
end;
{$ENDIF}

{ Activate Server, check what serves it, echo a line, deactivate. }
procedure ServesOn(Server: TIocpTCPServer; ABackend: TIocpBackend; const What: string);
var
  C: TIocpTCPClient;
  Active: string;
begin
  Server.IOHandlerOptions.IOCP.Backend := ABackend;
  Check(Server.ActiveBackend = '', What + ': '''' while inactive');
  Server.Active := True;
  Active := Server.ActiveBackend;
  WriteLn('[ figures  ] ', What, ': served by ', Active);
  if Server.IOHandlerOptions.IOHandlerType = iohIOCP then
    Check(NamesTheCompletionBackend(Active, ABackend = ibIoUring), What + ': served by ' + Active)
  else
    Check(Active = 'threads', What + ': served by ' + Active);
  C := TIocpTCPClient.Create(nil);
  try
    C.ReadTimeout := 30000;  { Only a broken server makes a read wait this long. }
    C.Connect('127.0.0.1', Server.Bindings[0].Port);
    C.IOHandler.WriteLn(What);
    Check(C.IOHandler.ReadLn = What, What + ': echo');
    C.Disconnect;
  finally
    C.Free;
  end;
  Server.Active := False;
  Check(Server.ActiveBackend = '', What + ': '''' once inactive again');
end;

var
  Server: TIocpTCPServer;
  H: THandlers;
  Engine: string;
begin
  Engine := EngineFromArgs;
  H := THandlers.Create;
  Server := NewLoopbackServer(Engine);
  try
    Server.OnExecute := H.Execute;
    Check(Server.IOHandlerOptions.IOCP.Backend = ibDefault, 'ibDefault is the default');
    ServesOn(Server, ibDefault, Engine + ', ibDefault');
    ServesOn(Server, ibIoUring, Engine + ', ibIoUring');
  finally
    Server.Free;
    H.Free;
  end;
  Report;
end.
