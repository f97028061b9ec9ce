{ Real Indy's writes, for tests/component/indy_wire.txt (record.sh runs it): per case a
  TIdTCPClient connects, sends the case name as a line, makes the Write call the case names and
  disconnects. Built against real Indy, never part of the project's build. }
program record_writes;
{$mode delphi}
uses cthreads, cwstring, SysUtils, Classes, IdGlobal, IdTCPClient, IdIOHandler;

const
  Names: array[0..31] of string = (
    'write_string_utf8_as_ascii', 'write_string_utf8', 'write_string_8bit', 'writeln',
    'write_int16', 'write_uint16', 'write_int32', 'write_uint32', 'write_int64', 'write_uint64',
    'write_int32_noconvert', 'write_byte', 'write_bytes', 'write_bytes_len_offset',
    'stream_all', 'stream_all_count', 'stream_all_count_large', 'stream_rest', 'stream_rest_count',
    'stream_size4', 'stream_size4_count', 'stream_size4_count_large', 'stream_empty_count',
    'strings', 'strings_count', 'writelnrfc_dot', 'writelnrfc_plain', 'buffered_writes',
    'write_int16_noconvert', 'writeln_utf8', 'write_string_plain', 'write_string_utf8_as_8bit');

procedure DoCase(N: Integer; IO: TIdIOHandler);
var
  MS: TMemoryStream;
  SL: TStringList;
  B: TIdBytes;
  S: AnsiString;
begin
  MS := TMemoryStream.Create;
  SL := TStringList.Create;
  try
    S := 'ABCDEFGHIJ';
    MS.WriteBuffer(S[1], 10);
    MS.Position := 3;
    SL.Add('one'); SL.Add(''); SL.Add('three');
    B := ToBytes(AnsiString('xyz123'));
    case N of
      0: IO.Write('caf'#$C3#$A9' ok', IndyTextEncoding_ASCII, IndyTextEncoding_UTF8);
      1: IO.Write('caf'#$C3#$A9' ok', IndyTextEncoding_UTF8, IndyTextEncoding_UTF8);
      2: IO.Write('caf'#$E9' ok', IndyTextEncoding_8Bit, IndyTextEncoding_8Bit);
      3: IO.WriteLn('line');
      4: IO.Write(Int16(-2));
      5: IO.Write(UInt16(65534));
      6: IO.Write(Int32(-2));
      7: IO.Write(UInt32($DEADBEEF));
      8: IO.Write(Int64(-2));
      9: IO.Write(TIdUInt64($0102030405060708));
      10: IO.Write(Int32($01020304), False);
      11: IO.Write(Byte($7F));
      12: IO.Write(B);
      13: IO.Write(B, 3, 2);
      14: IO.Write(MS);
      15: IO.Write(MS, 0, True);
      16: begin IO.LargeStream := True; IO.Write(MS, 0, True); end;
      17: IO.Write(MS, -1);
      18: IO.Write(MS, -1, True);
      19: IO.Write(MS, 4);
      20: IO.Write(MS, 4, True);
      21: begin IO.LargeStream := True; IO.Write(MS, 4, True); end;
      22: begin MS.Clear; IO.Write(MS, 0, True); end;
      23: IO.Write(SL);
      24: IO.Write(SL, True);
      25: IO.WriteLnRFC('.dot');
      26: IO.WriteLnRFC('plain');
      27: begin IO.WriteBufferOpen; IO.Write('a'); IO.WriteLn('b'); IO.Write(Int32(1)); IO.WriteBufferClose; end;
      28: IO.Write(Int16($0102), False);
      29: IO.WriteLn('caf'#$C3#$A9, IndyTextEncoding_UTF8, IndyTextEncoding_UTF8);
      30: IO.Write('plain text');
      31: IO.Write('caf'#$C3#$A9' ok', IndyTextEncoding_8Bit, IndyTextEncoding_UTF8);
    end;
  finally
    SL.Free;
    MS.Free;
  end;
end;

var
  C: TIdTCPClient;
  N: Integer;
begin
  for N := Low(Names) to High(Names) do
  begin
    C := TIdTCPClient.Create(nil);
    try
      C.Host := '127.0.0.1';
      C.Port := StrToInt(ParamStr(1));
      C.Connect;
      C.IOHandler.WriteLn(Names[N]);
      DoCase(N, C.IOHandler);
      C.Disconnect;
    finally
      C.Free;
    end;
  end;
end.
