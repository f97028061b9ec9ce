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
  SysUtils, IocpApi;

type
  TIdBytes = array of Byte;
  { Indy's tick count (milliseconds of a clock that never goes back) and unsigned 64-bit type. }
  TIdTicks = UInt64;
  TIdUInt64 = UInt64;
  TIdPort = Word;  { Indy's port type (UInt16). }

  { Indy's TIdComponent status (IdComponent) and its event. }
  TIdStatus = (hsResolving, hsConnecting, hsConnected, hsDisconnecting, hsDisconnected, hsStatusText,
    ftpTransfer, ftpReady, ftpAborted);
  TIdStatusEvent = procedure(ASender: TObject; const AStatus: TIdStatus; const AStatusText: string) of object;

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
  EIdClosedSocket = class(EIdException);
  EIdNotEnoughDataInBuffer = class(EIdException);
  EIdConnectTimeout = class(EIdException);
  EIdCouldNotBindSocket = class(EIdException);
  EIdTCPNoOnExecute = class(EIdException);
  EIdTCPConnectionError = class(EIdException);
  EIdNoDataToRead = class(EIdTCPConnectionError);
  EIdIOHandler = class(EIdException);
  EIdIOHandlerRequiresLargeStream = class(EIdIOHandler);
  EIdIOHandlerStreamDataTooLarge = class(EIdIOHandler);
  EIdMaxCaptureLineExceeded = class(EIdException);

  { Indy's IIdTextEncoding, as far as the IOHandler needs it: string <-> bytes. }
  IIdTextEncoding = interface
    ['{5C6D3E2A-8F41-4B7E-9A0C-2E7F1D6B3A91}']
    function GetBytes(const AString: string): TIdBytes;
    function GetString(const ABytes: PAnsiChar; ALength: Integer): string; overload;
    { Indy's: the bytes (AByteCount < 0: to the end) as text. }
    function GetString(const ABytes: TIdBytes): string; overload;
    function GetString(const ABytes: TIdBytes; AByteIndex, AByteCount: Integer): string; overload;
  end;

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

{$IFNDEF FPC}
  {$IFNDEF MSWINDOWS}
uses
  Classes;  { TThread.GetTickCount64 (Ticks64). }
  {$ENDIF}
{$ENDIF}

constructor EIdSocketError.CreateError(const AErr: Integer; const AMsg: string);
begin
  inherited Create(AMsg);
  FLastError := AErr;
end;

type
  TEncodingKind = (ekUTF8, ekASCII, ek8Bit);

  { Which of ours an encoding is (an encoding of another kind is treated as UTF-8). }
  IIocpEncodingKind = interface
    ['{0B7E5D1C-3A62-4F8E-A4D9-6C21E7F0B845}']
    function Kind: TEncodingKind;
  end;

  TIocpTextEncoding = class(TInterfacedObject, IIdTextEncoding, IIocpEncodingKind)
  private
    FKind: TEncodingKind;
  public
    constructor Create(AKind: TEncodingKind);
    function Kind: TEncodingKind;
    function GetBytes(const AString: string): TIdBytes;
    function GetString(const ABytes: PAnsiChar; ALength: Integer): string; overload;
    function GetString(const ABytes: TIdBytes): string; overload;
    function GetString(const ABytes: TIdBytes; AByteIndex, AByteCount: Integer): string; overload;
  end;

var
  GUTF8, GASCII, G8Bit: IIdTextEncoding;  { IndyTextEncoding_*: one object each, made at start-up. }

constructor TIocpTextEncoding.Create(AKind: TEncodingKind);
begin
  inherited Create;
  FKind := AKind;
end;

function TIocpTextEncoding.Kind: TEncodingKind;
begin
  Result := FKind;
end;

function KindOf(AEncoding: IIdTextEncoding): TEncodingKind;
var
  K: IIocpEncodingKind;
begin
  if AEncoding = nil then
    Result := ekASCII  { Indy's default. }
  else if Supports(AEncoding, IIocpEncodingKind, K) then
    Result := K.Kind
  else
    Result := ekUTF8;
end;

type
  TCodePoints = array of Cardinal;

{ Characters of bytes in an encoding: UTF-8 decoded (a malformed byte is U+FFFD), ASCII and 8-bit a
  byte each (ASCII: above 127 is '?'). }
function Decode(P: PByte; N: Integer; AKind: TEncodingKind): TCodePoints;
var
  I, Count, More: Integer;
  C: Cardinal;
begin
  Result := nil;
  SetLength(Result, N);
  Count := 0;
  I := 0;
  while I < N do
  begin
    C := P[I];
    Inc(I);
    if (AKind = ekASCII) and (C > 127) then
      C := Ord('?')
    else if (AKind = ekUTF8) and (C > 127) then
    begin
      if C and $E0 = $C0 then begin More := 1; C := C and $1F; end
      else if C and $F0 = $E0 then begin More := 2; C := C and $0F; end
      else if C and $F8 = $F0 then begin More := 3; C := C and $07; end
      else begin More := 0; C := $FFFD; end;
      while (More > 0) and (I < N) and (P[I] and $C0 = $80) do
      begin
        C := (C shl 6) or (P[I] and $3F);
        Inc(I);
        Dec(More);
      end;
      if More > 0 then C := $FFFD;
    end;
    Result[Count] := C;
    Inc(Count);
  end;
  SetLength(Result, Count);
end;

function Encode(const ACodePoints: TCodePoints; AKind: TEncodingKind): TIdBytes;
var
  I, N: Integer;
  C: Cardinal;
begin
  Result := nil;
  SetLength(Result, Length(ACodePoints) * 4);
  N := 0;
  for I := 0 to High(ACodePoints) do
  begin
    C := ACodePoints[I];
    if (AKind = ekUTF8) and (C > 127) then
    begin
      if C < $800 then
      begin
        Result[N] := $C0 or (C shr 6); Result[N + 1] := $80 or (C and $3F); Inc(N, 2);
      end
      else if C < $10000 then
      begin
        Result[N] := $E0 or (C shr 12); Result[N + 1] := $80 or ((C shr 6) and $3F);
        Result[N + 2] := $80 or (C and $3F); Inc(N, 3);
      end
      else
      begin
        Result[N] := $F0 or (C shr 18); Result[N + 1] := $80 or ((C shr 12) and $3F);
        Result[N + 2] := $80 or ((C shr 6) and $3F); Result[N + 3] := $80 or (C and $3F); Inc(N, 4);
      end;
    end
    else
    begin
      if ((AKind = ekASCII) and (C > 127)) or (C > 255) then C := Ord('?');
      Result[N] := C;
      Inc(N);
    end;
  end;
  SetLength(Result, N);
end;

function IocpTextToBytes(const AText: string; AByteEncoding: IIdTextEncoding;
  ASrcEncoding: IIdTextEncoding): TIdBytes;
begin
  if AByteEncoding = nil then
    AByteEncoding := IndyTextEncoding_Default;
{$IFNDEF UNICODE}
  if (ASrcEncoding <> nil) and (AText <> '') then
  begin
    if ASrcEncoding = AByteEncoding then
    begin
      Result := nil;  { The same encoding: the bytes as they are (Indy too). }
      SetLength(Result, Length(AText));
      Move(AText[1], Result[0], Length(AText));
    end
    else
      Result := Encode(Decode(PByte(@AText[1]), Length(AText), KindOf(ASrcEncoding)), KindOf(AByteEncoding));
    Exit;
  end;
{$ENDIF}
  Result := AByteEncoding.GetBytes(AText);
end;

function IocpBytesToText(ABytes: PAnsiChar; ALength: Integer; AByteEncoding: IIdTextEncoding;
  ADestEncoding: IIdTextEncoding): string;
{$IFNDEF UNICODE}
var
  B: TIdBytes;
{$ENDIF}
begin
  if AByteEncoding = nil then
    AByteEncoding := IndyTextEncoding_Default;
{$IFNDEF UNICODE}
  if (ADestEncoding <> nil) and (ALength > 0) then
  begin
    if ADestEncoding = AByteEncoding then
      SetString(Result, ABytes, ALength)
    else
    begin
      B := Encode(Decode(PByte(ABytes), ALength, KindOf(AByteEncoding)), KindOf(ADestEncoding));
      SetString(Result, PAnsiChar(@B[0]), Length(B));
    end;
    Exit;
  end;
{$ENDIF}
  Result := AByteEncoding.GetString(ABytes, ALength);
end;

function IocpBytesPassThrough(const AEncoding: IIdTextEncoding; AText: PAnsiChar; ALength: Integer): Boolean;
{$IFNDEF UNICODE}
var
  I: Integer;
{$ENDIF}
begin
{$IFDEF UNICODE}
  Result := False;
{$ELSE}
  if (Pointer(AEncoding) = Pointer(GUTF8)) or (Pointer(AEncoding) = Pointer(G8Bit)) then
    Exit(True);
  if (AEncoding <> nil) and (Pointer(AEncoding) <> Pointer(GASCII)) then
    Exit(False);
  for I := 0 to ALength - 1 do
    if Ord(AText[I]) > 127 then
      Exit(False);
  Result := True;
{$ENDIF}
end;

function IocpTryBytesAsText(const AEncoding: IIdTextEncoding; ABytes: PAnsiChar; ALength: Integer;
  out AText: string): Boolean;
{$IFNDEF UNICODE}
var
  I: Integer;
  P: PAnsiChar;
{$ENDIF}
begin
{$IFDEF UNICODE}
  AText := '';
  Result := False;
{$ELSE}
  Result := (AEncoding = nil) or (Pointer(AEncoding) = Pointer(GASCII)) or (Pointer(AEncoding) = Pointer(GUTF8))
    or (Pointer(AEncoding) = Pointer(G8Bit));
  if not Result then
  begin
    AText := '';
    Exit;
  end;
  SetString(AText, ABytes, ALength);
  if (AEncoding = nil) or (Pointer(AEncoding) = Pointer(GASCII)) then
  begin
    P := PAnsiChar(AText);
    for I := 0 to ALength - 1 do
      if Ord(P[I]) > 127 then
        P[I] := '?';
  end;
{$ENDIF}
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

function TIocpTextEncoding.GetString(const ABytes: TIdBytes): string;
begin
  Result := GetString(ABytes, 0, Length(ABytes));
end;

function TIocpTextEncoding.GetString(const ABytes: TIdBytes; AByteIndex, AByteCount: Integer): string;
begin
  if AByteIndex < 0 then AByteIndex := 0;
  if (AByteCount < 0) or (AByteIndex + AByteCount > Length(ABytes)) then
    AByteCount := Length(ABytes) - AByteIndex;
  if AByteCount <= 0 then
    Result := ''
  else
    Result := GetString(PAnsiChar(@ABytes[AByteIndex]), AByteCount);
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
    IOCP_ERR_NO_DATA_TO_READ: Result := EIdNoDataToRead.Create(AMessage);
    IOCP_ERR_REQUIRES_LARGE_STREAM: Result := EIdIOHandlerRequiresLargeStream.Create(AMessage);
    IOCP_ERR_STREAM_TOO_LARGE: Result := EIdIOHandlerStreamDataTooLarge.Create(AMessage);
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
  else if E is EIdNoDataToRead then Result := IOCP_ERR_NO_DATA_TO_READ
  else if E is EIdIOHandlerRequiresLargeStream then Result := IOCP_ERR_REQUIRES_LARGE_STREAM
  else if E is EIdIOHandlerStreamDataTooLarge then Result := IOCP_ERR_STREAM_TOO_LARGE
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
  GUTF8 := TIocpTextEncoding.Create(ekUTF8);
  GASCII := TIocpTextEncoding.Create(ekASCII);
  G8Bit := TIocpTextEncoding.Create(ek8Bit);
end.
