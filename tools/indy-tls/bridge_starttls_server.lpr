{ A STARTTLS line server written as Indy users write one, compiled against the bridge's units:
  greets in plain text, answers STARTTLS and sets PassThrough := False (the handshake), then
  echoes lines over TLS.
    bridge_starttls_server PORT CERT_FILE KEY_FILE default|iocp SECONDS
  Prints "listening on PORT" once active. Built by check.sh with libiocp. }
program bridge_starttls_server;
{$mode delphi}
uses
  {$IFDEF UNIX}cthreads,{$ENDIF} SysUtils, Classes, IocpGlobal, IocpIOHandler, IocpTCPServer;

type
  THandlers = class
    procedure Execute(AContext: TIocpContext);
  end;

procedure THandlers.Execute(AContext: TIocpContext);
var
  Line: string;
begin
  with AContext.Connection.IOHandler do
  begin
    WriteLn('220 bridge STARTTLS echo ready');
    while True do
    begin
      Line := ReadLn;
      if Line = 'STARTTLS' then
      begin
        WriteLn('220 go ahead');
        PassThrough := False;
      end
      else
        WriteLn(Line);
    end;
  end;
end;

var
  Server: TIocpTCPServer;
  Handlers: THandlers;
begin
  IsMultiThread := True;
  if ParamCount < 5 then
  begin
    WriteLn('usage: bridge_starttls_server PORT CERT_FILE KEY_FILE default|iocp SECONDS');
    Halt(2);
  end;
  Handlers := THandlers.Create;
  Server := TIocpTCPServer.Create(nil);
  try
    with Server.Bindings.Add do
    begin
      IP := '127.0.0.1';
      Port := StrToInt(ParamStr(1));
    end;
    if ParamStr(4) = 'iocp' then Server.IOHandlerOptions.IOHandlerType := iohIOCP;
    Server.SSLOptions.Enabled := True;
    Server.SSLOptions.CertFile := ParamStr(2);
    Server.SSLOptions.KeyFile := ParamStr(3);
    Server.SSLOptions.PassThrough := True;  { Plain until the handler asks. }
    Server.OnExecute := Handlers.Execute;
    Server.Active := True;
    WriteLn('listening on ', ParamStr(1));
    Flush(Output);
    Sleep(StrToInt(ParamStr(5)) * 1000);
    Server.Active := False;
  finally
    Server.Free;
    Handlers.Free;
  end;
end.
