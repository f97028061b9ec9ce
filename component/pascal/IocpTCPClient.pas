{ IocpTCPClient: TIocpTCPClient, a blocking TCP client with Indy's TIdTCPClient members over the
  C ABI. Threads: NOT thread safe; use a client from one thread at a time (its IOHandler's Write
  and Close excepted). Valid Delphi and Free Pascal (mode delphi). }
unit IocpTCPClient;

{$IFDEF FPC}
  {$mode delphi}
{$ENDIF}

interface

uses
  SysUtils, Classes, IocpApi, IocpGlobal, IocpIOHandler;

type
  TIocpTCPClient = class(TComponent)
  private
    FHandle: Piocp_client;
    FIOHandler: TIocpIOHandler;
    FHost: string;
    FPort: Integer;
    FConnectTimeout: Integer;
    FReadTimeout: Integer;
    FUseNagle: Boolean;
    FOnConnected, FOnDisconnected: TNotifyEvent;
    FSSLOptions: TIocpSSLOptions;
    FOnGetPassword: TPasswordEvent;
    FOnGetPasswordEx: TPasswordEventEx;
    FOnVerifyPeer: TVerifyPeerEvent;
    FTlsEvents: TIocpTlsEventHolder;  { What the C ABI's TLS callbacks reach (set by Connect). }
    procedure SetInt(AOption: Integer; AValue: Int64);
    procedure SetStr(AOption: Integer; const AValue: string);
    procedure SetSSLOptions(AValue: TIocpSSLOptions);
    function HandleNeeded: Piocp_client;
    function GetIOHandler: TIocpIOHandler;
  public
    constructor Create(AOwner: TComponent); overload; override;
    constructor Create; reintroduce; overload;  { Indy's: no owner. }
    destructor Destroy; override;
    { Connect to Host:Port (raises EIdConnectTimeout or EIdSocketError). }
    procedure Connect; overload;
    procedure Connect(const AHost: string; APort: Integer); overload;
    { Close the connection; harmless when not connected. ANotifyPeer: what is queued is sent. }
    procedure Disconnect; overload;
    procedure Disconnect(ANotifyPeer: Boolean); overload;
    function Connected: Boolean;
    { The connection's IOHandler. It and the engine's client behind it are created on first use
      (this property, Connect): a client that is only designed, streamed or edited makes no call
      into the library. }
    property IOHandler: TIocpIOHandler read GetIOHandler;
    property Socket: TIocpIOHandler read GetIOHandler;
  published
    property Host: string read FHost write FHost;
    property Port: Integer read FPort write FPort default 0;
    property ConnectTimeout: Integer read FConnectTimeout write FConnectTimeout default 0;
    property ReadTimeout: Integer read FReadTimeout write FReadTimeout default 0;
    property UseNagle: Boolean read FUseNagle write FUseNagle default True;
    { TLS (Indy: a TIdSSLIOHandlerSocketOpenSSL): with Enabled, Connect runs the handshake
      (unless PassThrough: then IOHandler.PassThrough := False does); Host goes as SNI, and with
      VerifyMode = [sslvrfPeer] the server's certificate must chain to RootCertFile and carry
      Host's name. A failed handshake raises EIdNotConnected with the reason. }
    property SSLOptions: TIocpSSLOptions read FSSLOptions write SetSSLOptions;
    property OnConnected: TNotifyEvent read FOnConnected write FOnConnected;
    property OnDisconnected: TNotifyEvent read FOnDisconnected write FOnDisconnected;
    { Indy's SSL IOHandler events (IocpIOHandler): an encrypted KeyFile's password (asked by
      Connect, on its thread) and the verdict on each certificate of the server's chain
      (VerifyMode with sslvrfPeer; inside Connect's handshake, on an I/O thread). }
    property OnGetPassword: TPasswordEvent read FOnGetPassword write FOnGetPassword;
    property OnGetPasswordEx: TPasswordEventEx read FOnGetPasswordEx write FOnGetPasswordEx;
    property OnVerifyPeer: TVerifyPeerEvent read FOnVerifyPeer write FOnVerifyPeer;
  end;

implementation

{ The component's own OnConnected / OnDisconnected, forwarded (no Pascal exception crosses). }
function DoClientEvent(AUser: Pointer; AClient: Piocp_client; AConnected: Boolean): Integer;
var
  C: TIocpTCPClient;
begin
  Result := IOCP_OK;
  try
    C := TIocpTCPClient(AUser);
    if AConnected and Assigned(C.FOnConnected) then C.FOnConnected(C);
    if not AConnected and Assigned(C.FOnDisconnected) then C.FOnDisconnected(C);
  except
    on E: Exception do
      Result := IocpReportHandlerError(E);
  end;
end;

function DoConnected(AUser: Pointer; AClient: Piocp_client): Integer; cdecl;
begin
  Result := DoClientEvent(AUser, AClient, True);
end;

function DoDisconnected(AUser: Pointer; AClient: Piocp_client): Integer; cdecl;
begin
  Result := DoClientEvent(AUser, AClient, False);
end;

constructor TIocpTCPClient.Create;
begin
  Create(nil);
end;

constructor TIocpTCPClient.Create(AOwner: TComponent);
begin
  inherited Create(AOwner);
  FHost := '127.0.0.1';
  FUseNagle := True;
  FSSLOptions := TIocpSSLOptions.Create;
  FTlsEvents := TIocpTlsEventHolder.Create;
  FTlsEvents.Sender := Self;
end;

function TIocpTCPClient.HandleNeeded: Piocp_client;
var
  H: Piocp_client;
begin
  if FHandle = nil then
  begin
    IocpPrepareRuntime;
    H := iocp_client_create;
    if H = nil then
      raise EIdException.Create('Could not create a client: ' + IocpAbiText(iocp_last_error));
    try
      IocpCheck(iocp_client_set_event(H, IOCP_ON_CONNECTED, DoConnected, Self));
      IocpCheck(iocp_client_set_event(H, IOCP_ON_DISCONNECTED, DoDisconnected, Self));
      FIOHandler := TIocpIOHandler.Create(iocp_client_io(H));
    except
      iocp_client_destroy(H);
      raise;
    end;
    FHandle := H;
  end;
  Result := FHandle;
end;

function TIocpTCPClient.GetIOHandler: TIocpIOHandler;
begin
  HandleNeeded;
  Result := FIOHandler;
end;

destructor TIocpTCPClient.Destroy;
begin
  if FHandle <> nil then
    iocp_client_destroy(FHandle);  { Closes the connection, without OnDisconnected. }
  FIOHandler.Free;
  FSSLOptions.Free;
  FTlsEvents.Free;
  inherited Destroy;
end;

{ A small set as the C ABI takes it: bit n for the element of ordinal n (Delphi's own layout). }
function SetBits(const ASet; ASize: Integer): Int64;
var
  B: array[0..3] of Byte;
begin
  FillChar(B, SizeOf(B), 0);
  Move(ASet, B, ASize);
  Result := Int64(B[0]) or (Int64(B[1]) shl 8) or (Int64(B[2]) shl 16) or (Int64(B[3]) shl 24);
end;

procedure TIocpTCPClient.SetStr(AOption: Integer; const AValue: string);
var
  Raw: TIocpAbiString;
begin
  Raw := IocpAbiString(AValue);
  IocpCheck(iocp_client_set_str(FHandle, AOption, PAnsiChar(Raw), Length(Raw)));
end;

procedure TIocpTCPClient.SetSSLOptions(AValue: TIocpSSLOptions);
begin
  FSSLOptions.Assign(AValue);
end;

procedure TIocpTCPClient.SetInt(AOption: Integer; AValue: Int64);
begin
  IocpCheck(iocp_client_set_int(FHandle, AOption, AValue));
end;

procedure TIocpTCPClient.Connect(const AHost: string; APort: Integer);
begin
  FHost := AHost;
  FPort := APort;
  Connect;
end;

procedure TIocpTCPClient.Connect;
var
  Password: iocp_password_event;
  VerifyPeer: iocp_verify_peer_event;
begin
  HandleNeeded;
  Disconnect;
  SetStr(IOCP_CLIENT_HOST, FHost);
  SetInt(IOCP_CLIENT_PORT, FPort);
  SetInt(IOCP_CLIENT_CONNECT_TIMEOUT, FConnectTimeout);
  SetInt(IOCP_CLIENT_READ_TIMEOUT, FReadTimeout);
  SetInt(IOCP_CLIENT_USE_NAGLE, Ord(FUseNagle));
  SetInt(IOCP_CLIENT_SSL_ENABLED, Ord(FSSLOptions.Enabled));
  SetStr(IOCP_CLIENT_SSL_CERT_FILE, FSSLOptions.CertFile);
  SetStr(IOCP_CLIENT_SSL_KEY_FILE, FSSLOptions.KeyFile);
  SetStr(IOCP_CLIENT_SSL_ROOT_CERT_FILE, FSSLOptions.RootCertFile);
  SetStr(IOCP_CLIENT_SSL_CIPHER_LIST, FSSLOptions.CipherList);
  SetInt(IOCP_CLIENT_SSL_VERSIONS, SetBits(FSSLOptions.SSLVersions, SizeOf(FSSLOptions.SSLVersions)));
  SetInt(IOCP_CLIENT_SSL_VERIFY_MODE, SetBits(FSSLOptions.VerifyMode, SizeOf(FSSLOptions.VerifyMode)));
  SetInt(IOCP_CLIENT_SSL_VERIFY_DEPTH, FSSLOptions.VerifyDepth);
  SetInt(IOCP_CLIENT_SSL_PASS_THROUGH, Ord(FSSLOptions.PassThrough));
  SetInt(IOCP_CLIENT_SSL_HANDSHAKE_TIMEOUT, FSSLOptions.HandshakeTimeout);
  FTlsEvents.Take(FOnGetPassword, FOnGetPasswordEx, FOnVerifyPeer, Password, VerifyPeer);
  IocpCheck(iocp_client_set_tls_events(FHandle, Password, VerifyPeer, FTlsEvents));
  IocpCheck(iocp_client_connect(FHandle));  { OnConnected comes from the engine's client. }
  FIOHandler.Host := FHost;
  FIOHandler.Port := FPort;
end;

procedure TIocpTCPClient.Disconnect;
begin
  Disconnect(True);
end;

procedure TIocpTCPClient.Disconnect(ANotifyPeer: Boolean);
begin
  if FHandle <> nil then  { Else never connected. }
    IocpCheck(iocp_client_disconnect(FHandle, Ord(ANotifyPeer)));  { OnDisconnected if it was open. }
end;

function TIocpTCPClient.Connected: Boolean;
begin
  Result := (FHandle <> nil) and (iocp_client_connected(FHandle) = 1);
end;

end.
