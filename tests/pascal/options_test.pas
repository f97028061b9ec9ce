{ The server's options and the event model seen from Pascal (TIocpTCPServer over the C ABI),
  in one engine:

    options_test --io default|iocp

  1. Every option of the engine's table (iocp_server_option_info) is a published property at
     the table's path: SaveToXmlString of a new server works and names them.
  2. A value out of range on a published property: Active := True raises, naming the option and
     its range; nothing listens.
  3. The XML configuration: a document sets the published properties (Bindings and Indy's
     three-valued ReuseSocket included); a refused document raises EIocpConfigError naming the
     element and changes nothing; Save -> Load -> Save gives the same text. The Windows DLL has
     no XML: there all of it raises EIocpConfigError.
  4. TIocpOptionGroup.Assign copies a group with its nested group.
  5. Bindings as Indy's: TCollection.Add starts an item on DefaultPort; Bindings := Other.
  6. OnMessage with Framing.Kind = fkLine, and OnDataAvailable, serve a client; OnExecute
     together with OnMessage is refused.
  7. SSLOptions: Indy's names and sets (SSLVersions, VerifyMode, Method), in the XML document;
     a bad certificate refuses activation with EIocpConfigError; with --certs DIR (certificates
     made for the run: ca.crt, server.crt, server.key) a STARTTLS server's handler has a
     TIocpSSLIOHandler (Indy's TIdSSLIOHandlerSocketBase) with PassThrough, and a plain client
     at a TLS server ends as 'TLS failed' with OpenSSL's reason in DisconnectDetail.
  8. ProxyProtocol: behind a load balancer (ppV1), the handler's Binding.PeerIP/PeerPort are the
     client's that the PROXY header names; activation without TrustedSources raises.
  9. Drain: OnDraining runs with Draining True, a handler that sees Draining ends its connection,
     Drain returns True and the server is inactive.
  Prints "N passed, N failed". }
program options_test;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF} SysUtils, Classes, IocpGlobal, IocpIOHandler, IocpTCPServer, IocpTCPClient, TestCheck, TestServer;

type
  THandlers = class
  public
    procedure Execute(AContext: TIocpContext);
    procedure Message(AContext: TIocpContext; const AMessage: TIdBytes);
    procedure DataAvailable(AContext: TIocpContext);
    procedure PeerEcho(AContext: TIocpContext);
    procedure DrainAware(AContext: TIocpContext);
    procedure Draining(Sender: TObject);
  end;

var
  DrainingSeen: Boolean;

{ Echo; between two lines, end the connection once the server drains. }
procedure THandlers.DrainAware(AContext: TIocpContext);
var
  IO: TIocpIOHandler;
  Line: string;
begin
  IO := AContext.Connection.IOHandler;
  Line := IO.ReadLn(#10, 50);
  if IO.ReadLnTimedout then
  begin
    if AContext.Server.Draining then
      AContext.Connection.Disconnect;
    Exit;
  end;
  IO.WriteLn(Line);
end;

procedure THandlers.Draining(Sender: TObject);
begin
  DrainingSeen := (Sender as TIocpTCPServer).Draining;
end;

{ The peer the handler sees, then the line. }
procedure THandlers.PeerEcho(AContext: TIocpContext);
var
  IO: TIocpIOHandler;
begin
  IO := AContext.Connection.IOHandler;
  IO.WriteLn(AContext.Binding.PeerIP + ' ' + IntToStr(AContext.Binding.PeerPort) + ' ' + IO.ReadLn);
end;

procedure THandlers.Execute(AContext: TIocpContext);
begin
  AContext.Connection.IOHandler.WriteLn(AContext.Connection.IOHandler.ReadLn);
end;

procedure THandlers.Message(AContext: TIocpContext; const AMessage: TIdBytes);
var
  S: AnsiString;
begin
  SetString(S, PAnsiChar(@AMessage[0]), Length(AMessage));
  AContext.Connection.IOHandler.WriteLn('msg:' + string(S));
end;

{ Echo every whole line that has arrived; a partial line stays for the next call. }
procedure THandlers.DataAvailable(AContext: TIocpContext);
var
  IO: TIocpIOHandler;
begin
  IO := AContext.Connection.IOHandler;
  while IO.InputBuffer.IndexOf(10) >= 0 do
    IO.WriteLn('data:' + IO.ReadLn);
end;

var
  Engine: string;
  NewServerType: TIdIOHandlerType;  { What NewServer sets. }
  H: THandlers;

function NewServer: TIocpTCPServer;
begin
  Result := NewLoopbackServer(Engine);
end;

{ True when loading AXml (ALoad) or saving (not ALoad: the document in AXml) raises
  EIocpConfigError; AMessage is its message. }
function ConfigRefused(S: TIocpTCPServer; ALoad: Boolean; var AXml: string; out AMessage: string): Boolean;
begin
  Result := False;
  AMessage := '';
  try
    if ALoad then
      S.LoadFromXmlString(AXml)
    else
      AXml := S.SaveToXmlString;
  except
    on E: EIocpConfigError do
    begin
      Result := True;
      AMessage := E.Message;
    end;
  end;
end;

function Raises(Server: TIocpTCPServer; out AMessage: string): Boolean;
begin
  Result := False;
  AMessage := '';
  try
    Server.Active := True;
  except
    on E: Exception do
    begin
      Result := True;
      AMessage := E.Message;
    end;
  end;
  Server.Active := False;
end;

procedure OutOfRange;
var
  S: TIocpTCPServer;
  Msg: string;
begin
  S := NewServer;
  try
    S.OnExecute := H.Execute;
    S.IOHandlerOptions.IOCP.FiberStackSize := 4096;
    Check(Raises(S, Msg), 'FiberStackSize = 4096 is refused');
    Check(Pos('IOHandlerOptions.IOCP.FiberStackSize = 4096 is not allowed; allowed range: 16384..', Msg) > 0,
      'the refusal names the option and its range: ' + Msg);
    Check(not S.Active, 'nothing listens after a refused value');
    S.IOHandlerOptions.IOCP.FiberStackSize := 65536;
    S.Framing.LengthBytes := 3;
    Check(Raises(S, Msg) and (Pos('Framing.LengthBytes = 3 is not allowed', Msg) > 0),
      'Framing.LengthBytes = 3 is refused: ' + Msg);
  finally
    S.Free;
  end;
end;

const
  Doc = '<TIocpTCPServer>' +
    '<DefaultPort>7001</DefaultPort>' +
    '<Bindings><Binding IP="127.0.0.2" Port="7002"/><Binding IP="::1"/></Bindings>' +
    '<ReuseSocket>false</ReuseSocket>' +
    '<IOHandlerOptions><IOCP><FiberStackSize>131072</FiberStackSize><Backend>ibIoUring</Backend></IOCP></IOHandlerOptions>' +
    '<Heartbeat><Interval>1234</Interval><Mode>hbWhenIdle</Mode><Payload>PING\r\n</Payload></Heartbeat>' +
    '<Framing><Kind>fkLengthPrefixed</Kind><LengthBytes>2</LengthBytes></Framing>' +
    '</TIocpTCPServer>';

procedure Xml;
var
  S, T: TIocpTCPServer;
  Saved, Msg, Bad: string;
  Refused: Boolean;
begin
  S := NewServer;
  T := TIocpTCPServer.Create(nil);
  try
    Refused := ConfigRefused(S, False, Saved, Msg);
{$IFDEF MSWINDOWS}
    Check(Refused, 'the Windows DLL has no XML configuration: EIocpConfigError');
    Exit;
{$ENDIF}
    Check(not Refused, 'SaveToXmlString of a new server: ' + Msg);
    Check(Pos('<FiberStackSize>262144</FiberStackSize>', Saved) > 0, 'the saved document names the IOCP options');
    Check(Pos('<Delimiter>\n</Delimiter>', Saved) > 0, 'the saved document names Framing');
    Check(Pos('<ReceiveBufferSize>0</ReceiveBufferSize>', Saved) > 0, 'the saved document names ReceiveBufferSize');
    S.LoadFromXmlString(Doc);
    Check(S.DefaultPort = 7001, 'DefaultPort loaded');
    Check((S.Bindings.Count = 2) and (S.Bindings[0].IP = '127.0.0.2') and (S.Bindings[0].Port = 7002) and
      (S.Bindings[1].IP = '::1') and (S.Bindings[1].Port = 7001), 'Bindings loaded (a Binding without Port takes DefaultPort)');
    Check(S.ReuseSocket = rsFalse, 'ReuseSocket false -> rsFalse');
    Check(S.IOHandlerOptions.IOCP.FiberStackSize = 131072, 'IOCP.FiberStackSize loaded');
    Check(S.IOHandlerOptions.IOCP.Backend = ibIoUring, 'IOCP.Backend loaded');
    Check(S.IOHandlerOptions.IOHandlerType = NewServerType, 'IOHandlerType kept (not in the document)');
    Check((S.Heartbeat.Interval = 1234) and (S.Heartbeat.Mode = hbWhenIdle), 'Heartbeat loaded');
    Check(S.Heartbeat.Payload = 'PING'#13#10, 'Heartbeat.Payload unescaped');
    Check((S.Framing.Kind = fkLengthPrefixed) and (S.Framing.LengthBytes = 2), 'Framing loaded');
    { A refused document changes nothing. }
    Bad := '<TIocpTCPServer><DefaultPort>1</DefaultPort><Heartbeat><Interval>0</Interval></Heartbeat></TIocpTCPServer>';
    Refused := ConfigRefused(S, True, Bad, Msg);
    Check(Refused and (Pos('TIocpTCPServer/Heartbeat/Interval', Msg) > 0), 'a bad value raises EIocpConfigError naming it: ' + Msg);
    Check((S.DefaultPort = 7001) and (S.Heartbeat.Interval = 1234), 'a refused document changes nothing');
    { Save -> Load -> Save. }
    Saved := S.SaveToXmlString;
    T.LoadFromXmlString(Saved);
    Check(T.SaveToXmlString = Saved, 'Save -> Load -> Save gives the same document');
    { Files. }
    S.SaveToXml('options_test.xml');
    T.Heartbeat.Interval := 5;
    T.LoadFromXml('options_test.xml');
    Check(T.Heartbeat.Interval = 1234, 'SaveToXml / LoadFromXml');
    DeleteFile('options_test.xml');
    Refused := False;
    try
      T.LoadFromXml('no-such-file.xml');
    except
      on E: EIocpConfigError do
        Refused := Pos('no-such-file.xml', E.Message) > 0;
    end;
    Check(Refused, 'a missing file raises EIocpConfigError naming it');
  finally
    T.Free;
    S.Free;
  end;
end;

procedure AssignGroups;
var
  A, B: TIocpIOHandlerOptions;
begin
  A := TIocpIOHandlerOptions.Create;
  B := TIocpIOHandlerOptions.Create;
  try
    A.IOHandlerType := iohIOCP;
    A.IOCP.WorkOpThreads := 3;
    A.IOCP.Backend := ibIoUring;
    B.Assign(A);
    Check((B.IOHandlerType = iohIOCP) and (B.IOCP.WorkOpThreads = 3) and (B.IOCP.Backend = ibIoUring),
      'Assign copies a group and its nested group');
  finally
    B.Free;
    A.Free;
  end;
end;

{ Bindings as Indy's: an item the collection makes itself (the IDE's collection editor calls
  TCollection.Add) starts on DefaultPort, and Bindings := Other copies every item. }
procedure BindingsAsIndy;
var
  S, T: TIocpTCPServer;
  Item: TIocpSocketHandle;
begin
  S := TIocpTCPServer.Create(nil);
  T := TIocpTCPServer.Create(nil);
  try
    S.DefaultPort := 7200;
    Item := TIocpSocketHandle(TCollection(S.Bindings).Add);
    Check(Item.Port = 7200, 'an item TCollection.Add makes starts on DefaultPort: ' + IntToStr(Item.Port));
    T.DefaultPort := 7100;
    T.Bindings.Add.IP := '127.0.0.3';
    T.Bindings.Add.IP := '::1';
    S.Bindings := T.Bindings;
    Check((S.Bindings.Count = 2) and (S.Bindings[0].IP = '127.0.0.3') and (S.Bindings[0].Port = 7100) and
      (S.Bindings[1].IP = '::1'), 'Bindings := Other copies every binding');
  finally
    T.Free;
    S.Free;
  end;
end;

function Exchange(Server: TIocpTCPServer; const ASend: string; ALines: Integer): string;
var
  C: TIocpTCPClient;
  I: Integer;
begin
  Result := '';
  C := TIocpTCPClient.Create(nil);
  try
    C.ReadTimeout := 30000;  { Only a broken server makes a read wait this long. }
    C.Connect('127.0.0.1', Server.Bindings[0].Port);
    C.IOHandler.Write(ASend);
    for I := 1 to ALines do
      Result := Result + C.IOHandler.ReadLn + '|';
    C.Disconnect;
  finally
    C.Free;
  end;
end;

type
  TTlsHandlers = class
  public
    Reason, Detail: string;
    Ended: Boolean;
    Seen: string;  { What VerifyPeer saw, one line per certificate. }
    RefuseClient: Boolean;
    procedure Execute(AContext: TIocpContext);
    procedure Disconnect(AContext: TIocpContext);
    { What Indy's TLS servers do in OnConnect: the handshake starts now. }
    procedure StartTls(AContext: TIocpContext);
    { Indy's event signatures, as a form's handlers declare them. }
    procedure GetPassword(var Password: string);
    function VerifyPeer(Certificate: TIdX509; AOk: Boolean; ADepth, AError: Integer): Boolean;
  end;

procedure TTlsHandlers.StartTls(AContext: TIocpContext);
begin
  (AContext.Connection.IOHandler as TIocpSSLIOHandler).PassThrough := False;
end;

procedure TTlsHandlers.GetPassword(var Password: string);
begin
  Password := 'indy key password';  { make_test_certs' server-locked.key. }
end;

function TTlsHandlers.VerifyPeer(Certificate: TIdX509; AOk: Boolean; ADepth, AError: Integer): Boolean;
begin
  Seen := Seen + IntToStr(ADepth) + ' ' + Certificate.Subject.OneLine + ' by ' + Certificate.Issuer.OneLine + ' ' +
    BoolToStr(AOk, True) + ' ' + IntToStr(Length(Certificate.FingerprintAsString)) + ' ' +
    BoolToStr(Certificate.notBefore < Certificate.notAfter, True) + ';';
  Result := AOk and not (RefuseClient and (ADepth = 0));
end;

procedure TTlsHandlers.Execute(AContext: TIocpContext);
var
  IO: TIocpIOHandler;
begin
  IO := AContext.Connection.IOHandler;
  IO.WriteLn(BoolToStr(IO is TIocpSSLIOHandler, True) + ' ' + BoolToStr(IO.PassThrough, True));
  if IO.ReadLn = 'STARTTLS' then
  begin
    IO.WriteLn('go ahead');
    IO.PassThrough := False;  { Indy's STARTTLS: the handshake, here. }
    IO.WriteLn('secure ' + BoolToStr(IO.PassThrough, True));
    IO.ReadLn;
  end;
end;

procedure TTlsHandlers.Disconnect(AContext: TIocpContext);
begin
  Reason := AContext.DisconnectReason;
  Detail := AContext.DisconnectDetail;
  Ended := True;
end;

function ArgAfter(const AName: string): string;
var
  I: Integer;
begin
  Result := '';
  for I := 1 to ParamCount - 1 do
    if ParamStr(I) = AName then
      Result := ParamStr(I + 1);
end;

procedure SSLOptions;
var
  S, T, S2: TIocpTCPServer;
  SSL: TIocpServerIOHandlerSSL;
  TH: TTlsHandlers;
  C: TIocpTCPClient;
  Saved, Msg, Certs: string;
  Refused: Boolean;
  I: Integer;
begin
  S := NewServer;
  T := NewServer;
  TH := TTlsHandlers.Create;
  try
    Check(S.SSLOptions.SSLVersions = [sslvTLSv1_2, sslvTLSv1_3], 'SSLVersions: TLS 1.2 and 1.3 on a new server');
    Check(S.SSLOptions.Method = sslvSSLv23, 'Method of two versions reads sslvSSLv23, as Indy''s');
    S.SSLOptions.Method := sslvTLSv1_2;
    Check(S.SSLOptions.SSLVersions = [sslvTLSv1_2], 'Method := sslvTLSv1_2 sets SSLVersions, as Indy''s');
    S.SSLOptions.SSLVersions := [sslvTLSv1_3];
    S.SSLOptions.VerifyMode := [sslvrfPeer, sslvrfFailIfNoPeerCert];
    S.SSLOptions.CertFile := 'server.pem';
    with S.SSLOptions.SNICertificates.Add do
    begin
      HostName := '*.example.org';
      CertFile := 'org.pem';
      KeyFile := 'org.key';
    end;
{$IFNDEF MSWINDOWS}
    Refused := ConfigRefused(S, False, Saved, Msg);
    Check(Pos('<Certificate HostName="*.example.org" CertFile="org.pem" KeyFile="org.key" />', Saved) > 0,
      'SNICertificates in the XML document: ' + Saved);
    Check(not Refused and (Pos('<SSLVersions>[sslvTLSv1_3]</SSLVersions>', Saved) > 0) and
      (Pos('<VerifyMode>[sslvrfPeer,sslvrfFailIfNoPeerCert]</VerifyMode>', Saved) > 0) and
      (Pos('<CertFile>server.pem</CertFile>', Saved) > 0), 'SSLOptions in the XML document, sets as Delphi writes them');
    Refused := ConfigRefused(T, True, Saved, Msg);
    Check(not Refused and (T.SSLOptions.VerifyMode = [sslvrfPeer, sslvrfFailIfNoPeerCert]) and
      (T.SSLOptions.SSLVersions = [sslvTLSv1_3]), 'SSLOptions loaded back into the published sets: ' + Msg);
    Check((T.SSLOptions.SNICertificates.Count = 1) and (T.SSLOptions.SNICertificates[0].KeyFile = 'org.key'),
      'SNICertificates loaded back into the collection');
{$ENDIF}
    S.OnExecute := TH.Execute;
    S.SSLOptions.Enabled := True;
    S.SSLOptions.CertFile := 'no-such-certificate.pem';
    try
      S.Active := True;
      Check(False, 'a missing certificate file was accepted');
    except
      on E: EIocpConfigError do
        Check(Pos('SSLOptions', E.Message) > 0, 'a missing certificate raises EIocpConfigError: ' + E.Message);
    end;
    Check(not S.Active, 'nothing listens after a refused certificate');
    S.SSLOptions.SNICertificates.Clear;  { Its files do not exist. }

    Certs := ArgAfter('--certs');
    if Certs = '' then
      Exit;  { A build without TLS: no certificates to serve with. }
    S.SSLOptions.SSLVersions := [sslvTLSv1_2, sslvTLSv1_3];
    S.SSLOptions.VerifyMode := [];
    S.SSLOptions.CertFile := Certs + '/server.crt';
    S.SSLOptions.KeyFile := Certs + '/server.key';
    S.SSLOptions.PassThrough := True;  { STARTTLS: plain until the handler asks. }
    S.OnDisconnect := TH.Disconnect;
    S.Active := True;
    C := TIocpTCPClient.Create(nil);
    try
      C.ReadTimeout := 30000;
      C.SSLOptions.Enabled := True;
      C.SSLOptions.PassThrough := True;  { Plain until STARTTLS. }
      C.SSLOptions.RootCertFile := Certs + '/ca.crt';
      C.SSLOptions.VerifyMode := [sslvrfPeer];
      C.Connect('localhost', S.Bindings[0].Port);
      Check(C.IOHandler.ReadLn = 'True True', 'a STARTTLS server''s handler: TIocpSSLIOHandler, PassThrough');
      C.IOHandler.WriteLn('STARTTLS');
      Check(C.IOHandler.ReadLn = 'go ahead', 'STARTTLS answered in plain text');
      C.IOHandler.PassThrough := False;  { The client's side of the handshake. }
      Check(C.IOHandler.ReadLn = 'secure False', 'after STARTTLS both ends speak TLS');
      C.Disconnect;
    finally
      C.Free;
    end;
    S.Active := False;
    S.SSLOptions.PassThrough := False;  { TLS from the first byte: a TLS client is served. }
    S.Active := True;
    C := TIocpTCPClient.Create(nil);
    try
      C.ReadTimeout := 30000;
      C.SSLOptions.Enabled := True;
      C.SSLOptions.RootCertFile := Certs + '/ca.crt';
      C.SSLOptions.VerifyMode := [sslvrfPeer];
      C.Connect('localhost', S.Bindings[0].Port);
      Check(C.IOHandler.ReadLn = 'True False', 'TLS from the first byte with a Pascal TLS client');
      C.Disconnect;
    finally
      C.Free;
    end;
    S.Active := False;
    TH.Ended := False;
    S.Active := True;  { Still TLS from the first byte: a plain client fails. }
    C := TIocpTCPClient.Create(nil);
    try
      C.ReadTimeout := 30000;
      C.Connect('127.0.0.1', S.Bindings[0].Port);
      C.IOHandler.WriteLn('plain text');
      for I := 1 to 3000 do
        if not TH.Ended then
          Sleep(10);
      Check(TH.Reason = 'TLS failed', 'a plain client at a TLS server: ' + TH.Reason);
      Check(Pos('TLS handshake failed', TH.Detail) > 0, 'DisconnectDetail has OpenSSL''s reason: ' + TH.Detail);
    finally
      C.Free;
    end;
    S.Active := False;

    { OnGetPassword and OnVerifyPeer with Indy's signatures: an encrypted key, the client's
      certificate seen and decided on by the server's handler, the server's by the client's. }
    S.SSLOptions.KeyFile := Certs + '/server-locked.key';
    try
      S.Active := True;
      Check(False, 'an encrypted key without OnGetPassword was accepted');
    except
      on E: EIocpConfigError do
        Check(Pos('OnGetPassword', E.Message) > 0, 'an encrypted key needs OnGetPassword: ' + E.Message);
    end;
    S.OnGetPassword := TH.GetPassword;
    S.OnVerifyPeer := TH.VerifyPeer;
    S.SSLOptions.RootCertFile := Certs + '/ca.crt';
    S.SSLOptions.VerifyMode := [sslvrfPeer, sslvrfFailIfNoPeerCert];
    S.Active := True;
    TH.Ended := False;
    C := TIocpTCPClient.Create(nil);
    try
      C.ReadTimeout := 30000;
      C.SSLOptions.Enabled := True;
      C.SSLOptions.RootCertFile := Certs + '/ca.crt';
      C.SSLOptions.CertFile := Certs + '/client.crt';
      C.SSLOptions.KeyFile := Certs + '/client.key';
      C.SSLOptions.VerifyMode := [sslvrfPeer];
      C.OnVerifyPeer := TH.VerifyPeer;
      C.Connect('localhost', S.Bindings[0].Port);
      Check(C.IOHandler.ReadLn = 'True False', 'an encrypted server key opened with OnGetPassword');
      C.Disconnect;
    finally
      C.Free;
    end;
    Check(Pos('0 /CN=localhost by /CN=test CA True 47 True;', TH.Seen) > 0,
      'the client''s OnVerifyPeer saw the server''s certificate: ' + TH.Seen);
    Check(Pos('0 /CN=test client by /CN=test CA True 47 True;', TH.Seen) > 0,
      'the server''s OnVerifyPeer saw the client''s certificate: ' + TH.Seen);
    Check(Pos('1 /CN=test CA by /CN=test CA True', TH.Seen) > 0, 'the CA came first: ' + TH.Seen);
    for I := 1 to 3000 do  { That connection's OnDisconnect, before the next one is watched. }
      if not TH.Ended then
        Sleep(10);
    TH.RefuseClient := True;  { The server's handler now refuses what OpenSSL accepts. }
    TH.Ended := False;
    C := TIocpTCPClient.Create(nil);
    try
      C.ReadTimeout := 30000;
      C.SSLOptions.Enabled := True;
      C.SSLOptions.CertFile := Certs + '/client.crt';
      C.SSLOptions.KeyFile := Certs + '/client.key';
      try
        C.Connect('localhost', S.Bindings[0].Port);
        C.IOHandler.ReadLn;  { TLS 1.3: the client may finish before the server refuses. }
      except
        on E: Exception do ;
      end;
      for I := 1 to 3000 do
        if not TH.Ended then
          Sleep(10);
      Check(TH.Reason = 'TLS failed', 'a client the server''s OnVerifyPeer refused: ' + TH.Reason + ' | ' + TH.Detail);
    finally
      C.Free;
    end;
    S.Active := False;

    { TLS set up in code, as Indy's code does it: an SSL server IOHandler made and assigned to
      the server's IOHandler. The server takes its options and events at activation; as in Indy,
      a connection is plain until its handler sets PassThrough := False (here in OnConnect). }
    S2 := TIocpTCPServer.Create(nil);
    try
      SSL := TIocpServerIOHandlerSSL.Create(S2);
      SSL.SSLOptions.Method := sslvTLSv1_2;
      SSL.SSLOptions.Mode := sslmServer;
      SSL.SSLOptions.CertFile := Certs + '/server.crt';
      SSL.SSLOptions.KeyFile := Certs + '/server-locked.key';
      SSL.OnGetPassword := TH.GetPassword;  { The IOHandler's event, taken by the server. }
      S2.IOHandler := SSL;
      S2.Bindings.Add.IP := '127.0.0.1';
      S2.OnConnect := TH.StartTls;
      S2.OnExecute := TH.Execute;
      S2.Active := True;
      Check(S2.SSLOptions.Enabled and S2.SSLOptions.PassThrough and (S2.SSLOptions.SSLVersions = [sslvTLSv1_2]),
        'the server took the IOHandler''s SSLOptions (Enabled, PassThrough as in Indy, Method)');
      C := TIocpTCPClient.Create(nil);
      try
        C.ReadTimeout := 30000;
        C.SSLOptions.Enabled := True;
        C.SSLOptions.RootCertFile := Certs + '/ca.crt';
        C.SSLOptions.VerifyMode := [sslvrfPeer];
        C.Connect('localhost', S2.Bindings[0].Port);
        Check(C.IOHandler.ReadLn = 'True False', 'TLS set up in code: OnConnect''s PassThrough := False, a TLS client served');
        C.Disconnect;
      finally
        C.Free;
      end;
      S2.Active := False;
      S2.OnConnect := nil;  { No handler starts TLS: Indy's server spoke plain text, and so does this. }
      S2.Active := True;
      C := TIocpTCPClient.Create(nil);
      try
        C.ReadTimeout := 30000;
        C.Connect('127.0.0.1', S2.Bindings[0].Port);
        Check(C.IOHandler.ReadLn = 'True True', 'TLS set up in code without PassThrough := False: plain, as in Indy');
        C.Disconnect;
      finally
        C.Free;
      end;
      S2.Active := False;
      SSL.Free;
      Check(S2.IOHandler = nil, 'a freed IOHandler is forgotten by the server');
    finally
      S2.Free;
    end;
  finally
    TH.Free;
    T.Free;
    S.Free;
  end;
end;

procedure EventModel;
var
  S: TIocpTCPServer;
  Msg: string;
begin
  S := NewServer;
  try
    S.Framing.Kind := fkLine;
    S.OnMessage := H.Message;
    S.Active := True;
    Check(Exchange(S, 'one'#13#10'two'#10'thr', 2) = 'msg:one|msg:two|', 'OnMessage gets whole lines');
    S.Active := False;
    S.OnMessage := nil;
    S.OnDataAvailable := H.DataAvailable;
    S.Active := True;
    Check(Exchange(S, 'a'#10'b'#10, 2) = 'data:a|data:b|', 'OnDataAvailable serves');
    S.Active := False;
    S.OnExecute := H.Execute;
    Check(Raises(S, Msg) and (Pos('assigned together', Msg) > 0), 'OnExecute with OnDataAvailable is refused: ' + Msg);
    S.OnDataAvailable := nil;
    S.Active := True;
    Check(Exchange(S, 'x'#10, 1) = 'x|', 'OnExecute alone serves again');
    S.Active := False;
  finally
    S.Free;
  end;
end;

procedure ProxyProtocol;
var
  S: TIocpTCPServer;
  Msg: string;
begin
  S := NewServer;
  try
    S.OnExecute := H.PeerEcho;
    S.ProxyProtocol.Mode := ppV1;
    Check(Raises(S, Msg) and (Pos('ProxyProtocol.TrustedSources is empty', Msg) > 0),
      'ProxyProtocol without TrustedSources is refused: ' + Msg);
    S.ProxyProtocol.TrustedSources := '127.0.0.1, ::1';
    S.ProxyProtocol.Timeout := 10000;
    S.Active := True;
    Msg := Exchange(S, 'PROXY TCP4 203.0.113.9 10.0.0.1 4000 443'#13#10'hello'#13#10, 1);
    Check(Msg = '203.0.113.9 4000 hello|', 'PeerIP and PeerPort are the ones the PROXY header names: ' + Msg);
    S.Active := False;
  finally
    S.Free;
  end;
end;

procedure DrainServer;
var
  S: TIocpTCPServer;
  C: TIocpTCPClient;
begin
  S := NewServer;
  C := TIocpTCPClient.Create(nil);
  try
    S.OnExecute := H.DrainAware;
    S.OnDraining := H.Draining;
    S.Active := True;
    C.ReadTimeout := 30000;
    C.Connect('127.0.0.1', S.Bindings[0].Port);
    C.IOHandler.WriteLn('before');
    Check(C.IOHandler.ReadLn = 'before', 'served before the drain');
    Check(not S.Draining, 'not draining before Drain');
    Check(S.Drain(60000), 'Drain: the handler that saw Draining ended its connection');
    Check(DrainingSeen, 'OnDraining ran with Draining True');
    Check(not S.Active, 'inactive after Drain');
  finally
    C.Free;
    S.Free;
  end;
end;

begin
  Engine := EngineFromArgs;
  NewServerType := iohDefault;
  if Engine = 'iocp' then
    NewServerType := iohIOCP;
  H := THandlers.Create;
  try
    OutOfRange;
    Xml;
    AssignGroups;
    BindingsAsIndy;
    EventModel;
    SSLOptions;
    ProxyProtocol;
    DrainServer;
  finally
    H.Free;
  end;
  Report;
end.
