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
    procedure SetInt(AOption: Integer; AValue: Int64);
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
    property IOHandler: TIocpIOHandler read FIOHandler;
    property Socket: TIocpIOHandler read FIOHandler;
  published
    property Host: string read FHost write FHost;
    property Port: Integer read FPort write FPort default 0;
    property ConnectTimeout: Integer read FConnectTimeout write FConnectTimeout default 0;
    property ReadTimeout: Integer read FReadTimeout write FReadTimeout default 0;
    property UseNagle: Boolean read FUseNagle write FUseNagle default True;
    property OnConnected: TNotifyEvent read FOnConnected write FOnConnected;
    property OnDisconnected: TNotifyEvent read FOnDisconnected write FOnDisconnected;
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
  IocpPrepareRuntime;
  FHandle := iocp_client_create;
  if FHandle = nil then
    raise EIdException.Create('Could not create a client: ' + string(iocp_last_error));
  FIOHandler := TIocpIOHandler.Create(iocp_client_io(FHandle));
  FHost := '127.0.0.1';
  FUseNagle := True;
  IocpCheck(iocp_client_set_event(FHandle, IOCP_ON_CONNECTED, DoConnected, Self));
  IocpCheck(iocp_client_set_event(FHandle, IOCP_ON_DISCONNECTED, DoDisconnected, Self));
end;

destructor TIocpTCPClient.Destroy;
begin
  iocp_client_destroy(FHandle);  { Closes the connection, without OnDisconnected. }
  FIOHandler.Free;
  inherited Destroy;
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
  Raw: AnsiString;
begin
  Disconnect;
  Raw := AnsiString(FHost);
  IocpCheck(iocp_client_set_str(FHandle, IOCP_CLIENT_HOST, PAnsiChar(Raw), Length(Raw)));
  SetInt(IOCP_CLIENT_PORT, FPort);
  SetInt(IOCP_CLIENT_CONNECT_TIMEOUT, FConnectTimeout);
  SetInt(IOCP_CLIENT_READ_TIMEOUT, FReadTimeout);
  SetInt(IOCP_CLIENT_USE_NAGLE, Ord(FUseNagle));
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
  IocpCheck(iocp_client_disconnect(FHandle, Ord(ANotifyPeer)));  { OnDisconnected if it was open. }
end;

function TIocpTCPClient.Connected: Boolean;
begin
  Result := iocp_client_connected(FHandle) = 1;
end;

end.
