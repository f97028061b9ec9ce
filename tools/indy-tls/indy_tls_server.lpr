{ Real Indy 10's TLS server (TIdTCPServer + TIdServerIOHandlerSSLOpenSSL): echoes lines, as a
  server a user already runs.
    indy_tls_server PORT CERT_FILE KEY_FILE SECONDS
  Prints "listening on PORT" once active, serves for SECONDS, then stops.
  Built by check.sh against real Indy and IndyTLS-OpenSSL; nothing of Indy is in the project. }
program indy_tls_server;
{$mode delphi}
uses
  {$IFDEF UNIX}cthreads,{$ENDIF} SysUtils, Classes, IdGlobal, IdContext, IdTCPServer, IdSSL, IdSSLOpenSSL;

type
  TEcho = class
    procedure Connect(AContext: TIdContext);
    procedure Execute(AContext: TIdContext);
  end;

// What Indy servers with an SSL IOHandler do: each connection starts in PassThrough (plain).
procedure TEcho.Connect(AContext: TIdContext);
begin
  (AContext.Connection.IOHandler as TIdSSLIOHandlerSocketBase).PassThrough := False;
end;

procedure TEcho.Execute(AContext: TIdContext);
begin
  AContext.Connection.IOHandler.WriteLn(AContext.Connection.IOHandler.ReadLn);
end;

var
  Server: TIdTCPServer;
  Handler: TIdServerIOHandlerSSLOpenSSL;
  Echo: TEcho;
begin
  IsMultiThread := True;
  if ParamCount < 4 then begin
    WriteLn('usage: indy_tls_server PORT CERT_FILE KEY_FILE SECONDS');
    Halt(2);
  end;
  Echo := TEcho.Create;
  Server := TIdTCPServer.Create(nil);
  Handler := TIdServerIOHandlerSSLOpenSSL.Create(Server);
  try
    Handler.SSLOptions.Method := sslvTLSv1_2;
    Handler.SSLOptions.SSLVersions := [sslvTLSv1_2];
    Handler.SSLOptions.Mode := sslmServer;
    Handler.SSLOptions.CertFile := ParamStr(2);
    Handler.SSLOptions.KeyFile := ParamStr(3);
    Server.IOHandler := Handler;
    Server.DefaultPort := StrToInt(ParamStr(1));
    with Server.Bindings.Add do begin
      IP := '127.0.0.1';
      Port := StrToInt(ParamStr(1));
    end;
    Server.OnConnect := Echo.Connect;
    Server.OnExecute := Echo.Execute;
    Server.Active := True;
    WriteLn('listening on ', ParamStr(1));
    Flush(Output);
    Sleep(StrToInt(ParamStr(4)) * 1000);
    Server.Active := False;
  finally
    Server.Free;
    Echo.Free;
  end;
end.
