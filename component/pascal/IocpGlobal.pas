{ IocpGlobal: what the Pascal units share, with Indy's names: TIdBytes, the exception classes,
  the text encodings (DefStringEncoding, IndyTextEncoding_*), IdGlobal's helpers that handlers
  call (ToBytes, BytesToString, Fetch, ...), the C ABI's results raised as those exceptions, and
  the thread set-up callbacks from the engine need.

  Valid Delphi and Free Pascal (mode delphi); FPC-only code sits under IFDEF FPC. }
unit IocpGlobal;

{$IFDEF FPC}
  {$mode delphi}
{$ENDIF}

interface

uses
  SysUtils, IocpApi{$IFDEF IOCP_INDY_TYPES}, IdGlobal, IdException, IdExceptionCore, IdStack, IdComponent{$ENDIF};

type
{$IFDEF IOCP_INDY_TYPES}
  {$I IocpIndyTypes.inc}
{$ELSE}
  {$I IocpOwnTypes.inc}
{$ENDIF}

type
  { A refused XML configuration (LoadFromXml and relatives): the message names the element, the
    value and what is allowed. }
  EIocpConfigError = class(EIdException);

{ String <-> bytes with Indy's two encodings where string holds bytes (Free Pascal, Delphi before
  2009): AByteEncoding is the wire's (nil: ASCII), ASrcEncoding / ADestEncoding what the string
  holds (nil: the bytes pass as they are, the system code page's). With both given, characters
  are converted (a character the target cannot hold becomes '?'), except where both are the same
  encoding object: then the bytes pass as they are, as in Indy. Any thread. }
function IocpTextToBytes(const AText: string; AByteEncoding: IIdTextEncoding;
  ASrcEncoding: IIdTextEncoding = nil): TIdBytes;
function IocpBytesToText(ABytes: PAnsiChar; ALength: Integer; AByteEncoding: IIdTextEncoding;
  ADestEncoding: IIdTextEncoding = nil): string;
{ True when AEncoding (nil: the default, ASCII) puts the ALength bytes of a string that holds bytes
  (Free Pascal, Delphi before 2009) on the wire as they are: UTF-8 and 8-bit always, ASCII when
  every byte is 7-bit; then IocpTextToBytes would only copy them. False for any other encoding
  object, and where string is UTF-16. Any thread. }
function IocpBytesPassThrough(const AEncoding: IIdTextEncoding; AText: PAnsiChar; ALength: Integer): Boolean;
{ Where string holds bytes and AEncoding (nil: ASCII) is one of IndyTextEncoding_*: AText := the
  ALength bytes as that encoding reads them into such a string (ASCII: '?' for each 8-bit byte;
  UTF-8 and 8-bit: as they are), and True. False (AText empty) for another encoding object
  and where string is UTF-16. Any thread. }
function IocpTryBytesAsText(const AEncoding: IIdTextEncoding; ABytes: PAnsiChar; ALength: Integer;
  out AText: string): Boolean;

{ UTF-8; 7-bit ASCII (other characters become '?'); 8-bit (a byte is a character, Latin-1);
  the default, ASCII as in Indy. Any thread. }
function IndyTextEncoding_UTF8: IIdTextEncoding;
function IndyTextEncoding_ASCII: IIdTextEncoding;
function IndyTextEncoding_8Bit: IIdTextEncoding;
function IndyTextEncoding_Default: IIdTextEncoding;

{ Indy's IndySleep: in an iohIOCP handler the fiber parks for ATime ms and its thread serves other
  connections meanwhile; anywhere else the thread sleeps. Any thread. }
procedure IndySleep(ATime: LongWord);

type
  { Text as the C ABI takes and gives it (iocp.h): UTF-8. Under Free Pascal a string already
    holds UTF-8 (Lazarus' convention) and passes as it is; under Delphi a string is UTF-16 and
    is encoded. }
  TIocpAbiString = {$IFDEF FPC}RawByteString{$ELSE}UTF8String{$ENDIF};

{ AText as the C ABI's UTF-8 (pass PAnsiChar(Result) and Length(Result)). Any thread. }
function IocpAbiString(const AText: string): TIocpAbiString;
{ The C ABI's UTF-8 text: AP with ALength bytes, or NUL-terminated (nil: ''). Any thread. }
function IocpAbiText(AP: PAnsiChar; ALength: size_t): string; overload;
function IocpAbiText(AP: PAnsiChar): string; overload;

{ The Indy exception object for a C ABI error code (EIdException for codes without a class of
  their own). Any thread. }
function IocpExceptionFor(ACode: Integer; const AMessage: string; AOsError: Integer = 0): Exception;
{ Raise the Indy exception for a C ABI result (nothing for IOCP_OK or a count >= 0). Any thread. }
procedure IocpCheck(AResult: Integer);
{ The C ABI code that names an exception's class (for iocp_set_handler_error). }
function IocpCodeOf(E: Exception): Integer;
{ Inside a callback: tell the engine that E was raised; returns IOCP_ERR_HANDLER for the
  callback to return. }
function IocpReportHandlerError(E: Exception): Integer;
{ Make the runtime ready for callbacks on engine threads (FPC: IsMultiThread). The server and
  client units call it; programs need cthreads first in their uses clause (FPC on Unix). }
procedure IocpPrepareRuntime;

{$DEFINE IOCP_IDGLOBAL_INTERFACE}
{$I IocpIdGlobal.inc}
{$UNDEF IOCP_IDGLOBAL_INTERFACE}

implementation

{$IFNDEF FPC}
  {$IFNDEF MSWINDOWS}
uses
  Classes;  { TThread.GetTickCount64 (Ticks64). }
  {$ENDIF}
{$ENDIF}

{$IFDEF IOCP_INDY_TYPES}
  {$I IocpIndyText.inc}
{$ELSE}
  {$I IocpOwnText.inc}
{$ENDIF}

{$I IocpIdGlobal.inc}

function IocpAbiString(const AText: string): TIocpAbiString;
begin
{$IFDEF FPC}
  Result := AText;
{$ELSE}
  Result := UTF8Encode(AText);
{$ENDIF}
end;

function IocpAbiText(AP: PAnsiChar; ALength: size_t): string;
{$IFNDEF FPC}
var
  Utf8: UTF8String;
{$ENDIF}
begin
{$IFDEF FPC}
  SetString(Result, AP, ALength);
{$ELSE}
  SetString(Utf8, AP, ALength);
  Result := UTF8ToString(Utf8);
{$ENDIF}
end;

function IocpAbiText(AP: PAnsiChar): string;
var
  N: size_t;
begin
  N := 0;
  if AP <> nil then
    while AP[N] <> #0 do
      Inc(N);
  Result := IocpAbiText(AP, N);
end;

function IocpExceptionFor(ACode: Integer; const AMessage: string; AOsError: Integer): Exception;
begin
  case ACode of
    IOCP_ERR_CLOSED_GRACEFULLY: Result := EIdConnClosedGracefully.Create(AMessage);
    IOCP_ERR_SOCKET: Result := EIdSocketError.CreateError(AOsError, AMessage);
    IOCP_ERR_RESOLVE: Result := EIdResolveError.CreateError(AOsError, AMessage);
    IOCP_ERR_READ_TIMEOUT: Result := EIdReadTimeout.Create(AMessage);
    IOCP_ERR_MAX_LINE_LENGTH: Result := EIdReadLnMaxLineLengthExceeded.Create(AMessage);
    IOCP_ERR_READLN_MAX_ATTEMPTS: Result := EIdReadLnWaitMaxAttemptsExceeded.Create(AMessage);
    IOCP_ERR_NOT_CONNECTED: Result := EIdNotConnected.Create(AMessage);
    IOCP_ERR_BIND: Result := EIdCouldNotBindSocket.Create(AMessage);
    IOCP_ERR_CONNECT_TIMEOUT: Result := EIdConnectTimeout.Create(AMessage);
    IOCP_ERR_NO_ON_EXECUTE: Result := EIdTCPNoOnExecute.Create(AMessage);
    IOCP_ERR_NO_DATA_TO_READ: Result := EIdNoDataToRead.Create(AMessage);
    IOCP_ERR_REQUIRES_LARGE_STREAM: Result := EIdIOHandlerRequiresLargeStream.Create(AMessage);
    IOCP_ERR_STREAM_TOO_LARGE: Result := EIdIOHandlerStreamDataTooLarge.Create(AMessage);
    IOCP_ERR_CONFIG: Result := EIocpConfigError.Create(AMessage);
  else
    Result := EIdException.Create(AMessage);
  end;
end;

{ IocpCheck's failure path, apart so that the check itself holds no string (and so no
  exception frame) on every successful call. }
procedure RaiseIocpError(AResult: Integer);
begin
  raise IocpExceptionFor(AResult, IocpAbiText(iocp_last_error), iocp_last_os_error);
end;

procedure IocpCheck(AResult: Integer);
begin
  if AResult < IOCP_OK then
    RaiseIocpError(AResult);
end;

function IocpReportHandlerError(E: Exception): Integer;
var
  Msg: TIocpAbiString;
begin
  Msg := IocpAbiString(E.Message);
  iocp_set_handler_error(IocpCodeOf(E), PAnsiChar(Msg), Length(Msg));
  Result := IOCP_ERR_HANDLER;
end;

function IocpCodeOf(E: Exception): Integer;
begin
  if E is EIdConnClosedGracefully then Result := IOCP_ERR_CLOSED_GRACEFULLY
  else if E is EIdResolveError then Result := IOCP_ERR_RESOLVE
  else if E is EIdSocketError then Result := IOCP_ERR_SOCKET
  else if E is EIdReadTimeout then Result := IOCP_ERR_READ_TIMEOUT
  else if E is EIdReadLnMaxLineLengthExceeded then Result := IOCP_ERR_MAX_LINE_LENGTH
  else if E is EIdReadLnWaitMaxAttemptsExceeded then Result := IOCP_ERR_READLN_MAX_ATTEMPTS
  else if E is EIdNotConnected then Result := IOCP_ERR_NOT_CONNECTED
  else if E is EIdNoDataToRead then Result := IOCP_ERR_NO_DATA_TO_READ
  else if E is EIdIOHandlerRequiresLargeStream then Result := IOCP_ERR_REQUIRES_LARGE_STREAM
  else if E is EIdIOHandlerStreamDataTooLarge then Result := IOCP_ERR_STREAM_TOO_LARGE
  else if E is EIocpConfigError then Result := IOCP_ERR_CONFIG
  else Result := IOCP_ERR_FAILED;
end;

procedure IndySleep(ATime: LongWord);
begin
  if ATime > LongWord(High(Integer)) then
    ATime := High(Integer);
  iocp_sleep(Integer(ATime));
end;

procedure IocpPrepareRuntime;
begin
  { Callbacks arrive on threads the runtime did not start: string reference counts and the heap
    must use their thread-safe paths. }
  IsMultiThread := True;
end;

initialization
  IocpInitText;
end.
