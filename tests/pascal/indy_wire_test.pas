{ Indy's bytes on the wire from Pascal: every case of tests/component/indy_wire.txt (recorded from
  real Indy 10 built with Free Pascal) played against TIocpTCPServer in one engine, through the
  Pascal units and the C ABI (text encodings with a source encoding, TStream, TStrings):

    indy_wire_test --io default|iocp FIXTURE

  A write case: the handler makes the Write call the case names and disconnects; the client must
  receive exactly Indy's bytes. A read case: the client sends Indy's bytes (and disconnects when
  the case says the peer closes); the handler's read call must return what Indy's returned.
  Prints "N passed, N failed". }
program indy_wire_test;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF} SysUtils, Classes, SyncObjs, IocpGlobal, IocpIOHandler,
  IocpTCPServer, IocpTCPClient, TestCheck, TestServer;

type
  THandlers = class(TRecordingHandlers)  { Lines: name=result of each read case. }
  public
    procedure Execute(AContext: TIocpContext);
    function ResultOf(const AName: string; out AResult: string): Boolean;
  end;

function Hex(P: PByte; N: Integer): string;
var
  I: Integer;
begin
  Result := '';
  for I := 0 to N - 1 do
    Result := Result + LowerCase(IntToHex(P[I], 2));
end;

function FromHex(const S: string): TIdBytes;
var
  I: Integer;
begin
  Result := nil;
  if S = '-' then
    Exit;
  SetLength(Result, Length(S) div 2);
  for I := 0 to High(Result) do
    Result[I] := StrToInt('$' + Copy(S, 2 * I + 1, 2));
end;

function Described(MS: TMemoryStream): string;
begin
  Result := Hex(MS.Memory, MS.Size) + ' pos=' + IntToStr(MS.Position);
end;

function CommaText(SL: TStrings): string;
var
  I: Integer;
begin
  Result := IntToStr(SL.Count) + ':';
  for I := 0 to SL.Count - 1 do
  begin
    if I > 0 then Result := Result + ',';
    Result := Result + SL[I];
  end;
end;

{ The Write call of a write case; False if the name is unknown. }
function WriteCase(const AName: string; IO: TIocpIOHandler): Boolean;
var
  MS: TMemoryStream;
  SL: TStringList;
  B: TIdBytes;
  S: AnsiString;
begin
  Result := True;
  MS := TMemoryStream.Create;
  SL := TStringList.Create;
  try
    S := 'ABCDEFGHIJ';
    MS.WriteBuffer(S[1], 10);
    MS.Position := 3;
    SL.Add('one'); SL.Add(''); SL.Add('three');
    B := FromHex('78797a313233');  { 'xyz123' }
    if AName = 'write_string_plain' then IO.Write('plain text')
    else if AName = 'write_string_utf8' then IO.Write('caf'#$C3#$A9' ok', IndyTextEncoding_UTF8, IndyTextEncoding_UTF8)
    else if AName = 'write_string_8bit' then IO.Write('caf'#$E9' ok', IndyTextEncoding_8Bit, IndyTextEncoding_8Bit)
    else if AName = 'write_string_utf8_as_ascii' then IO.Write('caf'#$C3#$A9' ok', IndyTextEncoding_ASCII, IndyTextEncoding_UTF8)
    else if AName = 'write_string_utf8_as_8bit' then IO.Write('caf'#$C3#$A9' ok', IndyTextEncoding_8Bit, IndyTextEncoding_UTF8)
    else if AName = 'writeln' then IO.WriteLn('line')
    else if AName = 'writeln_utf8' then IO.WriteLn('caf'#$C3#$A9, IndyTextEncoding_UTF8, IndyTextEncoding_UTF8)
    else if AName = 'write_int16' then IO.Write(SmallInt(-2))
    else if AName = 'write_uint16' then IO.Write(Word(65534))
    else if AName = 'write_int32' then IO.Write(LongInt(-2))
    else if AName = 'write_uint32' then IO.Write(LongWord($DEADBEEF))
    else if AName = 'write_int64' then IO.Write(Int64(-2))
    else if AName = 'write_uint64' then IO.Write(UInt64($0102030405060708))
    else if AName = 'write_int32_noconvert' then IO.Write(LongInt($01020304), False)
    else if AName = 'write_int16_noconvert' then IO.Write(SmallInt($0102), False)
    else if AName = 'write_byte' then IO.Write(Byte($7F))
    else if AName = 'write_bytes' then IO.Write(B)
    else if AName = 'write_bytes_len_offset' then IO.Write(B, 3, 2)
    else if AName = 'stream_all' then IO.Write(MS)
    else if AName = 'stream_all_count' then IO.Write(MS, 0, True)
    else if AName = 'stream_all_count_large' then begin IO.LargeStream := True; IO.Write(MS, 0, True); end
    else if AName = 'stream_rest' then IO.Write(MS, -1)
    else if AName = 'stream_rest_count' then IO.Write(MS, -1, True)
    else if AName = 'stream_size4' then IO.Write(MS, 4)
    else if AName = 'stream_size4_count' then IO.Write(MS, 4, True)
    else if AName = 'stream_size4_count_large' then begin IO.LargeStream := True; IO.Write(MS, 4, True); end
    else if AName = 'stream_empty_count' then begin MS.Clear; IO.Write(MS, 0, True); end
    else if AName = 'strings' then IO.Write(SL)
    else if AName = 'strings_count' then IO.Write(SL, True)
    else if AName = 'writelnrfc_dot' then IO.WriteLnRFC('.dot')
    else if AName = 'writelnrfc_plain' then IO.WriteLnRFC('plain')
    else if AName = 'buffered_writes' then
    begin
      IO.WriteBufferOpen;
      IO.Write('a');
      IO.WriteLn('b');
      IO.Write(LongInt(1));
      IO.WriteBufferClose;
    end
    else
      Result := False;
  finally
    SL.Free;
    MS.Free;
  end;
end;

{ The read call of a read case, and what it returned as the recording printed it. }
function ReadCase(const AName: string; IO: TIocpIOHandler): string;
var
  MS: TMemoryStream;
  SL: TStringList;
  S: AnsiString;
  WasSplit: Boolean;
begin
  MS := TMemoryStream.Create;
  SL := TStringList.Create;
  try
    try
      if AName = 'readstream_count' then begin IO.ReadStream(MS); Result := Described(MS); end
      else if AName = 'readstream_count_large' then begin IO.LargeStream := True; IO.ReadStream(MS); Result := Described(MS); end
      else if AName = 'readstream_fixed' then begin IO.ReadStream(MS, 4); Result := Described(MS); end
      else if AName = 'readstream_into_existing' then
      begin
        S := 'ZZZZZZZZZZZZ';
        MS.WriteBuffer(S[1], 12);
        MS.Position := 2;
        IO.ReadStream(MS, 4);
        Result := Described(MS);
      end
      else if AName = 'readstream_until_close' then begin IO.ReadStream(MS, -1, True); Result := Described(MS); end
      else if AName = 'readstream_negative_count' then begin IO.ReadStream(MS); Result := Described(MS); end
      else if AName = 'readstream_short' then begin IO.ReadStream(MS); Result := Hex(MS.Memory, MS.Size); end
      else if AName = 'readstrings_count' then begin IO.ReadStrings(SL); Result := CommaText(SL); end
      else if AName = 'readstrings_two' then begin IO.ReadStrings(SL, 2); Result := CommaText(SL); end
      else if AName = 'readint16' then Result := IntToStr(IO.ReadInt16)
      else if AName = 'readuint16' then Result := IntToStr(IO.ReadUInt16)
      else if AName = 'readint32' then Result := IntToStr(IO.ReadInt32)
      else if AName = 'readuint32' then Result := IntToStr(IO.ReadUInt32)
      else if AName = 'readint64' then Result := IntToStr(IO.ReadInt64)
      else if AName = 'readint32_noconvert' then Result := IntToStr(IO.ReadLongInt(False))
      else if AName = 'readln_crlf' then Result := '[' + IO.ReadLn + ']'
      else if AName = 'readln_lf' then Result := '[' + IO.ReadLn + ']'
      else if AName = 'readln_terminator' then Result := '[' + IO.ReadLn('##') + ']'
      else if AName = 'readln_split' then
      begin
        Result := '[' + IO.ReadLnSplit(WasSplit, LF, -1, 5) + '] split=' + BoolToStr(WasSplit, True);
      end
      else if AName = 'readln_utf8' then Result := '[' + IO.ReadLn(LF, -1, -1, IndyTextEncoding_UTF8, IndyTextEncoding_UTF8) + ']'
      else if AName = 'capture' then begin IO.Capture(SL); Result := CommaText(SL); end
      else Result := 'no read call for ' + AName;
    except
      on E: Exception do Result := 'raised ' + E.ClassName;
    end;
  finally
    SL.Free;
    MS.Free;
  end;
end;

procedure THandlers.Execute(AContext: TIocpContext);
var
  IO: TIocpIOHandler;
  Name, R: string;
begin
  IO := AContext.Connection.IOHandler;
  Name := IO.ReadLn;
  if Copy(Name, 1, 5) = 'write' then
  begin
    if not WriteCase(Name, IO) then
      IO.Write('no write call for ' + Name);
  end
  else if (Copy(Name, 1, 6) = 'stream') or (Name = 'strings') or (Name = 'strings_count') or
    (Name = 'buffered_writes') then
    WriteCase(Name, IO)
  else
  begin
    R := ReadCase(Name, IO);
    Lock.Acquire;
    try
      Lines.Values[Name] := R;
    finally
      Lock.Release;
    end;
  end;
  AContext.Connection.Disconnect;
end;

function THandlers.ResultOf(const AName: string; out AResult: string): Boolean;
begin
  Lock.Acquire;
  try
    Result := Lines.IndexOfName(AName) >= 0;
    AResult := Lines.Values[AName];
  finally
    Lock.Release;
  end;
end;

{ Everything the server sends until it closes. }
function ReceiveAll(C: TIocpTCPClient): TIdBytes;
begin
  Result := nil;
  try
    repeat
      C.IOHandler.ReadBytes(Result, -1, True);
    until False;
  except
    on EIdConnClosedGracefully do ;
    on EIdNotConnected do ;
  end;
end;

procedure Play(const AFixture: string; Port: Integer; H: THandlers);
var
  Lines, Fields: TStringList;
  I, Played, Waited: Integer;
  Kind, Name, Want, Got: string;
  C: TIocpTCPClient;
  Bytes: TIdBytes;
begin
  Lines := TStringList.Create;
  Fields := TStringList.Create;
  try
    Lines.LoadFromFile(AFixture);
    Check(Lines.Count > 40, 'the fixture has its cases: ' + AFixture);
    Played := 0;
    for I := 0 to Lines.Count - 1 do
    begin
      if (Lines[I] = '') or (Lines[I][1] = '#') then
        Continue;
      Fields.Clear;
      ExtractStrings([' '], [], PChar(Lines[I]), Fields);
      Kind := Fields[0];
      Name := Fields[1];
      C := TIocpTCPClient.Create(nil);
      try
        C.ReadTimeout := 30000;  { Only a broken server makes a read wait this long. }
        C.Connect('127.0.0.1', Port);
        if Kind = 'write' then
        begin
          C.IOHandler.WriteLn(Name);
          Bytes := ReceiveAll(C);
          Got := Hex(@Bytes[0], Length(Bytes));
          Want := Fields[2];
          if Want = '-' then Want := '';
          Check(Got = Want, Name + ': sent ' + Got + ', Indy sends ' + Want);
        end
        else
        begin
          { The result is the rest of the line after "read <case> <hex> <peer-closes> ". }
          Want := Copy(Lines[I], Length(Kind) + Length(Name) + Length(Fields[2]) + Length(Fields[3]) + 5, MaxInt);
          Want := StringReplace(StringReplace(Want, '\r', #13, [rfReplaceAll]), '\n', #10, [rfReplaceAll]);
          C.IOHandler.WriteLn(Name);
          C.IOHandler.Write(FromHex(Fields[2]));
          if Fields[3] = '1' then
            C.Disconnect;
          Waited := 0;
          while not H.ResultOf(Name, Got) and (Waited < 30000) do
          begin
            Sleep(5);
            Inc(Waited, 5);
          end;
          Check(Got = Want, Name + ': returned [' + Got + '], Indy returns [' + Want + ']');
        end;
        Inc(Played);
      finally
        C.Free;
      end;
    end;
    Check(Played > 40, 'cases played: ' + IntToStr(Played));
  finally
    Fields.Free;
    Lines.Free;
  end;
end;

var
  Server: TIocpTCPServer;
  H: THandlers;
  Engine: string;
begin
  Engine := EngineFromArgs;
  H := THandlers.Create;
  Server := NewLoopbackServer(Engine);
  try
    Server.OnExecute := H.Execute;
    Server.Active := True;
    Play(ParamStr(3), Server.Bindings[0].Port, H);
    Server.Active := False;
  finally
    Server.Free;
    H.Free;
  end;
  Report;
end.
