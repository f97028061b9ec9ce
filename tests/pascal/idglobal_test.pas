{ Indy's IdGlobal helpers from IocpGlobal (ToBytes, BytesToString, AppendBytes, CopyTIdString,
  BytesToInt32, Fetch, TextStartsWith, IndyStrToInt, iif, ToHex, GetTickDiff, Ticks64,
  IndyFormat, CharIsInSet, PosIdx, ...) against what real Indy 10 returns for the same calls
  (Indy 10 built with Free Pascal 3.2.2, mode delphi, Linux x86-64). What Indy does, in short:

  - Integers go to bytes in host byte order (ToBytes(UInt32($DEADBEEF)) = EF BE AD DE here); an
    integer literal picks the smallest type: ToBytes(5) and ToBytes(-1) are 1 byte, ToBytes(300)
    2, ToBytes(70000) 4, ToBytes($100000000) 8.
  - Fetch without the delimiter in the input returns all of it and empties the input (with
    ADelete); ADelete = False leaves the input alone; an empty delimiter is never found.
  - Where string holds bytes: encodings convert unless source and target are the same encoding
    object (then the bytes pass as they are); BytesToString's missing ADestEncoding is Indy's
    default, ASCII (BytesToString(UTF-8 bytes, IndyTextEncoding_UTF8) = 'caf?'), so with both
    missing the bytes pass as they are.
  - IndyStrToInt trims spaces and raises EConvertError (or gives the default) for non-numbers;
    CharIsInSet raises EIdException for a position below 1 and is False past the end;
    CopyTIdString raises Exception 'Invalid destination index (N)' / 'Invalid destination array'.
  - GetTickDiff counts across the wrap ((High - old) + new + 1); Ticks = Ticks64 mod High(UInt32);
    Ticks64 is the monotonic millisecond clock (GetTickCount64).
  - IndyFormat formats with '.' and ',' whatever the locale says.

  Needs no server (the C ABI library is only linked). Prints "N passed, N failed". }
program idglobal_test;

{$mode delphi}

{$IFDEF ENDIAN_BIG}
  {$FATAL The host byte order expectations below are a little-endian host's.}
{$ENDIF}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF} SysUtils, Classes, IocpIndyCompat, IocpGlobal, TestCheck;

{ The bytes as upper-case hex ('' for none). }
function Hex(const B: TIdBytes): string;
var
  I: Integer;
begin
  Result := '';
  for I := 0 to High(B) do
    Result := Result + IntToHex(B[I], 2);
end;

{ Check that ABytes are AHex. }
procedure CheckBytes(const ABytes: TIdBytes; const AHex, What: string);
begin
  Check(Hex(ABytes) = AHex, What + ' = ' + AHex + ' (got ' + Hex(ABytes) + ')');
end;

{ Check that AText is AExpected. }
procedure CheckText(const AText, AExpected, What: string);
begin
  Check(AText = AExpected, What + ' = [' + AExpected + '] (got [' + AText + '])');
end;

{ Fetch(AInput, ADelim, ADelete, ACaseSensitive) returns AResult and leaves ARest. }
procedure CheckFetch(const AInput, ADelim: string; ADelete, ACaseSensitive: Boolean;
  const AResult, ARest: string);
var
  S, R: string;
begin
  S := AInput;
  R := Fetch(S, ADelim, ADelete, ACaseSensitive);
  Check((R = AResult) and (S = ARest), Format('Fetch(''%s'', ''%s'', %s, %s) = ''%s'', rest ''%s'' (got ''%s'', ''%s'')',
    [AInput, ADelim, BoolToStr(ADelete, True), BoolToStr(ACaseSensitive, True), AResult, ARest, R, S]));
end;

{ Text bytes, text, chars and integers to bytes. }
procedure ToBytesCases;
const
  Cafe = 'caf'#$C3#$A9;  { 'café' as UTF-8 bytes (where string holds bytes). }
var
  C: Char;
  B: TIdBytes;
  I32: Integer;
  Buf: array[0..3] of Byte;
begin
  CheckBytes(ToBytes('abc'), '616263', 'ToBytes(''abc'')');
  CheckBytes(ToBytes('abcdef', 3, 2), '626364', 'ToBytes(''abcdef'', 3, 2)');
  CheckBytes(ToBytes('abc', 10, 2), '6263', 'ToBytes(''abc'', 10, 2): what there is');
  CheckBytes(ToBytes('abc', 2), '6162', 'ToBytes(''abc'', 2): from the first');
  CheckBytes(ToBytes('abc', 0), '', 'ToBytes(''abc'', 0)');
  CheckBytes(ToBytes('abc', -1, 4), '', 'ToBytes(''abc'', -1, 4): past the end');
  CheckBytes(ToBytes(''), '', 'ToBytes('''')');
{$IFNDEF UNICODE}
  CheckBytes(ToBytes(Cafe, IndyTextEncoding_ASCII, IndyTextEncoding_UTF8), '6361663F', 'ToBytes(UTF-8 café, ASCII, UTF8)');
  CheckBytes(ToBytes(Cafe, IndyTextEncoding_UTF8, IndyTextEncoding_UTF8), '636166C3A9', 'ToBytes(UTF-8 café, UTF8, UTF8)');
  CheckBytes(ToBytes(Cafe, IndyTextEncoding_8Bit, IndyTextEncoding_UTF8), '636166E9', 'ToBytes(UTF-8 café, 8Bit, UTF8)');
  CheckBytes(ToBytes('caf'#$E9, IndyTextEncoding_UTF8, IndyTextEncoding_8Bit), '636166C3A9', 'ToBytes(Latin-1 café, UTF8, 8Bit)');
  CheckBytes(ToBytes(Cafe, nil, IndyTextEncoding_ASCII), '636166C3A9', 'ToBytes(café, nil, ASCII): the same encoding, bytes as they are');
  CheckBytes(ToBytes(Cafe, IndyTextEncoding_ASCII, IndyTextEncoding_ASCII), '636166C3A9', 'ToBytes(café, ASCII, ASCII): bytes as they are');
  CheckBytes(ToBytes('x' + Cafe, 4, 2, IndyTextEncoding_UTF8, IndyTextEncoding_UTF8), '636166C3', 'ToBytes(''x''+café, 4, 2, UTF8, UTF8): cut inside a character');
  CheckBytes(ToBytes(Char(#$E9), IndyTextEncoding_8Bit, IndyTextEncoding_8Bit), 'E9', 'ToBytes(Char #$E9, 8Bit, 8Bit)');
  CheckBytes(ToBytes(Char(#$E9), IndyTextEncoding_UTF8, IndyTextEncoding_8Bit), 'C3A9', 'ToBytes(Char #$E9, UTF8, 8Bit)');
{$ELSE}
  { The same characters on the wire as above, from a UTF-16 string. }
  CheckBytes(ToBytes('caf'#$E9, IndyTextEncoding_ASCII), '6361663F', 'ToBytes(''café'', ASCII)');
  CheckBytes(ToBytes('caf'#$E9, IndyTextEncoding_UTF8), '636166C3A9', 'ToBytes(''café'', UTF8)');
  CheckBytes(ToBytes('caf'#$E9, IndyTextEncoding_8Bit), '636166E9', 'ToBytes(''café'', 8Bit)');
  CheckBytes(ToBytes(Char(#$E9), IndyTextEncoding_UTF8), 'C3A9', 'ToBytes(Char #$E9, UTF8)');
{$ENDIF}
  C := 'A';
  CheckBytes(ToBytes(C), '41', 'ToBytes(Char ''A'')');
  CheckBytes(ToBytes('A'), '41', 'ToBytes(''A'')');

  { Host byte order. }
  CheckBytes(ToBytes(ShortInt(-1)), 'FF', 'ToBytes(Int8(-1))');
  CheckBytes(ToBytes(Byte($7F)), '7F', 'ToBytes(UInt8($7F))');
  CheckBytes(ToBytes(SmallInt(-2)), 'FEFF', 'ToBytes(Int16(-2))');
  CheckBytes(ToBytes(Word($1234)), '3412', 'ToBytes(UInt16($1234))');
  CheckBytes(ToBytes(Integer(-2)), 'FEFFFFFF', 'ToBytes(Int32(-2))');
  CheckBytes(ToBytes(Cardinal($DEADBEEF)), 'EFBEADDE', 'ToBytes(UInt32($DEADBEEF))');
  CheckBytes(ToBytes(Int64(-2)), 'FEFFFFFFFFFFFFFF', 'ToBytes(Int64(-2))');
  CheckBytes(ToBytes(UInt64($0102030405060708)), '0807060504030201', 'ToBytes(UInt64($0102030405060708))');
  CheckBytes(ToBytes(LongWord(1)), '01000000', 'ToBytes(LongWord(1))');
  { Literals: the smallest type that holds them, as with Indy's overloads. }
  CheckBytes(ToBytes(5), '05', 'ToBytes(5): one byte');
  CheckBytes(ToBytes(-1), 'FF', 'ToBytes(-1): one byte');
  CheckBytes(ToBytes(300), '2C01', 'ToBytes(300): two bytes');
  CheckBytes(ToBytes(70000), '70110100', 'ToBytes(70000): four bytes');
  CheckBytes(ToBytes($100000000), '0000000001000000', 'ToBytes($100000000): eight bytes');

  B := ToBytes('abcdef');
  CheckBytes(ToBytes(B, 2, 1), '6263', 'ToBytes(bytes, 2, 1)');
  CheckBytes(ToBytes(B, -1), '616263646566', 'ToBytes(bytes, -1): all');
  CheckBytes(ToBytes(B, 10, 3), '646566', 'ToBytes(bytes, 10, 3): what there is');
  CheckBytes(ToBytes(B, 3), '616263', 'ToBytes(bytes, 3)');
  CheckBytes(ToBytes(B, 2, 6), '', 'ToBytes(bytes, 2, 6): past the end');

  I32 := $01020304;
  CheckBytes(RawToBytes(I32, 4), '04030201', 'RawToBytes(Int32 $01020304, 4)');
  CheckBytes(RawToBytes(I32, 0), '', 'RawToBytes(x, 0)');
  BytesToRaw(ToBytes(Cardinal($AABBCCDD)), Buf, 4);
  Check((Buf[0] = $DD) and (Buf[1] = $CC) and (Buf[2] = $BB) and (Buf[3] = $AA), 'BytesToRaw(4 bytes)');
  FillChar(Buf, SizeOf(Buf), 0);
  BytesToRaw(ToBytes('xyz'), Buf, 2);
  Check((Buf[0] = $78) and (Buf[1] = $79) and (Buf[2] = 0) and (Buf[3] = 0), 'BytesToRaw(''xyz'', 2): two bytes only');
end;

{ Bytes to text. }
procedure BytesToStringCases;
const
  Cafe = 'caf'#$C3#$A9;
var
  B: TIdBytes;
begin
  B := ToBytes('hello');
  CheckText(BytesToString(B), 'hello', 'BytesToString(''hello'')');
  CheckText(BytesToString(B, 1, 3), 'ell', 'BytesToString(b, 1, 3)');
  CheckText(BytesToString(B, 2), 'llo', 'BytesToString(b, 2)');
  CheckText(BytesToString(B, 10), '', 'BytesToString(b, 10): past the end');
  CheckText(BytesToString(B, 1, 0), '', 'BytesToString(b, 1, 0)');
  CheckText(BytesToString(B, 3, 10), 'lo', 'BytesToString(b, 3, 10): what there is');
  CheckText(BytesToString(nil), '', 'BytesToString(nil)');
  B := nil;
  AppendString(B, 'caf');
  AppendByte(B, $C3);
  AppendByte(B, $A9);  { 'café' in UTF-8. }
{$IFNDEF UNICODE}
  CheckText(BytesToString(B), Cafe, 'BytesToString(UTF-8 bytes): ASCII to ASCII, bytes as they are');
  CheckText(BytesToString(B, IndyTextEncoding_UTF8), 'caf?', 'BytesToString(UTF-8 bytes, UTF8): to Indy''s default, ASCII');
  CheckText(BytesToString(B, IndyTextEncoding_UTF8, IndyTextEncoding_UTF8), Cafe, 'BytesToString(UTF-8 bytes, UTF8, UTF8)');
  CheckText(BytesToString(B, IndyTextEncoding_8Bit, IndyTextEncoding_UTF8), 'caf'#$C3#$83#$C2#$A9, 'BytesToString(UTF-8 bytes, 8Bit, UTF8)');
  CheckText(BytesToString(B, IndyTextEncoding_UTF8, IndyTextEncoding_8Bit), 'caf'#$E9, 'BytesToString(UTF-8 bytes, UTF8, 8Bit)');
  CheckText(BytesToString(B, IndyTextEncoding_8Bit, IndyTextEncoding_8Bit), Cafe, 'BytesToString(UTF-8 bytes, 8Bit, 8Bit)');
  CheckText(BytesToString(B, IndyTextEncoding_8Bit), 'caf??', 'BytesToString(UTF-8 bytes, 8Bit): to ASCII');
  CheckText(BytesToString(B, IndyTextEncoding_ASCII), Cafe, 'BytesToString(UTF-8 bytes, ASCII): ASCII to ASCII, as they are');
  CheckText(BytesToString(B, nil, IndyTextEncoding_ASCII), Cafe, 'BytesToString(UTF-8 bytes, nil, ASCII)');
  CheckText(BytesToString(B, 1, -1, IndyTextEncoding_UTF8, IndyTextEncoding_UTF8), 'af'#$C3#$A9, 'BytesToString(b, 1, -1, UTF8, UTF8)');
  CheckText(BytesToString(B, 3, 1, IndyTextEncoding_UTF8, IndyTextEncoding_UTF8), #$C3, 'BytesToString(b, 3, 1, UTF8, UTF8): half a character');
{$ELSE}
  CheckText(BytesToString(B, IndyTextEncoding_UTF8), 'caf'#$E9, 'BytesToString(UTF-8 bytes, UTF8)');
  CheckText(BytesToString(B, IndyTextEncoding_8Bit), Cafe, 'BytesToString(UTF-8 bytes, 8Bit)');
{$ENDIF}
  CheckText(BytesToStringRaw(B), Cafe, 'BytesToStringRaw: a byte a character');
  CheckText(BytesToStringRaw(B, 3), #$C3#$A9, 'BytesToStringRaw(b, 3)');
  CheckText(BytesToStringRaw(B, 1, 2), 'af', 'BytesToStringRaw(b, 1, 2)');
  CheckText(BytesToStringRaw(B, 9), '', 'BytesToStringRaw(b, 9): past the end');
end;

{ Appending and copying. }
procedure AppendAndCopyCases;
var
  B, B2: TIdBytes;
  Raised: string;
begin
  B := ToBytes('ab');
  AppendBytes(B, ToBytes('cdef'));
  CheckBytes(B, '616263646566', 'AppendBytes');
  AppendBytes(B, ToBytes('xyz'), 1);
  CheckBytes(B, '616263646566797A', 'AppendBytes(from 1)');
  AppendBytes(B, ToBytes('123'), 1, 1);
  CheckBytes(B, '616263646566797A32', 'AppendBytes(from 1, 1 byte)');
  AppendBytes(B, ToBytes('123'), 5);
  CheckBytes(B, '616263646566797A32', 'AppendBytes(from past the end): nothing');
  B := nil;
  AppendBytes(B, nil);
  Check(Length(B) = 0, 'AppendBytes(nil, nil): still empty');
  AppendByte(B, $41);
  AppendByte(B, $FF);
  CheckBytes(B, '41FF', 'AppendByte twice');
  B := nil;
  AppendString(B, 'hi');
  AppendString(B, 'there', 3);
  CheckBytes(B, '6869746865', 'AppendString(''hi''), AppendString(''there'', 3)');
{$IFNDEF UNICODE}
  AppendString(B, 'caf'#$C3#$A9, -1, IndyTextEncoding_UTF8, IndyTextEncoding_UTF8);
{$ELSE}
  AppendString(B, 'caf'#$E9, -1, IndyTextEncoding_UTF8);
{$ENDIF}
  CheckBytes(B, '6869746865636166C3A9', 'AppendString(café, -1, UTF8)');
  AppendString(B, '', -1);
  AppendString(B, 'zz', 0);
  CheckBytes(B, '6869746865636166C3A9', 'AppendString('''') and (''zz'', 0): nothing');

  B := ToBytes('abcdef');
  B2 := ToBytes('------');
  CopyTIdBytes(B, 1, B2, 2, 3);
  CheckBytes(B2, '2D2D6263642D', 'CopyTIdBytes(b, 1, dest, 2, 3)');
  CopyTIdBytes(B, 0, B2, 0, 0);
  CheckBytes(B2, '2D2D6263642D', 'CopyTIdBytes(length 0): nothing');

  B2 := ToBytes('------');
  CopyTIdString('xyz', B2, 1);
  CheckBytes(B2, '2D78797A2D2D', 'CopyTIdString(''xyz'', dest, 1)');
  CopyTIdString('12345', B2, 0, 2);
  CheckBytes(B2, '3132797A2D2D', 'CopyTIdString(''12345'', dest, 0, 2)');
  CopyTIdString('12345', 3, B2, 3);
  CheckBytes(B2, '313279333435', 'CopyTIdString(''12345'', 3, dest, 3)');
  CopyTIdString('abcde', 2, B2, 0, 2);
  CheckBytes(B2, '626379333435', 'CopyTIdString(''abcde'', 2, dest, 0, 2)');
  B2 := ToBytes('------');
{$IFNDEF UNICODE}
  CopyTIdString('x'#$C3#$A9, B2, 0, -1, IndyTextEncoding_UTF8, IndyTextEncoding_UTF8);
{$ELSE}
  CopyTIdString('x'#$E9, B2, 0, -1, IndyTextEncoding_UTF8);
{$ENDIF}
  CheckBytes(B2, '78C3A92D2D2D', 'CopyTIdString(''xé'', dest, 0, -1, UTF8)');

  B2 := ToBytes('------');
  try
    CopyTIdString('ab', B2, 6);
    Raised := 'nothing';
  except
    on E: Exception do Raised := E.ClassName + ': ' + E.Message;
  end;
  CheckText(Raised, 'Exception: Invalid destination index (6)', 'CopyTIdString at the end of dest');
  try
    CopyTIdString('ab', B2, -1);
    Raised := 'nothing';
  except
    on E: Exception do Raised := E.ClassName + ': ' + E.Message;
  end;
  CheckText(Raised, 'Exception: Invalid destination index (-1)', 'CopyTIdString at -1');
  try
    CopyTIdString('abc', B2, 5);
    Raised := 'nothing';
  except
    on E: Exception do Raised := E.ClassName + ': ' + E.Message;
  end;
  CheckText(Raised, 'Exception: Invalid destination array', 'CopyTIdString without the room');
  try
    CopyTIdString('', B2, 9);
    Raised := 'nothing';
  except
    on E: Exception do Raised := E.ClassName + ': ' + E.Message;
  end;
  CheckText(Raised, 'nothing', 'CopyTIdString('''', dest, 9): nothing to copy, no check');
  CheckBytes(B2, '2D2D2D2D2D2D', 'CopyTIdString failures leave dest alone');
end;

{ Integers from bytes, and the lengths. }
procedure BytesToIntCases;
var
  B: TIdBytes;
begin
  B := nil;
  AppendBytes(B, ToBytes(Cardinal($04030201)));
  AppendBytes(B, ToBytes(Cardinal($88070605)));
  AppendByte(B, $FF);  { 01 02 03 04 05 06 07 88 FF }
  Check(BytesToInt32(B) = 67305985, 'BytesToInt32');
  Check(BytesToInt32(B, 1) = 84148994, 'BytesToInt32(b, 1)');
  Check(BytesToInt32(B, 5) = -7862522, 'BytesToInt32(b, 5)');
  Check(BytesToLongInt(B, 5) = -7862522, 'BytesToLongInt(b, 5)');
  Check(BytesToUInt32(B) = 67305985, 'BytesToUInt32');
  Check(BytesToUInt32(B, 5) = 4287104774, 'BytesToUInt32(b, 5)');
  Check(BytesToLongWord(B, 5) = 4287104774, 'BytesToLongWord(b, 5)');
  Check(BytesToUInt16(B) = 513, 'BytesToUInt16');
  Check(BytesToUInt16(B, 7) = 65416, 'BytesToUInt16(b, 7)');
  Check(BytesToWord(B, 7) = 65416, 'BytesToWord(b, 7)');
  Check(BytesToInt16(B, 7) = -120, 'BytesToInt16(b, 7)');
  Check(BytesToShort(B, 7) = -120, 'BytesToShort(b, 7)');
  Check(BytesToShort(B) = 513, 'BytesToShort');
  Check(BytesToInt64(B) = -8644934341102468607, 'BytesToInt64');
  Check(BytesToInt64(B, 1) = -33769274769931518, 'BytesToInt64(b, 1)');
  Check(BytesToUInt64(B) = UInt64(9801809732607083009), 'BytesToUInt64');
  Check(BytesToUInt64(B, 1) = UInt64(18412974798939620098), 'BytesToUInt64(b, 1)');
  Check(BytesToInt64(ToBytes(Int64(-2))) = -2, 'BytesToInt64(ToBytes(Int64(-2)))');

  Check(IndyLength('abc') = 3, 'IndyLength(''abc'')');
  Check(IndyLength('abc', 2) = 2, 'IndyLength(''abc'', 2)');
  Check(IndyLength('abc', -1, 3) = 1, 'IndyLength(''abc'', -1, 3)');
  Check(IndyLength('abc', 5, 4) = 0, 'IndyLength(''abc'', 5, 4)');
  Check(IndyLength('abc', 5, 2) = 2, 'IndyLength(''abc'', 5, 2)');
  Check(IndyLength('') = 0, 'IndyLength('''')');
  B := ToBytes('abcd');
  Check(IndyLength(B) = 4, 'IndyLength(4 bytes)');
  Check(IndyLength(B, 2) = 2, 'IndyLength(b, 2)');
  Check(IndyLength(B, -1, 3) = 1, 'IndyLength(b, -1, 3)');
  Check(IndyLength(B, 5, 5) = 0, 'IndyLength(b, 5, 5)');
  Check(IndyLength(B, 9, 1) = 3, 'IndyLength(b, 9, 1)');
  Check(IndyLength(TIdBytes(nil)) = 0, 'IndyLength(nil)');
end;

{ Fetch and the text helpers. }
procedure TextCases;
var
  S, R: string;
  Raised: string;
begin
  CheckFetch('a b c', ' ', True, True, 'a', 'b c');
  CheckFetch('abc', ' ', True, True, 'abc', '');
  CheckFetch('abc', ' ', False, True, 'abc', 'abc');
  CheckFetch('a b', ' ', False, True, 'a', 'a b');
  CheckFetch('a::b::c', '::', True, True, 'a', 'b::c');
  CheckFetch('aXb', 'x', True, True, 'aXb', '');
  CheckFetch('aXb', 'x', True, False, 'a', 'b');
  CheckFetch('aXb', 'x', False, False, 'a', 'aXb');
  CheckFetch('', ' ', True, True, '', '');
  CheckFetch('abc', '', True, True, 'abc', '');
  CheckFetch(' lead', ' ', True, True, '', 'lead');
  CheckFetch('end ', ' ', True, True, 'end', '');
  CheckFetch('a'#0'b', #0, True, True, 'a', 'b');
  S := 'GET /index.html HTTP/1.1';
  R := Fetch(S);
  Check((R = 'GET') and (S = '/index.html HTTP/1.1'), 'Fetch(request line): defaults '' '', delete');
  S := 'HelloWORLDrest';
  R := FetchCaseInsensitive(S, 'world');
  Check((R = 'Hello') and (S = 'rest'), 'FetchCaseInsensitive(''HelloWORLDrest'', ''world'')');
  S := 'a B c';
  R := FetchCaseInsensitive(S);
  Check((R = 'a') and (S = 'B c'), 'FetchCaseInsensitive(''a B c'')');
  S := 'keyXval';
  R := FetchCaseInsensitive(S, 'x', False);
  Check((R = 'key') and (S = 'keyXval'), 'FetchCaseInsensitive(''keyXval'', ''x'', False)');
  S := 'nodelim';
  R := FetchCaseInsensitive(S, 'x');
  Check((R = 'nodelim') and (S = ''), 'FetchCaseInsensitive(''nodelim'', ''x'')');

  Check(TextIsSame('ABC', 'abc'), 'TextIsSame(''ABC'', ''abc'')');
  Check(not TextIsSame('abc', 'abd'), 'not TextIsSame(''abc'', ''abd'')');
  Check(TextIsSame('', ''), 'TextIsSame('''', '''')');
  Check(not TextIsSame('a', ''), 'not TextIsSame(''a'', '''')');
  Check(TextStartsWith('Hello', 'HE'), 'TextStartsWith(''Hello'', ''HE'')');
  Check(not TextStartsWith('He', 'Hello'), 'not TextStartsWith(''He'', ''Hello'')');
  Check(TextStartsWith('abc', ''), 'TextStartsWith(''abc'', '''')');
  Check(not TextStartsWith('abc', 'b'), 'not TextStartsWith(''abc'', ''b'')');
  Check(TextStartsWith('', ''), 'TextStartsWith('''', '''')');
  Check(TextEndsWith('Hello', 'LO'), 'TextEndsWith(''Hello'', ''LO'')');
  Check(not TextEndsWith('lo', 'Hello'), 'not TextEndsWith(''lo'', ''Hello'')');
  Check(TextEndsWith('abc', ''), 'TextEndsWith(''abc'', '''')');
  Check(not TextEndsWith('abc', 'b'), 'not TextEndsWith(''abc'', ''b'')');

  Check(IndyStrToInt(' 42 ') = 42, 'IndyStrToInt('' 42 '')');
  Check(IndyStrToInt('x', 7) = 7, 'IndyStrToInt(''x'', 7)');
  Check(IndyStrToInt('$1F') = 31, 'IndyStrToInt(''$1F'')');
  Check(IndyStrToInt('-5') = -5, 'IndyStrToInt(''-5'')');
  Check(IndyStrToInt(' ', 9) = 9, 'IndyStrToInt('' '', 9)');
  Check(IndyStrToInt('12abc', 3) = 3, 'IndyStrToInt(''12abc'', 3)');
  try
    IndyStrToInt('abc');
    Raised := 'nothing';
  except
    on E: Exception do Raised := E.ClassName;
  end;
  CheckText(Raised, 'EConvertError', 'IndyStrToInt(''abc'') raises');
  try
    IndyStrToInt('');
    Raised := 'nothing';
  except
    on E: Exception do Raised := E.ClassName;
  end;
  CheckText(Raised, 'EConvertError', 'IndyStrToInt('''') raises');
  Check(IndyStrToInt64(' 9000000000 ') = 9000000000, 'IndyStrToInt64('' 9000000000 '')');
  Check(IndyStrToInt64('x', 7) = 7, 'IndyStrToInt64(''x'', 7)');

  Check(iif(True, 1, 2) = 1, 'iif(True, 1, 2)');
  Check(iif(False, 1, 2) = 2, 'iif(False, 1, 2)');
  CheckText(iif(True, 'a', 'b'), 'a', 'iif(True, ''a'', ''b'')');
  CheckText(iif(False, 'a'), '', 'iif(False, ''a''): default ''''');
  CheckText(iif(True, 'a'), 'a', 'iif(True, ''a'')');
  Check(iif(True, False, True) = False, 'iif(True, False, True)');
  Check(iif(False, False, True) = True, 'iif(False, False, True)');

  Check(CharIsInSet('abc', 2, 'xb'), 'CharIsInSet(''abc'', 2, ''xb'')');
  Check(not CharIsInSet('abc', 4, 'a'), 'not CharIsInSet(''abc'', 4, ''a''): past the end');
  Check(not CharIsInSet('abc', 1, ''), 'not CharIsInSet(''abc'', 1, '''')');
  Check(CharIsInSet('abc', 3, 'c'), 'CharIsInSet(''abc'', 3, ''c'')');
  try
    CharIsInSet('abc', 0, 'a');
    Raised := 'nothing';
  except
    on E: Exception do Raised := E.ClassName + ': ' + E.Message;
  end;
  CheckText(Raised, 'EIdException: Invalid ACharPos', 'CharIsInSet(''abc'', 0, ''a'') raises');

  Check(PosIdx('b', 'abcb') = 2, 'PosIdx(''b'', ''abcb'')');
  Check(PosIdx('b', 'abcb', 3) = 4, 'PosIdx(''b'', ''abcb'', 3)');
  Check(PosIdx('', 'abc') = 0, 'PosIdx('''', ''abc'')');
  Check(PosIdx('bc', 'abcbc', 3) = 4, 'PosIdx(''bc'', ''abcbc'', 3)');
  Check(PosIdx('x', 'abc') = 0, 'PosIdx(''x'', ''abc'')');
  Check(PosIdx('abc', 'ab') = 0, 'PosIdx(''abc'', ''ab'')');
  Check(PosIdx('c', 'abc', 4) = 0, 'PosIdx(''c'', ''abc'', 4)');
  Check(PosIdx('a', 'abc', 0) = 1, 'PosIdx(''a'', ''abc'', 0): 0 is 1');
  Check(PosIdx('a', '') = 0, 'PosIdx(''a'', '''')');
  Check(PosIdx('bd', 'abcbd', 1) = 4, 'PosIdx(''bd'', ''abcbd'', 1)');
  Check(PosIdx('c', 'abc', 3) = 3, 'PosIdx(''c'', ''abc'', 3)');
  Check(PosIdx('c', 'abc', 9) = 0, 'PosIdx(''c'', ''abc'', 9)');
end;

{ Hex, ticks, IndyFormat. }
procedure HexTicksFormatCases;
var
  B: TIdBytes;
  Before, T, After: UInt64;
  T32: Cardinal;
  H: string;
  NoBytes: TIdBytes;
  SavedDecimal, SavedThousand: Char;
begin
  CheckText(ByteToHex($AB), 'AB', 'ByteToHex($AB)');
  CheckText(ByteToHex(5), '05', 'ByteToHex(5)');
  CheckText(ByteToHex(0), '00', 'ByteToHex(0)');
  CheckText(ByteToHex($FF), 'FF', 'ByteToHex($FF)');
  B := ToBytes(Cardinal($EFBEADDE));  { DE AD BE EF }
  { Through H and NoBytes: FPC 3.2.2 stops with an internal error on Indy's inline ToHex as an
    argument or given TIdBytes(nil) (this program also builds against real Indy). }
  NoBytes := nil;
  H := ToHex(B);
  CheckText(H, 'DEADBEEF', 'ToHex(DE AD BE EF)');
  H := ToHex(B, 2);
  CheckText(H, 'DEAD', 'ToHex(b, 2)');
  H := ToHex(B, 2, 1);
  CheckText(H, 'ADBE', 'ToHex(b, 2, 1)');
  H := ToHex(B, 10, 3);
  CheckText(H, 'EF', 'ToHex(b, 10, 3)');
  H := ToHex(NoBytes);
  CheckText(H, '', 'ToHex(nil)');
  H := ToHex(B, -1, 4);
  CheckText(H, '', 'ToHex(b, -1, 4)');
  H := ToHex(B, 0);
  CheckText(H, '', 'ToHex(b, 0)');

  Check(GetTickDiff(10, 15) = 5, 'GetTickDiff(10, 15)');
  Check(GetTickDiff(Cardinal($FFFFFFF0), 5) = 21, 'GetTickDiff($FFFFFFF0, 5): across the wrap');
  Check(GetTickDiff(5, 5) = 0, 'GetTickDiff(5, 5)');
  Check(GetTickDiff(Cardinal($FFFFFFFF), 0) = 1, 'GetTickDiff($FFFFFFFF, 0)');
  Check(GetTickDiff64(10, 15) = 5, 'GetTickDiff64(10, 15)');
  Check(GetTickDiff64(High(UInt64) - 1, 1) = 3, 'GetTickDiff64(High - 1, 1)');
  Check(GetTickDiff64(High(UInt64), 0) = 1, 'GetTickDiff64(High, 0)');

  Before := GetTickCount64;
  T := Ticks64;
  After := GetTickCount64;
  Check((Before <= T) and (T <= After), 'Ticks64 is GetTickCount64''s clock');
  Before := Ticks64;
  T32 := Ticks;
  After := Ticks64;
  Check((T32 >= Before mod High(Cardinal)) and (T32 <= After mod High(Cardinal)), 'Ticks = Ticks64 mod High(UInt32)');
  Sleep(20);
  Check(GetTickDiff64(After, Ticks64) >= 10, 'Ticks64 advances');

  CheckText(IndyFormat('%d-%s-%x', [5, 'x', 255]), '5-x-FF', 'IndyFormat(''%d-%s-%x'')');
  SavedDecimal := FormatSettings.DecimalSeparator;
  SavedThousand := FormatSettings.ThousandSeparator;
  FormatSettings.DecimalSeparator := ',';
  FormatSettings.ThousandSeparator := '.';
  try
    CheckText(Format('%.2f', [1.5]), '1,50', 'Format follows the locale (the test''s premise)');
    CheckText(IndyFormat('%.2f', [1.5]), '1.50', 'IndyFormat(''%.2f'') with a '','' locale');
    CheckText(IndyFormat('%n', [1234.5]), '1,234.50', 'IndyFormat(''%n'') with a '','' locale');
  finally
    FormatSettings.DecimalSeparator := SavedDecimal;
    FormatSettings.ThousandSeparator := SavedThousand;
  end;
end;

{ IndyMin/IndyMax, IndyLowerCase/IndyUpperCase, RemoveBytes and ByteIndex as Indy's (IdGlobal:
  RemoveBytes takes at most what is there from AIndex on; ByteIndex is -1 when absent). }
procedure SmallHelperCases;
var
  B: TIdBytes;
begin
  Check(IndyMin(Int64(5), Int64(-7)) = -7, 'IndyMin(Int64 5, -7)');
  Check(IndyMax(Int64(5), Int64(-7)) = 5, 'IndyMax(Int64 5, -7)');
  Check(IndyMin(Int32(3), Int32(3)) = 3, 'IndyMin(Int32 3, 3)');
  Check(IndyMax(UInt16(65535), UInt16(1)) = 65535, 'IndyMax(UInt16 65535, 1)');
  Check(IndyMin(UInt16(65535), UInt16(1)) = 1, 'IndyMin(UInt16 65535, 1)');
  CheckText(IndyLowerCase('MiXeD 12'), 'mixed 12', 'IndyLowerCase');
  CheckText(IndyUpperCase('MiXeD 12'), 'MIXED 12', 'IndyUpperCase');
  B := ToBytes('abcdef');
  RemoveBytes(B, 2, 1);
  CheckBytes(B, '61646566', 'RemoveBytes(abcdef, 2, 1) = adef');
  RemoveBytes(B, 10, 2);
  CheckBytes(B, '6164', 'RemoveBytes(adef, 10, 2): only what is there');
  RemoveBytes(B, 1);
  CheckBytes(B, '64', 'RemoveBytes(ad, 1) = d');
  RemoveBytes(B, 0, 0);
  CheckBytes(B, '64', 'RemoveBytes(d, 0): nothing');
  B := ToBytes('a,b,c');
  Check(ByteIndex(Ord(','), B) = 1, 'ByteIndex('','', a,b,c) = 1');
  Check(ByteIndex(Ord(','), B, 2) = 3, 'ByteIndex('','', a,b,c, 2) = 3');
  Check(ByteIndex(Ord(';'), B) = -1, 'ByteIndex('';'', a,b,c) = -1');
  Check(ByteIndex(Ord('a'), nil) = -1, 'ByteIndex(a, nil) = -1');
end;

{ Indy 10.5's encoding names, still in Indy (deprecated) and in older servers: the same objects
  as IndyTextEncoding_*, so text round-trips the same way. }
procedure OlderEncodingNameCases;
const
  Eacute = #$C3#$A9;  { "é" in UTF-8, as Free Pascal's string holds it. }
begin
  Check(enUTF8 = IndyTextEncoding_UTF8, 'enUTF8 is IndyTextEncoding_UTF8');
  Check(en8Bit = IndyTextEncoding_8Bit, 'en8Bit is IndyTextEncoding_8Bit');
  Check(en7Bit = IndyTextEncoding_ASCII, 'en7Bit is IndyTextEncoding_ASCII');
  Check(enDefault = IndyTextEncoding_Default, 'enDefault is IndyTextEncoding_Default');
  Check(IndyUTF8Encoding = IndyTextEncoding_UTF8, 'IndyUTF8Encoding is IndyTextEncoding_UTF8');
  Check(Indy8BitEncoding(False) = IndyTextEncoding_8Bit, 'Indy8BitEncoding(False) is IndyTextEncoding_8Bit');
  Check(IndyASCIIEncoding = IndyTextEncoding_ASCII, 'IndyASCIIEncoding is IndyTextEncoding_ASCII');
  CheckBytes(ToBytes(Eacute, IndyUTF8Encoding, IndyUTF8Encoding), 'C3A9', 'UTF-8 through IndyUTF8Encoding');
  CheckBytes(ToBytes(Eacute, en7Bit, enUTF8), '3F', 'ASCII through en7Bit: ?');
end;

{ Encodings by Indy's other names: IdTextEncodingType, code page, charset, the RTL's TEncoding;
  iif and EnsureEncoding; a name the units do not convert raises EIdException saying so. }
procedure EncodingByNameCases;
var
  E, Got: IIdTextEncoding;
  Raised: Boolean;
begin
  Check(IndyTextEncoding(encUTF8) = IndyTextEncoding_UTF8, 'IndyTextEncoding(encUTF8)');
  Check(IndyTextEncoding(enc8Bit) = IndyTextEncoding_8Bit, 'IndyTextEncoding(enc8Bit)');
  Check(IndyTextEncoding(encASCII) = IndyTextEncoding_ASCII, 'IndyTextEncoding(encASCII)');
  Check(IndyTextEncoding(encIndyDefault) = IndyTextEncoding_Default, 'IndyTextEncoding(encIndyDefault)');
  Check(IndyTextEncoding(65001) = IndyTextEncoding_UTF8, 'IndyTextEncoding(65001)');
  Check(IndyTextEncoding(20127) = IndyTextEncoding_ASCII, 'IndyTextEncoding(20127)');
  Check(IndyTextEncoding(28591) = IndyTextEncoding_8Bit, 'IndyTextEncoding(28591)');
  Check(IndyTextEncoding('utf-8') = IndyTextEncoding_UTF8, 'IndyTextEncoding(''utf-8'')');
  Check(IndyTextEncoding('US-ASCII') = IndyTextEncoding_ASCII, 'IndyTextEncoding(''US-ASCII'')');
  Check(IndyTextEncoding('ISO-8859-1') = IndyTextEncoding_8Bit, 'IndyTextEncoding(''ISO-8859-1'')');
  Check(IndyTextEncoding(TEncoding.UTF8) = IndyTextEncoding_UTF8, 'IndyTextEncoding(TEncoding.UTF8)');
  E := nil;
  EnsureEncoding(E, encUTF8);
  Check(E = IndyTextEncoding_UTF8, 'EnsureEncoding(nil, encUTF8)');
  EnsureEncoding(E, encASCII);
  Check(E = IndyTextEncoding_UTF8, 'EnsureEncoding keeps a set encoding');
  E := nil;
  EnsureEncoding(E);
  Check(E = IndyTextEncoding_Default, 'EnsureEncoding(nil): the default');
  Got := iif(nil, nil, enc8Bit);
  Check(Got = IndyTextEncoding_8Bit, 'iif(nil, nil, enc8Bit)');
  Check(iif(nil, IndyTextEncoding_UTF8) = IndyTextEncoding_UTF8, 'iif(nil, UTF8)');
  Check(iif(IndyTextEncoding_8Bit, IndyTextEncoding_UTF8) = IndyTextEncoding_8Bit, 'iif(8Bit, UTF8)');
  Check(iif(nil, nil) = IndyTextEncoding_ASCII, 'iif(nil, nil): ASCII');
  Raised := False;
  try
    IndyTextEncoding(encUTF16LE);
  except
    on EIdException do Raised := True;
  end;
  Check(Raised, 'IndyTextEncoding(encUTF16LE) raises EIdException');
  Raised := False;
  try
    IndyTextEncoding('koi8-r');
  except
    on EIdException do Raised := True;
  end;
  Check(Raised, 'IndyTextEncoding(''koi8-r'') raises EIdException');
end;

{ ASCII's '?' for a byte above 127 wherever it is (the check goes eight bytes at a time, the
  last eight read overlapping): every length up to 40, the byte at every position. }
procedure AsciiAtEveryPositionCases;
var
  N, At: Integer;
  S, Want: AnsiString;
  B: TIdBytes;
begin
  for N := 0 to 40 do
    for At := -1 to N - 1 do
    begin
      S := StringOfChar('a', N);
      if At >= 0 then
        S[At + 1] := #$E9;
      Want := S;
      if At >= 0 then
        Want[At + 1] := '?';
      B := IndyTextEncoding_ASCII.GetBytes(S);
      Check((Length(B) = N) and ((N = 0) or CompareMem(@B[0], PAnsiChar(Want), N)),
        Format('ASCII GetBytes of %d bytes, a high byte at %d', [N, At]));
      SetLength(B, N);
      if N > 0 then
        Move(S[1], B[0], N);
      Check(IndyTextEncoding_ASCII.GetString(B) = Want,
        Format('ASCII GetString of %d bytes, a high byte at %d', [N, At]));
      Check(IocpBytesPassThrough(IndyTextEncoding_ASCII, PAnsiChar(S), N) = (At < 0),
        Format('ASCII passes %d bytes as they are only without a high byte (at %d)', [N, At]));
    end;
end;

begin
  ToBytesCases;
  BytesToStringCases;
  AppendAndCopyCases;
  BytesToIntCases;
  TextCases;
  HexTicksFormatCases;
  AsciiAtEveryPositionCases;
  SmallHelperCases;
  OlderEncodingNameCases;
  EncodingByNameCases;
  Report;
end.
