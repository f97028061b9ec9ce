{ Real Indy 10's TLS client (TIdTCPClient + TIdSSLIOHandlerSocketOpenSSL) against a TLS echo
  server: connects, verifies the server against CA, sends lines, reads each echo back.
    indy_tls_client HOST PORT CA_FILE [LINES] [1.2|1.3] [starttls]
  TLS 1.2 unless 1.3 is asked for. starttls: plain first, reads a greeting line, sends STARTTLS,
  reads the answer, then PassThrough := False (Indy's STARTTLS) before the lines. Prints "ok N lines" or the failure; exit 0 on success.
  Built by check.sh against real Indy and IndyTLS-OpenSSL; nothing of Indy is in the project. }
program indy_tls_client;
{$mode delphi}
uses
  {$IFDEF UNIX}cthreads,{$ENDIF} SysUtils, IdGlobal, IdTCPClient, IdSSLOpenSSL, IdSSLOpenSSLHeaders;

var
  Client: TIdTCPClient;
  Handler: TIdSSLIOHandlerSocketOpenSSL;
  I, Count: Integer;
  Line, Back: string;
  StartTls: Boolean;
begin
  IsMultiThread := True;
  if ParamCount < 3 then begin
    WriteLn('usage: indy_tls_client HOST PORT CA_FILE [LINES] [1.2|1.3] [starttls]');
    Halt(2);
  end;
  Count := StrToIntDef(ParamStr(4), 100);
  Client := TIdTCPClient.Create(nil);
  Handler := TIdSSLIOHandlerSocketOpenSSL.Create(Client);
  try
    try
      if ParamStr(5) = '1.3' then begin
        Handler.SSLOptions.Method := sslvTLSv1_3;
        Handler.SSLOptions.SSLVersions := [sslvTLSv1_3];
      end else begin
        Handler.SSLOptions.Method := sslvTLSv1_2;
        Handler.SSLOptions.SSLVersions := [sslvTLSv1_2];
      end;
      Handler.SSLOptions.RootCertFile := ParamStr(3);
      Handler.SSLOptions.VerifyMode := [sslvrfPeer];
      Handler.SSLOptions.VerifyDepth := 4;
      Handler.SSLOptions.Mode := sslmClient;
      Client.IOHandler := Handler;
      StartTls := ParamStr(6) = 'starttls';
      Handler.PassThrough := StartTls;  // False: TLS from the first byte (Indy's client starts plain).
      Client.Host := ParamStr(1);
      Client.Port := StrToInt(ParamStr(2));
      Client.ReadTimeout := 10000;
      Client.Connect;
      if StartTls then begin
        WriteLn('greeting: ', Client.IOHandler.ReadLn);
        Client.IOHandler.WriteLn('STARTTLS');
        WriteLn('STARTTLS answered: ', Client.IOHandler.ReadLn);
        Handler.PassThrough := False;  // The handshake, here.
      end;
      if Handler.PassThrough then begin
        WriteLn('FAIL: connected without TLS');
        Halt(1);
      end;
      WriteLn('connected with TLS');
      for I := 1 to Count do begin
        Line := 'indy line ' + IntToStr(I) + ' ' + StringOfChar('x', I mod 200);
        Client.IOHandler.WriteLn(Line);
        Back := Client.IOHandler.ReadLn;
        if Back <> Line then begin
          WriteLn('FAIL: line ', I, ' came back as "', Back, '"');
          Halt(1);
        end;
      end;
      Client.Disconnect;
      WriteLn('ok ', Count, ' lines');
    except
      on E: Exception do begin
        WriteLn('FAIL: ', E.ClassName, ': ', E.Message);
        Halt(1);
      end;
    end;
  finally
    Client.Free;
  end;
end.
