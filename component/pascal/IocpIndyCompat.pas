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
  Classes, SysUtils, IocpGlobal, IocpIOHandler, IocpTCPServer, IocpTCPClient, IocpSync;

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
  TIdTCPConnection = TIocpTCPConnection;
  TIdIOHandler = TIocpIOHandler;
  TIdIOHandlerSocket = TIocpIOHandler;
  TIdIOHandlerStack = TIocpIOHandler;
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

  { Exceptions. }
  EIdException = IocpGlobal.EIdException;
  EIdSilentException = IocpGlobal.EIdSilentException;
  EIdConnClosedGracefully = IocpGlobal.EIdConnClosedGracefully;
  EIdSocketError = IocpGlobal.EIdSocketError;
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

const
  iohDefault = IocpTCPServer.iohDefault;
  iohIOCP = IocpTCPServer.iohIOCP;
  rsOSDependent = IocpGlobal.rsOSDependent;
  rsTrue = IocpGlobal.rsTrue;
  rsFalse = IocpGlobal.rsFalse;
  maException = IocpGlobal.maException;
  maSplit = IocpGlobal.maSplit;
  hsResolving = IocpGlobal.hsResolving;
  hsConnecting = IocpGlobal.hsConnecting;
  hsConnected = IocpGlobal.hsConnected;
  hsDisconnecting = IocpGlobal.hsDisconnecting;
  hsDisconnected = IocpGlobal.hsDisconnected;
  hsStatusText = IocpGlobal.hsStatusText;
  Id_IPv4 = IocpGlobal.Id_IPv4;
  Id_IPv6 = IocpGlobal.Id_IPv6;
  Id_SOL_SOCKET = IocpIOHandler.Id_SOL_SOCKET;
  Id_SO_REUSEADDR = IocpIOHandler.Id_SO_REUSEADDR;
  Id_SO_KEEPALIVE = IocpIOHandler.Id_SO_KEEPALIVE;
  Id_SO_SNDBUF = IocpIOHandler.Id_SO_SNDBUF;
  Id_SO_RCVBUF = IocpIOHandler.Id_SO_RCVBUF;
  Id_SO_SNDTIMEO = IocpIOHandler.Id_SO_SNDTIMEO;
  Id_SO_RCVTIMEO = IocpIOHandler.Id_SO_RCVTIMEO;
  Id_IPPROTO_TCP = IocpIOHandler.Id_IPPROTO_TCP;
  Id_SOL_TCP = IocpIOHandler.Id_SOL_TCP;
  Id_TCP_NODELAY = IocpIOHandler.Id_TCP_NODELAY;
  IdTimeoutDefault = IocpIOHandler.IdTimeoutDefault;
  IdTimeoutInfinite = IocpIOHandler.IdTimeoutInfinite;
  IdMaxLineLengthDefault = IocpIOHandler.IdMaxLineLengthDefault;
  EOL = IocpIOHandler.EOL;
  LF = IocpIOHandler.LF;

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

{$I IocpIdGlobal.inc}

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

initialization
  { Forms saved with Indy's class names load into ours. }
  RegisterClassAlias(TIocpTCPServer, 'TIdTCPServer');
  RegisterClassAlias(TIocpTCPClient, 'TIdTCPClient');
  RegisterClassAlias(TIocpScheduler, 'TIdSchedulerOfThreadDefault');
  RegisterClassAlias(TIocpScheduler, 'TIdSchedulerOfThreadPool');
end.
