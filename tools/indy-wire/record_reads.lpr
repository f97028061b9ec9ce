{ Real Indy's reads, for tests/component/indy_wire.txt (record.sh runs it): a TIdTCPServer whose
  OnExecute reads a case name, makes the read call the case names and answers "result ..." (or
  prints it on stderr when the peer has closed). Built against real Indy, never part of the
  project's build. }
program record_reads;
{$mode delphi}
uses cthreads, cwstring, SysUtils, Classes, IdGlobal, IdContext, IdTCPServer, IdIOHandler;

type
  THandler = class
    procedure Execute(AContext: TIdContext);
  end;

function Hex(MS: TMemoryStream): string;
var I: Integer; P: PByte;
begin
  Result := '';
  P := MS.Memory;
  for I := 0 to MS.Size - 1 do Result := Result + LowerCase(IntToHex(P[I], 2));
end;

procedure THandler.Execute(AContext: TIdContext);
var
  IO: TIdIOHandler;
  Name, R: string;
  MS: TMemoryStream;
  SL: TStringList;
  S: AnsiString;
  WasSplit: Boolean;
begin
  IO := AContext.Connection.IOHandler;
  Name := IO.ReadLn;
  MS := TMemoryStream.Create;
  SL := TStringList.Create;
  try
    try
      if Name = 'readstream_count' then begin IO.ReadStream(MS); R := Hex(MS) + ' pos=' + IntToStr(MS.Position); end
      else if Name = 'readstream_count_large' then begin IO.LargeStream := True; IO.ReadStream(MS); R := Hex(MS) + ' pos=' + IntToStr(MS.Position); end
      else if Name = 'readstream_fixed' then begin IO.ReadStream(MS, 4); R := Hex(MS) + ' pos=' + IntToStr(MS.Position); end
      else if Name = 'readstream_into_existing' then begin
        S := 'ZZZZZZZZZZZZ'; MS.WriteBuffer(S[1], 12); MS.Position := 2;
        IO.ReadStream(MS, 4); R := Hex(MS) + ' pos=' + IntToStr(MS.Position); end
      else if Name = 'readstream_until_close' then begin IO.ReadStream(MS, -1, True); R := Hex(MS) + ' pos=' + IntToStr(MS.Position); end
      else if Name = 'readstream_negative_count' then begin IO.ReadStream(MS); R := Hex(MS) + ' pos=' + IntToStr(MS.Position); end
      else if Name = 'readstream_short' then begin IO.ReadStream(MS); R := Hex(MS); end
      else if Name = 'readstrings_count' then begin IO.ReadStrings(SL); R := IntToStr(SL.Count) + ':' + SL.CommaText; end
      else if Name = 'readstrings_two' then begin IO.ReadStrings(SL, 2); R := IntToStr(SL.Count) + ':' + SL.CommaText; end
      else if Name = 'readint16' then R := IntToStr(IO.ReadInt16)
      else if Name = 'readuint16' then R := IntToStr(IO.ReadUInt16)
      else if Name = 'readint32' then R := IntToStr(IO.ReadInt32)
      else if Name = 'readuint32' then R := IntToStr(IO.ReadUInt32)
      else if Name = 'readint64' then R := IntToStr(IO.ReadInt64)
      else if Name = 'readint32_noconvert' then R := IntToStr(IO.ReadInt32(False))
      else if Name = 'readln_crlf' then R := '[' + IO.ReadLn + ']'
      else if Name = 'readln_lf' then R := '[' + IO.ReadLn + ']'
      else if Name = 'readln_terminator' then R := '[' + IO.ReadLn('##') + ']'
      else if Name = 'readln_split' then begin R := '[' + IO.ReadLnSplit(WasSplit, LF, -1, 5) + '] split=' + BoolToStr(WasSplit, True); end
      else if Name = 'readln_utf8' then R := '[' + IO.ReadLn(LF, -1, -1, IndyTextEncoding_UTF8, IndyTextEncoding_UTF8) + ']'
      else if Name = 'capture' then begin IO.Capture(SL); R := IntToStr(SL.Count) + ':' + SL.CommaText; end
      else R := 'unknown case';
    except
      on E: Exception do R := 'raised ' + E.ClassName;
    end;
    if IO.Connected then
    begin
      IO.WriteLn('result ' + R, IndyTextEncoding_UTF8, IndyTextEncoding_UTF8);
      AContext.Connection.Disconnect;
    end
    else
      WriteLn(StdErr, Name, ' result ', R);
  finally
    SL.Free;
    MS.Free;
  end;
end;

var
  Server: TIdTCPServer;
  H: THandler;
begin
  H := THandler.Create;
  Server := TIdTCPServer.Create(nil);
  Server.DefaultPort := StrToInt(ParamStr(1));
  Server.OnExecute := H.Execute;
  Server.Active := True;
  WriteLn('serving');
  ReadLn;
  Server.Active := False;
  Server.Free;
end.
