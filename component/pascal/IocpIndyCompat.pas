{ IocpIndyCompat: Indy's names for the IOCP bridge, so that an Indy server compiles with only its
  uses clause changed (IdTCPServer, IdContext, IdTCPConnection, IdIOHandler, IdGlobal,
  IdException, IdExceptionCore, IdTCPClient -> IocpIndyCompat), and a form saying
  "object IdTCPServer1: TIdTCPServer" loads into TIocpTCPServer (RegisterClassAlias). Switching
  a migrated server to the completion engine is then one property:
  IOHandlerOptions.IOHandlerType := iohIOCP.

  Valid Delphi and Free Pascal (mode delphi). }
unit IocpIndyCompat;

{$IFDEF FPC}
  {$mode delphi}
{$ENDIF}

interface

uses
  Classes, SysUtils, SyncObjs, IocpGlobal, IocpIOHandler, IocpTCPServer, IocpTCPClient, IocpSync;

type
  { Classes. }
  TIdTCPServer = TIocpTCPServer;
  TIdCustomTCPServer = TIocpCustomTCPServer;
  TIdYarn = TIocpYarn;
  TIdSync = TIocpSync;
  TIdNotify = TIocpNotify;
  TIdThreadSafe = TIocpThreadSafe;
  TIdThreadSafeInteger = TIocpThreadSafeInteger;
  TIdThreadSafeInt64 = TIocpThreadSafeInt64;
  TIdThreadSafeBoolean = TIocpThreadSafeBoolean;
  TIdThreadSafeString = TIocpThreadSafeString;
  TIdThreadSafeStringList = TIocpThreadSafeStringList;
  TIdThreadSafeList = TIocpThreadSafeList;
  TIdScheduler = TIocpScheduler;
  TIdSchedulerOfThread = TIocpScheduler;
  TIdSchedulerOfThreadDefault = TIocpScheduler;
  TIdSchedulerOfThreadPool = TIocpScheduler;
  TIdContext = TIocpContext;
  TIdServerContext = TIocpContext;
  TIdContextClass = TIocpContextClass;
  TIdContextThreadList = TIocpContextList;
  TIdContextList = TList;  { Indy's (IdContext): what Contexts.LockList returns. }
  TIdTCPConnection = TIocpTCPConnection;
  TIdIOHandler = TIocpIOHandler;
  TIdIOHandlerSocket = TIocpIOHandler;
  TIdIOHandlerStack = TIocpIOHandler;
  TIdSSLIOHandlerSocketBase = TIocpSSLIOHandler;
  TIdSSLIOHandlerSocketOpenSSL = TIocpSSLIOHandler;
  TIdServerIOHandler = TIocpServerIOHandler;
  TIdServerIOHandlerSocket = TIocpServerIOHandler;
  TIdServerIOHandlerStack = TIocpServerIOHandler;
  TIdServerIOHandlerSSLBase = TIocpServerIOHandlerSSL;
  TIdServerIOHandlerSSLOpenSSL = TIocpServerIOHandlerSSL;
  TIdSSLVersion = IocpIOHandler.TIdSSLVersion;
  TIdSSLVersions = IocpIOHandler.TIdSSLVersions;
  TIdSSLMode = IocpIOHandler.TIdSSLMode;
  TIdSSLVerifyMode = IocpIOHandler.TIdSSLVerifyMode;
  TIdSSLVerifyModeSet = IocpIOHandler.TIdSSLVerifyModeSet;
  TIdX509 = IocpIOHandler.TIdX509;
  TIdX509Name = IocpIOHandler.TIdX509Name;
  TPasswordEvent = IocpIOHandler.TPasswordEvent;
  TPasswordEventEx = IocpIOHandler.TPasswordEventEx;
  TVerifyPeerEvent = IocpIOHandler.TVerifyPeerEvent;
  TIdBuffer = TIocpBuffer;
  TIdSocketHandle = TIocpSocketHandle;
  TIdSocketHandles = TIocpSocketHandles;
  TIdListenerThread = TIocpListenerThread;
{$IFNDEF IOCP_INDY_TYPES}  { With Indy's types, Indy's own TIdTCPClient (unit IdTCPClient) is the client. }
  TIdTCPClient = TIocpTCPClient;
{$ENDIF}

  { Types of Indy's events and values. }
  TIdServerThreadEvent = IocpTCPServer.TIdServerThreadEvent;
  TIdServerThreadExceptionEvent = IocpTCPServer.TIdServerThreadExceptionEvent;
  TIdListenExceptionEvent = IocpTCPServer.TIdListenExceptionEvent;
  TIdSocketHandleEvent = IocpTCPServer.TIdSocketHandleEvent;
  TIdIOHandlerType = IocpTCPServer.TIdIOHandlerType;
  TIdReuseSocket = IocpGlobal.TIdReuseSocket;
  TIdMaxLineAction = IocpGlobal.TIdMaxLineAction;
  TIdIPVersion = IocpGlobal.TIdIPVersion;
  TIdStackSocketHandle = IocpIOHandler.TIdStackSocketHandle;
  TIdBytes = IocpGlobal.TIdBytes;
  TIdTicks = IocpGlobal.TIdTicks;
  TIdUInt64 = IocpGlobal.TIdUInt64;
  TIdPort = IocpGlobal.TIdPort;
  TIdStatus = IocpGlobal.TIdStatus;
  TIdStatusEvent = IocpGlobal.TIdStatusEvent;
  { Indy's thread class (IdThread): handlers that name it get the RTL's TThread it derives from. }
  TIdThread = TThread;
  TIdNotifyThreadEvent = IocpTCPServer.TIdNotifyThreadEvent;
  IIdTextEncoding = IocpGlobal.IIdTextEncoding;
  IdTextEncodingType = IocpGlobal.IdTextEncodingType;

  { Exceptions. }
  EIdException = IocpGlobal.EIdException;
  EIdSilentException = IocpGlobal.EIdSilentException;
  EIdConnClosedGracefully = IocpGlobal.EIdConnClosedGracefully;
  EIdSocketError = IocpGlobal.EIdSocketError;
  EIdResolveError = IocpGlobal.EIdResolveError;
  EIdReadTimeout = IocpGlobal.EIdReadTimeout;
  EIdReadLnMaxLineLengthExceeded = IocpGlobal.EIdReadLnMaxLineLengthExceeded;
  EIdReadLnWaitMaxAttemptsExceeded = IocpGlobal.EIdReadLnWaitMaxAttemptsExceeded;
  EIdNotConnected = IocpGlobal.EIdNotConnected;
  EIdClosedSocket = IocpGlobal.EIdClosedSocket;
  EIdNotEnoughDataInBuffer = IocpGlobal.EIdNotEnoughDataInBuffer;
  EIdConnectTimeout = IocpGlobal.EIdConnectTimeout;
  EIdCouldNotBindSocket = IocpGlobal.EIdCouldNotBindSocket;
  EIdTCPNoOnExecute = IocpGlobal.EIdTCPNoOnExecute;
  EIdTCPConnectionError = IocpGlobal.EIdTCPConnectionError;
  EIdNoDataToRead = IocpGlobal.EIdNoDataToRead;
  EIdIOHandler = IocpGlobal.EIdIOHandler;
  EIdIOHandlerRequiresLargeStream = IocpGlobal.EIdIOHandlerRequiresLargeStream;
  EIdIOHandlerStreamDataTooLarge = IocpGlobal.EIdIOHandlerStreamDataTooLarge;
  EIdMaxCaptureLineExceeded = IocpGlobal.EIdMaxCaptureLineExceeded;

{$IFNDEF IOCP_INDY_TYPES}  { With Indy's types, GStack is Indy's own (unit IdStack). }
  { Indy's GStack (unit IdStack) as server code uses it: this machine's name and addresses, and
    name resolution. The socket calls of Indy's TIdStack (Bind, Accept, Send ...) are not here:
    the engine owns its sockets (a handler reaches its own through Binding). }

  { One address of a local interface (GetLocalAddressList). }
  TIdStackLocalAddress = class(TCollectionItem)
  protected
    FIPVersion: TIdIPVersion;
    FIPAddress: string;
    FInterfaceName: string;
    FInterfaceIndex: LongWord;
    FDescription: string;
    FFriendlyName: string;
  public
    constructor Create(ACollection: TCollection; const AIPVersion: TIdIPVersion; const AIPAddress: string); reintroduce;
    property IPVersion: TIdIPVersion read FIPVersion;
    property IPAddress: string read FIPAddress;
    property InterfaceName: string read FInterfaceName;
    property InterfaceIndex: LongWord read FInterfaceIndex;
    property Description: string read FDescription;
    property FriendlyName: string read FFriendlyName;
  end;

  TIdStackLocalAddressIPv4 = class(TIdStackLocalAddress)
  protected
    FSubNetMask: string;
  public
    constructor Create(ACollection: TCollection; const AIPAddress, ASubNetMask: string); reintroduce;
    property SubNetMask: string read FSubNetMask;
  end;

  TIdStackLocalAddressIPv6 = class(TIdStackLocalAddress)
  public
    constructor Create(ACollection: TCollection; const AIPAddress: string); reintroduce;
  end;

  { The addresses GetLocalAddressList fills in. Its owner's thread. }
  TIdStackLocalAddressList = class(TCollection)
  protected
    function GetAddress(AIndex: Integer): TIdStackLocalAddress;
  public
    constructor Create; reintroduce;
    function IndexOfIP(const AIP: string): Integer; overload;
    function IndexOfIP(const AIP: string; AIPVersion: TIdIPVersion): Integer; overload;
    property Addresses[AIndex: Integer]: TIdStackLocalAddress read GetAddress; default;
  end;

  { Indy's IPv6 address (IdGlobal): eight 16-bit groups, as HostToNetwork/NetworkToHost take them. }
  TIdIPv6Address = array[0..7] of UInt16;

  { GStack's class. Every member may be called from any thread, except LocalAddresses (one list
    shared by its callers, as Indy's). }
  TIdStack = class(TObject)
  protected
    FLocalAddresses: TStrings;
    function ReadHostName: string; virtual;
    function GetLocalAddress: string;
    function GetLocalAddresses: TStrings;
  public
    constructor Create; virtual;
    destructor Destroy; override;
    { Create GStack if it is not there and count one more user / count one less and free it
      after the last. This unit holds one use from its initialization to its finalization, so
      GStack is there as in a program whose form holds an Indy component. Any thread. }
    class procedure IncUsage;
    class procedure DecUsage;
    { A dotted IPv4 address of four numbers 0..255 (Indy's test). }
    function IsIP(AIP: string): Boolean;
    { AHost as a numeric address: numeric as it is, 'localhost' as the loopback address, a name
      through the resolver (blocks while it resolves). Raises EIdResolveError. }
    function ResolveHost(const AHost: string; const AIPVersion: TIdIPVersion = Id_IPv4): string;
    { Byte order for binary protocols: network order is big-endian. }
    function HostToNetwork(AValue: Word): Word; overload;
    function HostToNetwork(AValue: UInt32): UInt32; overload;
    function HostToNetwork(AValue: TIdUInt64): TIdUInt64; overload;
    function HostToNetwork(const AValue: TIdIPv6Address): TIdIPv6Address; overload;  { Each group. }
    function NetworkToHost(AValue: Word): Word; overload;
    function NetworkToHost(AValue: UInt32): UInt32; overload;
    function NetworkToHost(AValue: TIdUInt64): TIdUInt64; overload;
    function NetworkToHost(const AValue: TIdIPv6Address): TIdIPv6Address; overload;
    { Both: the engine serves IPv4 and IPv6 bindings. }
    function SupportsIPv4: Boolean;
    function SupportsIPv6: Boolean;
    { An IPv4 address in 224.0.0.0 - 239.255.255.255. }
    function IsValidIPv4MulticastGroup(const Value: string): Boolean;
    { The Internet checksum (RFC 1071) of AData, as Indy's. }
    function CalcCheckSum(const AData: TIdBytes): Word;
    { Adds LocalAddresses to AAddresses. }
    procedure AddLocalAddressesToList(AAddresses: TStrings);
    { Every address of an interface that is up, IPv4 and IPv6, loopback excluded. Raises
      EIdSocketError when the OS cannot list them. }
    procedure GetLocalAddressList(AAddresses: TIdStackLocalAddressList); virtual;
    property HostName: string read ReadHostName;
    { The first IPv4 address of an interface that is up, loopback excluded; '' if none. }
    property LocalAddress: string read GetLocalAddress;
    { Every such IPv4 address (the list belongs to GStack). }
    property LocalAddresses: TStrings read GetLocalAddresses;
  end;
  TIdStackClass = class of TIdStack;
{$ENDIF}

{$IFNDEF IOCP_INDY_TYPES}
const
  { Indy's TLS enumeration values (IdSSLOpenSSL), for units that name them with this unit only. }
  sslvSSLv2 = IocpIOHandler.sslvSSLv2; {$NODEFINE sslvSSLv2}
  sslvSSLv23 = IocpIOHandler.sslvSSLv23; {$NODEFINE sslvSSLv23}
  sslvSSLv3 = IocpIOHandler.sslvSSLv3; {$NODEFINE sslvSSLv3}
  sslvTLSv1 = IocpIOHandler.sslvTLSv1; {$NODEFINE sslvTLSv1}
  sslvTLSv1_1 = IocpIOHandler.sslvTLSv1_1; {$NODEFINE sslvTLSv1_1}
  sslvTLSv1_2 = IocpIOHandler.sslvTLSv1_2; {$NODEFINE sslvTLSv1_2}
  sslvTLSv1_3 = IocpIOHandler.sslvTLSv1_3; {$NODEFINE sslvTLSv1_3}
  sslmUnassigned = IocpIOHandler.sslmUnassigned; {$NODEFINE sslmUnassigned}
  sslmClient = IocpIOHandler.sslmClient; {$NODEFINE sslmClient}
  sslmServer = IocpIOHandler.sslmServer; {$NODEFINE sslmServer}
  sslmBoth = IocpIOHandler.sslmBoth; {$NODEFINE sslmBoth}
  sslvrfPeer = IocpIOHandler.sslvrfPeer; {$NODEFINE sslvrfPeer}
  sslvrfFailIfNoPeerCert = IocpIOHandler.sslvrfFailIfNoPeerCert; {$NODEFINE sslvrfFailIfNoPeerCert}
  sslvrfClientOnce = IocpIOHandler.sslvrfClientOnce; {$NODEFINE sslvrfClientOnce}

var
  { Indy's global stack object; see TIdStack.IncUsage. }
  GStack: TIdStack = nil;
{$ENDIF}

const
  iohDefault = IocpTCPServer.iohDefault; {$NODEFINE iohDefault}
  iohIOCP = IocpTCPServer.iohIOCP; {$NODEFINE iohIOCP}
  rsOSDependent = IocpGlobal.rsOSDependent; {$NODEFINE rsOSDependent}
  { Indy's names of its encodings, for IndyTextEncoding(encUTF8) and EnsureEncoding. }
  encIndyDefault = IocpGlobal.encIndyDefault; {$NODEFINE encIndyDefault}
  encOSDefault = IocpGlobal.encOSDefault; {$NODEFINE encOSDefault}
  enc8Bit = IocpGlobal.enc8Bit; {$NODEFINE enc8Bit}
  encASCII = IocpGlobal.encASCII; {$NODEFINE encASCII}
  encUTF16BE = IocpGlobal.encUTF16BE; {$NODEFINE encUTF16BE}
  encUTF16LE = IocpGlobal.encUTF16LE; {$NODEFINE encUTF16LE}
  encUTF7 = IocpGlobal.encUTF7; {$NODEFINE encUTF7}
  encUTF8 = IocpGlobal.encUTF8; {$NODEFINE encUTF8}
  rsTrue = IocpGlobal.rsTrue; {$NODEFINE rsTrue}
  rsFalse = IocpGlobal.rsFalse; {$NODEFINE rsFalse}
  maException = IocpGlobal.maException; {$NODEFINE maException}
  maSplit = IocpGlobal.maSplit; {$NODEFINE maSplit}
  hsResolving = IocpGlobal.hsResolving; {$NODEFINE hsResolving}
  hsConnecting = IocpGlobal.hsConnecting; {$NODEFINE hsConnecting}
  hsConnected = IocpGlobal.hsConnected; {$NODEFINE hsConnected}
  hsDisconnecting = IocpGlobal.hsDisconnecting; {$NODEFINE hsDisconnecting}
  hsDisconnected = IocpGlobal.hsDisconnected; {$NODEFINE hsDisconnected}
  hsStatusText = IocpGlobal.hsStatusText; {$NODEFINE hsStatusText}
  Id_IPv4 = IocpGlobal.Id_IPv4; {$NODEFINE Id_IPv4}
  Id_IPv6 = IocpGlobal.Id_IPv6; {$NODEFINE Id_IPv6}
  Id_SOL_SOCKET = IocpIOHandler.Id_SOL_SOCKET; {$NODEFINE Id_SOL_SOCKET}
  Id_SO_REUSEADDR = IocpIOHandler.Id_SO_REUSEADDR; {$NODEFINE Id_SO_REUSEADDR}
  Id_SO_KEEPALIVE = IocpIOHandler.Id_SO_KEEPALIVE; {$NODEFINE Id_SO_KEEPALIVE}
  Id_SO_SNDBUF = IocpIOHandler.Id_SO_SNDBUF; {$NODEFINE Id_SO_SNDBUF}
  Id_SO_RCVBUF = IocpIOHandler.Id_SO_RCVBUF; {$NODEFINE Id_SO_RCVBUF}
  Id_SO_SNDTIMEO = IocpIOHandler.Id_SO_SNDTIMEO; {$NODEFINE Id_SO_SNDTIMEO}
  Id_SO_RCVTIMEO = IocpIOHandler.Id_SO_RCVTIMEO; {$NODEFINE Id_SO_RCVTIMEO}
  Id_IPPROTO_TCP = IocpIOHandler.Id_IPPROTO_TCP; {$NODEFINE Id_IPPROTO_TCP}
  Id_SOL_TCP = IocpIOHandler.Id_SOL_TCP; {$NODEFINE Id_SOL_TCP}
  Id_TCP_NODELAY = IocpIOHandler.Id_TCP_NODELAY; {$NODEFINE Id_TCP_NODELAY}
  IdTimeoutDefault = IocpIOHandler.IdTimeoutDefault; {$NODEFINE IdTimeoutDefault}
  IdTimeoutInfinite = IocpIOHandler.IdTimeoutInfinite; {$NODEFINE IdTimeoutInfinite}
  IdMaxLineLengthDefault = IocpIOHandler.IdMaxLineLengthDefault; {$NODEFINE IdMaxLineLengthDefault}
  EOL = IocpIOHandler.EOL; {$NODEFINE EOL}
  LF = IocpIOHandler.LF; {$NODEFINE LF}

function IndyTextEncoding_UTF8: IIdTextEncoding;
function IndyTextEncoding_ASCII: IIdTextEncoding;
function IndyTextEncoding_8Bit: IIdTextEncoding;
function IndyTextEncoding_Default: IIdTextEncoding;

{$DEFINE IOCP_IDGLOBAL_INTERFACE}
{$I IocpIdGlobal.inc}
{$UNDEF IOCP_IDGLOBAL_INTERFACE}

{ Indy's IndySleep (IdGlobal). In an iohIOCP handler the fiber parks and its thread serves other
  connections; elsewhere the thread sleeps. Any thread. }
procedure IndySleep(ATime: LongWord);
{ Sleep as a handler means it: with this unit after SysUtils/Windows in the uses clause (where
  Indy's units were), an OnExecute's Sleep(10) parks an iohIOCP fiber instead of blocking a
  completion thread that serves other connections. Elsewhere it is the RTL's Sleep. Any thread. }
procedure Sleep(AMilliseconds: LongWord);

implementation

uses
  IocpApi;

{$I IocpIdGlobal.inc}

{$IFNDEF IOCP_INDY_TYPES}

{ --- GStack --- }

var
  GStackLock: TCriticalSection = nil;
  GStackUsers: Integer = 0;

constructor TIdStackLocalAddress.Create(ACollection: TCollection; const AIPVersion: TIdIPVersion;
  const AIPAddress: string);
begin
  inherited Create(ACollection);
  FIPVersion := AIPVersion;
  FIPAddress := AIPAddress;
end;

constructor TIdStackLocalAddressIPv4.Create(ACollection: TCollection; const AIPAddress, ASubNetMask: string);
begin
  inherited Create(ACollection, Id_IPv4, AIPAddress);
  FSubNetMask := ASubNetMask;
end;

constructor TIdStackLocalAddressIPv6.Create(ACollection: TCollection; const AIPAddress: string);
begin
  inherited Create(ACollection, Id_IPv6, AIPAddress);
end;

constructor TIdStackLocalAddressList.Create;
begin
  inherited Create(TIdStackLocalAddress);
end;

function TIdStackLocalAddressList.GetAddress(AIndex: Integer): TIdStackLocalAddress;
begin
  Result := TIdStackLocalAddress(Items[AIndex]);
end;

function TIdStackLocalAddressList.IndexOfIP(const AIP: string): Integer;
begin
  for Result := 0 to Count - 1 do
    if Addresses[Result].IPAddress = AIP then
      Exit;
  Result := -1;
end;

function TIdStackLocalAddressList.IndexOfIP(const AIP: string; AIPVersion: TIdIPVersion): Integer;
begin
  for Result := 0 to Count - 1 do
    if (Addresses[Result].IPVersion = AIPVersion) and (Addresses[Result].IPAddress = AIP) then
      Exit;
  Result := -1;
end;

constructor TIdStack.Create;
begin
  inherited Create;
end;

destructor TIdStack.Destroy;
begin
  FLocalAddresses.Free;
  inherited Destroy;
end;

class procedure TIdStack.IncUsage;
begin
  GStackLock.Acquire;
  try
    if GStackUsers = 0 then
      GStack := TIdStack.Create;
    Inc(GStackUsers);
  finally
    GStackLock.Release;
  end;
end;

class procedure TIdStack.DecUsage;
begin
  GStackLock.Acquire;
  try
    if GStackUsers > 0 then
    begin
      Dec(GStackUsers);
      if GStackUsers = 0 then
        FreeAndNil(GStack);
    end;
  finally
    GStackLock.Release;
  end;
end;

function TIdStack.ReadHostName: string;
var
  P: PAnsiChar;
  N: size_t;
begin
  IocpCheck(iocp_host_name(@P, @N));
  Result := IocpAbiText(P, N);
end;

procedure AddressFound(AUser: Pointer; AIPVersion: Integer; AAddress: PAnsiChar; AAddressLength: size_t;
  ANetmask: PAnsiChar; ANetmaskLength: size_t; AName: PAnsiChar; ANameLength: size_t;
  AFriendly: PAnsiChar; AFriendlyLength: size_t; AIndex: UInt32); cdecl;
var
  Item: TIdStackLocalAddress;
begin
  { Runs inside iocp_local_addresses, on the caller's thread; nothing may raise through C. }
  try
    if AIPVersion = 6 then
      Item := TIdStackLocalAddressIPv6.Create(TIdStackLocalAddressList(AUser), IocpAbiText(AAddress, AAddressLength))
    else
      Item := TIdStackLocalAddressIPv4.Create(TIdStackLocalAddressList(AUser), IocpAbiText(AAddress, AAddressLength),
        IocpAbiText(ANetmask, ANetmaskLength));
    Item.FInterfaceName := IocpAbiText(AName, ANameLength);
    Item.FDescription := Item.FInterfaceName;
    Item.FFriendlyName := IocpAbiText(AFriendly, AFriendlyLength);
    Item.FInterfaceIndex := AIndex;
  except
  end;
end;

procedure TIdStack.GetLocalAddressList(AAddresses: TIdStackLocalAddressList);
begin
  AAddresses.BeginUpdate;
  try
    IocpCheck(iocp_local_addresses(AddressFound, AAddresses));
  finally
    AAddresses.EndUpdate;
  end;
end;

procedure TIdStack.AddLocalAddressesToList(AAddresses: TStrings);
var
  List: TIdStackLocalAddressList;
  I: Integer;
begin
  List := TIdStackLocalAddressList.Create;
  try
    GetLocalAddressList(List);
    AAddresses.BeginUpdate;
    try
      for I := 0 to List.Count - 1 do
        if List[I].IPVersion = Id_IPv4 then
          AAddresses.Add(List[I].IPAddress);
    finally
      AAddresses.EndUpdate;
    end;
  finally
    List.Free;
  end;
end;

function TIdStack.GetLocalAddresses: TStrings;
begin
  if FLocalAddresses = nil then
    FLocalAddresses := TStringList.Create;
  FLocalAddresses.BeginUpdate;
  try
    FLocalAddresses.Clear;
    AddLocalAddressesToList(FLocalAddresses);
  finally
    FLocalAddresses.EndUpdate;
  end;
  Result := FLocalAddresses;
end;

function TIdStack.GetLocalAddress: string;
var
  All: TStringList;
begin
  All := TStringList.Create;
  try
    AddLocalAddressesToList(All);
    if All.Count > 0 then
      Result := All[0]
    else
      Result := '';
  finally
    All.Free;
  end;
end;

function TIdStack.IsIP(AIP: string): Boolean;
var
  Part, Value: Integer;
begin
  { Indy's test, step by step: four Fetch(AIP, '.') numbers 0..255, then nothing left (so a
    trailing '.' passes, as in Indy). }
  Result := True;
  for Part := 1 to 4 do
  begin
    Value := IndyStrToInt(Fetch(AIP, '.'), -1);
    Result := Result and (Value > -1) and (Value < 256);
  end;
  Result := Result and (AIP = '');
end;

function TIdStack.HostToNetwork(AValue: Word): Word;
begin
{$IFDEF ENDIAN_BIG}
  Result := AValue;
{$ELSE}
  Result := Word((AValue shr 8) or (AValue shl 8));
{$ENDIF}
end;

function TIdStack.HostToNetwork(AValue: UInt32): UInt32;
begin
{$IFDEF ENDIAN_BIG}
  Result := AValue;
{$ELSE}
  Result := (AValue shr 24) or ((AValue shr 8) and $FF00) or ((AValue shl 8) and $FF0000) or (AValue shl 24);
{$ENDIF}
end;

function TIdStack.HostToNetwork(AValue: TIdUInt64): TIdUInt64;
begin
{$IFDEF ENDIAN_BIG}
  Result := AValue;
{$ELSE}
  Result := (TIdUInt64(HostToNetwork(UInt32(AValue and $FFFFFFFF))) shl 32) or
    HostToNetwork(UInt32(AValue shr 32));
{$ENDIF}
end;

function TIdStack.HostToNetwork(const AValue: TIdIPv6Address): TIdIPv6Address;
var
  I: Integer;
begin
  for I := Low(AValue) to High(AValue) do
    Result[I] := HostToNetwork(Word(AValue[I]));
end;

function TIdStack.NetworkToHost(const AValue: TIdIPv6Address): TIdIPv6Address;
begin
  Result := HostToNetwork(AValue);  { The same swap either way. }
end;

function TIdStack.NetworkToHost(AValue: Word): Word;
begin
  Result := HostToNetwork(AValue);  { The same swap either way. }
end;

function TIdStack.NetworkToHost(AValue: UInt32): UInt32;
begin
  Result := HostToNetwork(AValue);
end;

function TIdStack.NetworkToHost(AValue: TIdUInt64): TIdUInt64;
begin
  Result := HostToNetwork(AValue);
end;

function TIdStack.SupportsIPv4: Boolean;
begin
  Result := True;
end;

function TIdStack.SupportsIPv6: Boolean;
begin
  Result := True;
end;

function TIdStack.IsValidIPv4MulticastGroup(const Value: string): Boolean;
var
  Rest: string;
  First: Integer;
begin
  Result := IsIP(Value);
  if Result then
  begin
    Rest := Value;
    First := IndyStrToInt(Fetch(Rest, '.'), -1);
    Result := (First >= 224) and (First <= 239);
  end;
end;

function TIdStack.CalcCheckSum(const AData: TIdBytes): Word;
var
  I, Size: Integer;
  Sum: LongWord;
begin
  { Indy's sum: 16-bit words in host order, the odd last byte added as it is. }
  Sum := 0;
  I := 0;
  Size := Length(AData);
  while Size > 1 do
  begin
    Sum := Sum + BytesToUInt16(AData, I);
    Dec(Size, 2);
    Inc(I, 2);
  end;
  if Size > 0 then
    Sum := Sum + AData[I];
  Sum := (Sum shr 16) + (Sum and $FFFF);
  Sum := Sum + (Sum shr 16);
  Result := Word(not Sum);
end;

function TIdStack.ResolveHost(const AHost: string; const AIPVersion: TIdIPVersion): string;
var
  Host: TIocpAbiString;
  P: PAnsiChar;
  N: size_t;
  Version: Integer;
begin
  Host := IocpAbiString(AHost);
  if AIPVersion = Id_IPv6 then
    Version := 6
  else
    Version := 4;
  IocpCheck(iocp_resolve_host(PAnsiChar(Host), Length(Host), Version, @P, @N));
  Result := IocpAbiText(P, N);
end;

{$ENDIF}

function IndyTextEncoding_UTF8: IIdTextEncoding;
begin
  Result := IocpGlobal.IndyTextEncoding_UTF8;
end;

function IndyTextEncoding_ASCII: IIdTextEncoding;
begin
  Result := IocpGlobal.IndyTextEncoding_ASCII;
end;

function IndyTextEncoding_8Bit: IIdTextEncoding;
begin
  Result := IocpGlobal.IndyTextEncoding_8Bit;
end;

procedure IndySleep(ATime: LongWord);
begin
  IocpGlobal.IndySleep(ATime);
end;

procedure Sleep(AMilliseconds: LongWord);
begin
  IocpGlobal.IndySleep(AMilliseconds);
end;

function IndyTextEncoding_Default: IIdTextEncoding;
begin
  Result := IocpGlobal.IndyTextEncoding_Default;
end;

{ AClass under Indy's name AAlias for the form reader, unless a class is registered under that
  name already (Indy's own, linked into the same program). }
procedure RegisterIndyAlias(AClass: TPersistentClass; const AAlias: string);
begin
  if GetClass(AAlias) = nil then
    RegisterClassAlias(AClass, AAlias);
end;

initialization
{$IFNDEF IOCP_INDY_TYPES}
  GStackLock := TCriticalSection.Create;
  TIdStack.IncUsage;
{$ENDIF}
  { Forms saved with Indy's class names load into ours. In programs only: this unit is in no IDE
    package (packages/README.md), so the IDE keeps Indy's own classes under these names. }
  RegisterIndyAlias(TIocpTCPServer, 'TIdTCPServer');
  RegisterIndyAlias(TIocpTCPClient, 'TIdTCPClient');
  RegisterIndyAlias(TIocpScheduler, 'TIdSchedulerOfThreadDefault');
  RegisterIndyAlias(TIocpScheduler, 'TIdSchedulerOfThreadPool');

finalization
{$IFNDEF IOCP_INDY_TYPES}
  TIdStack.DecUsage;
  FreeAndNil(GStackLock);
{$ENDIF}
end.
