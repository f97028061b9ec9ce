{ Forms saved the way the IDEs save them load through the RTL's own streaming (ObjectTextToBinary
  + ReadComponent) into a TDataModule, go active in Loaded, serve, and write back the same text:

  1. A module with TIocpTCPServer: IOHandlerOptions.IOHandlerType = iohIOCP,
     IOHandlerOptions.IOCP.IOCPThreads = 2, WorkOpThreads = 0 (the default: not stored),
     IOCP.Backend = ibIoUring (ibDefault is not stored), a Bindings collection, DefaultPort,
     heartbeat options, OnConnect/OnDisconnect/OnExecute bound to the module's methods,
     Active = True.
  2. A module saved for Indy ("object IdTCPServer1: TIdTCPServer", Bindings = <>, DefaultPort,
     OnExecute = IdTCPServer1Execute) loads unchanged through IocpIndyCompat and serves; with the
     one line "IOHandlerOptions.IOHandlerType = iohIOCP" added it runs on the completion engine.
  3. Bad forms (an unknown enum value, a wrong property type, a missing event method) fail with
     the RTL's error, and nothing is left listening.
  Prints "N passed, N failed". }
program form_streaming;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF} SysUtils, Classes, IocpIndyCompat, IocpTCPServer, IocpTCPClient, TestCheck, TestForms;

type
  TServerModule = class(TDataModule)
  published
    IocpServer: TIocpTCPServer;
    IdTCPServer1: TIdTCPServer;
    procedure ServerConnect(AContext: TIocpContext);
    procedure ServerDisconnect(AContext: TIocpContext);
    procedure ServerExecute(AContext: TIocpContext);
    procedure IdTCPServer1Execute(AContext: TIdContext);
    { Indy's TLS event signatures, as a form moved by iocp-migrate keeps them. }
    procedure ServerGetPassword(var Password: string);
    function ServerVerifyPeer(Certificate: TIdX509; AOk: Boolean; ADepth, AError: Integer): Boolean;
  public
    Connects, Disconnects: Integer;
  end;

procedure TServerModule.ServerConnect(AContext: TIocpContext);
begin
  InterlockedIncrement(Connects);
end;

procedure TServerModule.ServerDisconnect(AContext: TIocpContext);
begin
  InterlockedIncrement(Disconnects);
end;

procedure TServerModule.ServerExecute(AContext: TIocpContext);
begin
  AContext.Connection.IOHandler.WriteLn('module: ' + AContext.Connection.IOHandler.ReadLn);
end;

procedure TServerModule.ServerGetPassword(var Password: string);
begin
  Password := 'from the form';
end;

function TServerModule.ServerVerifyPeer(Certificate: TIdX509; AOk: Boolean; ADepth, AError: Integer): Boolean;
begin
  Result := AOk;
end;

procedure TServerModule.IdTCPServer1Execute(AContext: TIdContext);
begin
  AContext.Connection.IOHandler.WriteLn('indy form: ' + AContext.Connection.IOHandler.ReadLn);
end;

const
  IocpForm =
    'object ServerModule: TServerModule'#10 +
    '  OldCreateOrder = False'#10 +
    '  Height = 150'#10 +
    '  HorizontalOffset = 0'#10 +
    '  VerticalOffset = 0'#10 +
    '  Width = 150'#10 +
    '  object IocpServer: TIocpTCPServer'#10 +
    '    Active = True'#10 +
    '    Bindings = <'#10 +
    '      item'#10 +
    '        IP = ''127.0.0.1'''#10 +
    '      end>'#10 +
    '    DefaultPort = 0'#10 +
    '    IOHandlerOptions.IOHandlerType = iohIOCP'#10 +
    '    IOHandlerOptions.IOCP.IOCPThreads = 2'#10 +
    '    IOHandlerOptions.IOCP.Backend = ibIoUring'#10 +
    '    Heartbeat.Enabled = True'#10 +
    '    Heartbeat.Interval = 5000'#10 +
    '    SSLOptions.SSLVersions = [sslvTLSv1_3]'#10 +
    '    SSLOptions.VerifyMode = [sslvrfPeer, sslvrfFailIfNoPeerCert]'#10 +
    '    SSLOptions.HandshakeTimeout = 2500'#10 +
    '    SSLOptions.SNICertificates = <'#10 +
    '      item'#10 +
    '        HostName = ''mail.example.com'''#10 +
    '        CertFile = ''mail.pem'''#10 +
    '        KeyFile = ''mail.key'''#10 +
    '      end>'#10 +
    '    OnConnect = ServerConnect'#10 +
    '    OnDisconnect = ServerDisconnect'#10 +
    '    OnExecute = ServerExecute'#10 +
    '    OnGetPassword = ServerGetPassword'#10 +
    '    OnVerifyPeer = ServerVerifyPeer'#10 +
    '    left = 40'#10 +
    '    top = 20'#10 +
    '  end'#10 +
    'end'#10;

function IndyForm(const ExtraLine: string): string;
begin
  Result :=
    'object ServerModule: TServerModule'#10 +
    '  object IdTCPServer1: TIdTCPServer'#10 +
    '    Bindings = <>'#10 +
    '    DefaultPort = 0'#10 +
    ExtraLine +
    '    OnExecute = IdTCPServer1Execute'#10 +
    '  end'#10 +
    'end'#10;
end;

{ Load a module from form text, as the IDE's streaming does. }
function LoadModule(const Text: string): TServerModule;
var
  Src, Bin: TStringStream;
begin
  Result := TServerModule.CreateNew(nil);
  Src := TStringStream.Create(Text);
  Bin := TStringStream.Create('');
  try
    try
      ObjectTextToBinary(Src, Bin);
      Bin.Position := 0;
      Bin.ReadComponent(Result);
    except
      Result.Free;
      raise;
    end;
  finally
    Src.Free;
    Bin.Free;
  end;
end;

function Ask(Port: Integer; const Line: string): string;
var
  C: TIocpTCPClient;
begin
  C := TIocpTCPClient.Create(nil);
  try
    C.ReadTimeout := 30000;  { Only a broken server makes a read wait this long. }
    C.Connect('127.0.0.1', Port);
    C.IOHandler.WriteLn(Line);
    Result := C.IOHandler.ReadLn;
  finally
    C.Free;
  end;
end;

procedure LoadsAndServes;
var
  M: TServerModule;
  Text: string;
begin
  M := LoadModule(IocpForm);
  try
    Check(M.IocpServer.Active, 'active after Loaded');
    Check(M.IocpServer.IOHandlerOptions.IOHandlerType = iohIOCP, 'IOHandlerType streamed');
    Check(M.IocpServer.IOHandlerOptions.IOCP.IOCPThreads = 2, 'IOCPThreads streamed');
    Check(M.IocpServer.IOHandlerOptions.IOCP.Backend = ibIoUring, 'Backend streamed');
    Check(M.IocpServer.ActiveBackend <> '', 'ActiveBackend names what serves the loaded server');
    Check(M.IocpServer.Bindings.Count = 1, 'one binding');
    Check(Ask(M.IocpServer.Bindings[0].Port, 'hello') = 'module: hello', 'serves through the module''s OnExecute');
    Text := FormText(M);
    Check(Pos('IOHandlerOptions.IOHandlerType = iohIOCP', Text) > 0, 'IOHandlerType written back');
    Check(Pos('IOHandlerOptions.IOCP.IOCPThreads = 2', Text) > 0, 'IOCPThreads written back');
    Check(Pos('IOHandlerOptions.IOCP.Backend = ibIoUring', Text) > 0, 'Backend written back');
    Check(Pos('WorkOpThreads', Text) = 0, 'defaults are not written');
    Check(Pos('ListenQueue', Text) = 0, 'ListenQueue default not written');
    Check(Pos('OnExecute = ServerExecute', Text) > 0, 'event binding written back');
    Check((M.IocpServer.SSLOptions.SSLVersions = [sslvTLSv1_3]) and
      (M.IocpServer.SSLOptions.VerifyMode = [sslvrfPeer, sslvrfFailIfNoPeerCert]) and
      (M.IocpServer.SSLOptions.HandshakeTimeout = 2500), 'SSLOptions streamed (sets as Delphi writes them)');
    Check(Pos('SSLOptions.SSLVersions = [sslvTLSv1_3]', Text) > 0, 'SSLVersions written back');
    Check((M.IocpServer.SSLOptions.SNICertificates.Count = 1) and
      (M.IocpServer.SSLOptions.SNICertificates[0].HostName = 'mail.example.com') and
      (M.IocpServer.SSLOptions.SNICertificates[0].KeyFile = 'mail.key'), 'SSLOptions.SNICertificates streamed');
    Check(Pos('HostName = ''mail.example.com''', Text) > 0, 'SNICertificates written back');
    Check(Assigned(M.IocpServer.OnGetPassword) and Assigned(M.IocpServer.OnVerifyPeer) and
      (Pos('OnGetPassword = ServerGetPassword', Text) > 0) and (Pos('OnVerifyPeer = ServerVerifyPeer', Text) > 0),
      'OnGetPassword and OnVerifyPeer (Indy''s signatures) bound and written back');
    Check(Pos('SSLOptions.VerifyMode = [sslvrfPeer, sslvrfFailIfNoPeerCert]', Text) > 0, 'VerifyMode written back');
    Check(Pos('SSLOptions.Method', Text) = 0, 'Method is not written (SSLVersions says it)');
    Check(Pos('SSLOptions.Enabled', Text) = 0, 'SSLOptions.Enabled = False is not written');
    M.IocpServer.Active := False;
    Check(M.IocpServer.ActiveBackend = '', 'no ActiveBackend once inactive');
    M.IocpServer.IOHandlerOptions.IOCP.Backend := ibDefault;
    Check(Pos('Backend', FormText(M)) = 0, 'Backend = ibDefault is not written');
    Check(M.Connects = 1, Format('%d OnConnect', [M.Connects]));
    Check(M.Disconnects = 1, Format('%d OnDisconnect', [M.Disconnects]));
  finally
    M.Free;
  end;
end;

{ Load the Indy form (with ExtraLine added), check its engine, serve one line. }
procedure IndyFormServes(const ExtraLine: string; AType: TIdIOHandlerType; const What: string);
var
  M: TServerModule;
begin
  M := LoadModule(IndyForm(ExtraLine));
  try
    Check(M.IdTCPServer1 is TIocpTCPServer, 'TIdTCPServer loads as TIocpTCPServer');
    Check(M.IdTCPServer1.IOHandlerOptions.IOHandlerType = AType, What + ': the engine');
    M.IdTCPServer1.Bindings.Add.IP := '127.0.0.1';
    M.IdTCPServer1.Active := True;
    Check(Ask(M.IdTCPServer1.Bindings[0].Port, What) = 'indy form: ' + What, What + ': serves');
  finally
    M.Free;
  end;
end;

procedure IndyFormLoadsUnchanged;
begin
  IndyFormServes('', iohDefault, 'unchanged Indy form (thread per connection)');
  IndyFormServes('    IOHandlerOptions.IOHandlerType = iohIOCP'#10, iohIOCP,
    'Indy form plus one line (completion engine)');
end;

{ A port nothing listens on right now: the OS's choice for a server that is then stopped. (Not a
  fixed number: another run of this test, or anything else, may hold that one.) }
function FreePort: Integer;
var
  Probe: TIocpTCPServer;
begin
  Probe := TIocpTCPServer.Create(nil);
  try
    Probe.Bindings.Add.IP := '127.0.0.1';
    Probe.OnExecute := TServerModule(nil).ServerExecute;
    Probe.Active := True;
    Result := Probe.Bindings[0].Port;
    Probe.Active := False;
  finally
    Probe.Free;
  end;
end;

{ A bad form fails to load with the RTL's EReadError naming the property (Where), and leaves
  nothing listening on the port its binding gave. }
procedure BadFormFails(const Text, Where, What: string);
var
  M: TServerModule;
  Msg: string;
  Probe: TIocpTCPServer;
  Port: Integer;
begin
  Msg := '';
  Port := FreePort;
  try
    M := LoadModule(StringReplace(Text, '      end>', '        Port = ' + IntToStr(Port) + #10'      end>', []));
    M.Free;
  except
    on E: EReadError do
      Msg := E.ClassName + ': ' + E.Message;
    on E: Exception do
      Check(False, What + ': failed with ' + E.ClassName + ': ' + E.Message + ', not the RTL''s EReadError');
  end;
  Check(Pos('Error reading ' + Where + ':', Msg) > 0, What + ' must fail to load, naming ' + Where + ': ' + Msg);
  WriteLn('[ figures  ] ', What, ': ', Msg);
  { Nothing was left listening: the same address binds again at once, without SO_REUSEADDR. }
  Probe := TIocpTCPServer.Create(nil);
  try
    Probe.Bindings.Add.IP := '127.0.0.1';
    Probe.Bindings[0].Port := Port;
    Probe.ReuseSocket := rsFalse;
    Probe.OnExecute := TServerModule(nil).ServerExecute;
    try
      Probe.Active := True;
      Check(Probe.Active, What + ': nothing left listening');
    except
      on E: Exception do
        Check(False, What + ': the port is still taken: ' + E.Message);
    end;
  finally
    Probe.Free;
  end;
end;

begin
  IsMultiThread := True;
  RegisterClass(TServerModule);
  LoadsAndServes;
  IndyFormLoadsUnchanged;
  BadFormFails(StringReplace(IocpForm, '= iohIOCP', '= iohFastest', []),
    'IocpServer.IOHandlerOptions.IOHandlerType', 'an unknown enum value');
  BadFormFails(StringReplace(IocpForm, 'IOCPThreads = 2', 'IOCPThreads = ''two''', []),
    'IocpServer.IOHandlerOptions.IOCP.IOCPThreads', 'a wrong property type');
  BadFormFails(StringReplace(IocpForm, 'OnExecute = ServerExecute', 'OnExecute = NoSuchMethod', []),
    'IocpServer.OnExecute', 'a missing event method');
  Report;
end.
