{ A program that keeps Indy's own client (units IdTCPClient, IdGlobal) and takes its server from
  IocpIndyCompat, built with IOCP_INDY_TYPES defined: TIdBytes, IIdTextEncoding, Indy's enums and
  exception classes are then one type on both sides, so they pass between Indy's client and the
  bridge's server without casts, and "on E: EIdConnClosedGracefully" catches what either raises.

  CI builds it against stand-ins of Indy's units (tests/standins/indy, declared the way Indy declares those
  types; their TIdTCPClient is the bridge's client under Indy's name); tools/indy-mixed/check.sh
  builds and runs the same file against real Indy 10.

    mixed_test --io default|iocp

  Prints "N passed, N failed". }
program mixed_test;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF} SysUtils, Classes, IdGlobal, IdTCPClient, IocpIndyCompat, TestCheck, TestServer;

type
  THandlers = class
    procedure Execute(AContext: TIdContext);
  end;

{ Bytes, text in UTF-8 and a timeout, each handed to the other side in Indy's own types. }
procedure THandlers.Execute(AContext: TIdContext);
var
  IO: TIdIOHandler;
  B: TIdBytes;
  Enc: IIdTextEncoding;
  Line: string;
begin
  IO := AContext.Connection.IOHandler;
  IO.ReadBytes(B, 4, False);
  IO.Write(B);
  Enc := IndyTextEncoding_UTF8;
  Line := IO.ReadLn(Enc);
  IO.WriteLn('got ' + Line, Enc);
  try
    IO.ReadLn(LF, 50);
    if IO.ReadLnTimedout then
      IO.WriteLn('timed out');
  except
    on E: EIdReadTimeout do IO.WriteLn('raised');
  end;
  AContext.Connection.Disconnect;
end;

procedure Exchange(AIocp: Boolean);
var
  S: TIdTCPServer;
  H: THandlers;
  C: TIdTCPClient;  { Indy's (IdTCPClient): IocpIndyCompat declares none with IOCP_INDY_TYPES. }
  Sent, Back: TIdBytes;
  Enc: IIdTextEncoding;
  Ended: string;
begin
  H := THandlers.Create;
  S := TIdTCPServer.Create(nil);
  C := TIdTCPClient.Create(nil);
  try
    S.Bindings.Add.IP := '127.0.0.1';
    S.Bindings[0].IPVersion := Id_IPv4;
    if AIocp then S.IOHandlerOptions.IOHandlerType := iohIOCP;
    S.OnExecute := H.Execute;
    S.Active := True;
    C.IPVersion := Id_IPv4;  { One TIdIPVersion for both. }
    C.ReadTimeout := 30000;
    C.Connect('127.0.0.1', S.Bindings[0].Port);
    Sent := ToBytes('abcd');
    C.IOHandler.Write(Sent);  { The same TIdBytes as the server's. }
    C.IOHandler.ReadBytes(Back, 4, False);
    Check(BytesToString(Back) = 'abcd', 'TIdBytes from Indy''s client through the bridge''s server and back');
    Enc := IndyTextEncoding_UTF8;  { One IIdTextEncoding for both. }
    C.IOHandler.WriteLn('ok', Enc);
    Check(C.IOHandler.ReadLn(Enc) = 'got ok', 'an IIdTextEncoding passed to both sides');
    Check(C.IOHandler.ReadLn = 'timed out', 'ReadLn with a timeout in the bridge''s handler');
    Ended := 'nothing raised';
    try
      C.IOHandler.ReadLn;
    except
      on E: EIdConnClosedGracefully do Ended := 'closed gracefully';
      on E: EIdException do Ended := 'another Indy exception: ' + E.ClassName;
    end;
    Check(Ended = 'closed gracefully', 'Indy''s client raises the EIdConnClosedGracefully the unit catches: ' + Ended);
    S.Active := False;
  finally
    C.Free;
    S.Free;
    H.Free;
  end;
end;

var
  Engine: string;
begin
  Check(TIdTCPClient.UnitName = 'IdTCPClient', 'TIdTCPClient is Indy''s (unit IdTCPClient), not the bridge''s');
  Check(EIdConnClosedGracefully.UnitName = 'IdException', 'EIdConnClosedGracefully is Indy''s class');
  Check(EIdSocketError.UnitName = 'IdStack', 'EIdSocketError is Indy''s class');
  Check(TypeInfo(TIdBytes) = TypeInfo(IdGlobal.TIdBytes), 'TIdBytes is Indy''s type');
  Engine := EngineFromArgs;
  Exchange(Engine = 'iocp');
  Report;
end.
