{ IocpGlobal: what the Pascal units share, with Indy's names: TIdBytes, the exception classes,
  the text encodings (DefStringEncoding, IndyTextEncoding_*), the C ABI's results raised as
  those exceptions, and the thread set-up callbacks from the engine need.

  Valid Delphi and Free Pascal (mode delphi); FPC-only code sits under IFDEF FPC. }
unit IocpGlobal;

{$IFDEF FPC}
  {$mode delphi}
{$ENDIF}

interface

uses
  SysUtils, IocpApi;

type
  TIdBytes = array of Byte;

  { Indy's exception classes (IdException, IdExceptionCore, IdStack). }
  EIdException = class(Exception);
  EIdSilentException = class(EIdException);
  EIdConnClosedGracefully = class(EIdSilentException);
  EIdSocketError = class(EIdException)
  private
    FLastError: Integer;
  public
    constructor CreateError(const AErr: Integer; const AMsg: string);
    property LastError: Integer read FLastError;
  end;
  EIdReadTimeout = class(EIdException);
  EIdReadLnMaxLineLengthExceeded = class(EIdException);
  EIdReadLnWaitMaxAttemptsExceeded = class(EIdException);
  EIdNotConnected = class(EIdException);
  EIdConnectTimeout = class(EIdException);
  EIdCouldNotBindSocket = class(EIdException);
  EIdTCPNoOnExecute = class(EIdException);

  { Indy's IIdTextEncoding, as far as the IOHandler needs it: string <-> bytes. }
  IIdTextEncoding = interface
    ['{5C6D3E2A-8F41-4B7E-9A0C-2E7F1D6B3A91}']
    function GetBytes(const AString: string): TIdBytes;
    function GetString(const ABytes: PAnsiChar; ALength: Integer): string;
  end;

{ UTF-8; 7-bit ASCII (other characters become '?'); 8-bit (a byte is a character, Latin-1);
  the default, ASCII as in Indy. Any thread. }
function IndyTextEncoding_UTF8: IIdTextEncoding;
function IndyTextEncoding_ASCII: IIdTextEncoding;
function IndyTextEncoding_8Bit: IIdTextEncoding;
function IndyTextEncoding_Default: IIdTextEncoding;

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

implementation

constructor EIdSocketError.CreateError(const AErr: Integer; const AMsg: string);
begin
  inherited Create(AMsg);
  FLastError := AErr;
end;

type
  TEncodingKind = (ekUTF8, ekASCII, ek8Bit);

  TIocpTextEncoding = class(TInterfacedObject, IIdTextEncoding)
  private
    FKind: TEncodingKind;
  public
    constructor Create(AKind: TEncodingKind);
    function GetBytes(const AString: string): TIdBytes;
    function GetString(const ABytes: PAnsiChar; ALength: Integer): string;
  end;

constructor TIocpTextEncoding.Create(AKind: TEncodingKind);
begin
  inherited Create;
  FKind := AKind;
end;

function TIocpTextEncoding.GetBytes(const AString: string): TIdBytes;
var
  I: Integer;
{$IFDEF UNICODE}
  U: UTF8String;
{$ENDIF}
begin
  Result := nil;
{$IFDEF UNICODE}
  { string is UTF-16 (Delphi 2009 and later). }
  case FKind of
    ekUTF8:
      begin
        U := UTF8Encode(AString);
        SetLength(Result, Length(U));
        if Length(U) > 0 then Move(U[1], Result[0], Length(U));
      end;
  else
    SetLength(Result, Length(AString));
    for I := 1 to Length(AString) do
      if (Ord(AString[I]) < 128) or ((FKind = ek8Bit) and (Ord(AString[I]) < 256)) then
        Result[I - 1] := Ord(AString[I])
      else
        Result[I - 1] := Ord('?');
  end;
{$ELSE}
  { string holds bytes (Free Pascal: in the system code page, UTF-8 on Linux): UTF-8 and 8-bit
    pass them on as they are; ASCII replaces what is not 7-bit. }
  SetLength(Result, Length(AString));
  if Length(AString) > 0 then Move(AString[1], Result[0], Length(AString));
  if FKind = ekASCII then
    for I := 0 to High(Result) do
      if Result[I] > 127 then Result[I] := Ord('?');
{$ENDIF}
end;

function TIocpTextEncoding.GetString(const ABytes: PAnsiChar; ALength: Integer): string;
var
  I: Integer;
  Raw: RawByteString;
begin
  SetString(Raw, ABytes, ALength);
  if FKind = ekASCII then
    for I := 1 to Length(Raw) do
      if Ord(Raw[I]) > 127 then Raw[I] := '?';
{$IFDEF UNICODE}
  if FKind = ekUTF8 then
    Result := UTF8ToString(Raw)
  else
  begin
    SetLength(Result, Length(Raw));
    for I := 1 to Length(Raw) do Result[I] := Char(Ord(Raw[I]));
  end;
{$ELSE}
  Result := Raw;
{$ENDIF}
end;

var
  GUTF8, GASCII, G8Bit: IIdTextEncoding;

function IndyTextEncoding_UTF8: IIdTextEncoding;
begin
  Result := GUTF8;
end;

function IndyTextEncoding_ASCII: IIdTextEncoding;
begin
  Result := GASCII;
end;

function IndyTextEncoding_8Bit: IIdTextEncoding;
begin
  Result := G8Bit;
end;

function IndyTextEncoding_Default: IIdTextEncoding;
begin
  Result := GASCII;
end;

function IocpExceptionFor(ACode: Integer; const AMessage: string; AOsError: Integer): Exception;
begin
  case ACode of
    IOCP_ERR_CLOSED_GRACEFULLY: Result := EIdConnClosedGracefully.Create(AMessage);
    IOCP_ERR_SOCKET: Result := EIdSocketError.CreateError(AOsError, AMessage);
    IOCP_ERR_READ_TIMEOUT: Result := EIdReadTimeout.Create(AMessage);
    IOCP_ERR_MAX_LINE_LENGTH: Result := EIdReadLnMaxLineLengthExceeded.Create(AMessage);
    IOCP_ERR_READLN_MAX_ATTEMPTS: Result := EIdReadLnWaitMaxAttemptsExceeded.Create(AMessage);
    IOCP_ERR_NOT_CONNECTED: Result := EIdNotConnected.Create(AMessage);
    IOCP_ERR_BIND: Result := EIdCouldNotBindSocket.Create(AMessage);
    IOCP_ERR_CONNECT_TIMEOUT: Result := EIdConnectTimeout.Create(AMessage);
    IOCP_ERR_NO_ON_EXECUTE: Result := EIdTCPNoOnExecute.Create(AMessage);
  else
    Result := EIdException.Create(AMessage);
  end;
end;

procedure IocpCheck(AResult: Integer);
begin
  if AResult < IOCP_OK then
    raise IocpExceptionFor(AResult, string(iocp_last_error), iocp_last_os_error);
end;

function IocpReportHandlerError(E: Exception): Integer;
var
  Msg: AnsiString;
begin
  Msg := AnsiString(E.Message);
  iocp_set_handler_error(IocpCodeOf(E), PAnsiChar(Msg), Length(Msg));
  Result := IOCP_ERR_HANDLER;
end;

function IocpCodeOf(E: Exception): Integer;
begin
  if E is EIdConnClosedGracefully then Result := IOCP_ERR_CLOSED_GRACEFULLY
  else if E is EIdSocketError then Result := IOCP_ERR_SOCKET
  else if E is EIdReadTimeout then Result := IOCP_ERR_READ_TIMEOUT
  else if E is EIdReadLnMaxLineLengthExceeded then Result := IOCP_ERR_MAX_LINE_LENGTH
  else if E is EIdReadLnWaitMaxAttemptsExceeded then Result := IOCP_ERR_READLN_MAX_ATTEMPTS
  else if E is EIdNotConnected then Result := IOCP_ERR_NOT_CONNECTED
  else Result := IOCP_ERR_FAILED;
end;

procedure IocpPrepareRuntime;
begin
  { Callbacks arrive on threads the runtime did not start: string reference counts and the heap
    must use their thread-safe paths. }
  IsMultiThread := True;
end;

initialization
  GUTF8 := TIocpTextEncoding.Create(ekUTF8);
  GASCII := TIocpTextEncoding.Create(ekASCII);
  G8Bit := TIocpTextEncoding.Create(ek8Bit);
end.
