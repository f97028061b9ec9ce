{ Stand-in for Indy's IdGlobal (CI has no Indy): the types the
  bridge takes from Indy, declared as Indy 10 declares them, and the conversions it calls. Not
  Indy's code; the encodings are minimal (UTF-8 and 8-bit keep bytes, ASCII gives '?'). }
unit IdGlobal;

{$mode delphi}

{$IFNDEF IOCP_INDY_TYPES}
  {$ERROR Indy's IdGlobal (stand-in) without IOCP_INDY_TYPES: a unit that keeps Indy's units beside the bridge's is built with that define; any other unit should not name IdGlobal after migration}
{$ENDIF}

interface

type
  TIdBytes = array of Byte;
  TIdTicks = UInt64;
  TIdUInt64 = QWord;
  TIdPort = UInt16;
  TIdMaxLineAction = (maException, maSplit);
  TIdIPVersion = (Id_IPv4, Id_IPv6);
  TIdReuseSocket = (rsOSDependent, rsTrue, rsFalse);
  IdTextEncodingType = (encIndyDefault, encOSDefault, enc8Bit, encASCII, encUTF16BE, encUTF16LE, encUTF7, encUTF8);

  IIdTextEncoding = interface(IInterface)
    ['{FA87FAE5-E3E3-4632-8FCA-2FB786848655}']
    function GetBytes(const AStr: UnicodeString): TIdBytes; overload;
    function GetString(const ABytes: TIdBytes): UnicodeString; overload;
  end;

const
  IdTimeoutDefault = -1;
  IdTimeoutInfinite = -2;

function ToBytes(const AValue: string; ADestEncoding: IIdTextEncoding = nil;
  ASrcEncoding: IIdTextEncoding = nil): TIdBytes; overload;
function BytesToString(const AValue: TIdBytes; AByteEncoding: IIdTextEncoding = nil;
  ADestEncoding: IIdTextEncoding = nil): string; overload;
function IndyTextEncoding_UTF8: IIdTextEncoding;
function IndyTextEncoding_ASCII: IIdTextEncoding;
function IndyTextEncoding_8Bit: IIdTextEncoding;
function IndyTextEncoding_Default: IIdTextEncoding;

implementation

type
  TStandInEncoding = class(TInterfacedObject, IIdTextEncoding)
  private
    FAscii: Boolean;
  public
    constructor Create(AAscii: Boolean);
    function GetBytes(const AStr: UnicodeString): TIdBytes; overload;
    function GetString(const ABytes: TIdBytes): UnicodeString; overload;
  end;

var
  GUTF8, GASCII, G8Bit: IIdTextEncoding;

constructor TStandInEncoding.Create(AAscii: Boolean);
begin
  inherited Create;
  FAscii := AAscii;
end;

function TStandInEncoding.GetBytes(const AStr: UnicodeString): TIdBytes;
begin
  Result := ToBytes(string(AStr), Self);
end;

function TStandInEncoding.GetString(const ABytes: TIdBytes): UnicodeString;
begin
  Result := UnicodeString(BytesToString(ABytes, Self));
end;

function IsAscii(AEncoding: IIdTextEncoding): Boolean;
begin
  Result := (AEncoding = nil) or (AEncoding = GASCII);
end;

function ToBytes(const AValue: string; ADestEncoding: IIdTextEncoding; ASrcEncoding: IIdTextEncoding): TIdBytes;
var
  I: Integer;
begin
  Result := nil;
  SetLength(Result, Length(AValue));
  for I := 1 to Length(AValue) do
    if IsAscii(ADestEncoding) and (Ord(AValue[I]) > 127) then
      Result[I - 1] := Ord('?')
    else
      Result[I - 1] := Ord(AValue[I]);
end;

function BytesToString(const AValue: TIdBytes; AByteEncoding: IIdTextEncoding; ADestEncoding: IIdTextEncoding): string;
var
  I: Integer;
begin
  Result := '';
  SetLength(Result, Length(AValue));
  for I := 0 to High(AValue) do
    if IsAscii(AByteEncoding) and (AValue[I] > 127) then
      Result[I + 1] := '?'
    else
      Result[I + 1] := Char(AValue[I]);
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

initialization
  GUTF8 := TStandInEncoding.Create(False);
  GASCII := TStandInEncoding.Create(True);
  G8Bit := TStandInEncoding.Create(False);
end.
