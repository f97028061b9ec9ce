{ IocpIOHandler: TIocpIOHandler, Indy's reading and writing members over the C ABI's IOHandler
  (iocp_io_*). Used by the server's contexts and by the client.

  Threads: every member only from the connection's own handler (OnConnect / OnExecute /
  OnDisconnect of that context, or the thread that owns a client), except Write/WriteLn (any
  thread: from elsewhere the bytes are queued whole, Indy's broadcast) and Close (any thread). }
unit IocpIOHandler;

{$IFDEF FPC}
  {$mode delphi}
{$ENDIF}

interface

uses
  SysUtils, Classes, IocpApi, IocpGlobal;

const
  IdTimeoutDefault = -1;   { The IOHandler's ReadTimeout. }
  IdTimeoutInfinite = -2;  { Wait forever. }
  IdMaxLineLengthDefault = 16 * 1024;
  EOL = #13#10;
  LF = #10;

type
  TIdMaxLineAction = (maException, maSplit);

  TIocpIOHandler = class;

  { Indy's TIdBuffer behind IOHandler.InputBuffer: the bytes received and not yet read. }
  TIocpBuffer = class
  private
    FIOHandler: TIocpIOHandler;
    function GetSize: Integer;
  public
    property Size: Integer read GetSize;
    function AsString: string;                                   { Everything, left in place. }
    function ExtractToString(AByteCount: Integer = -1): string;  { Removed (-1 = all). }
    procedure ExtractToBytes(var VBytes: TIdBytes; AByteCount: Integer = -1; AAppend: Boolean = True);
    function IndexOf(const AString: string; AStartPos: Integer = 0): Integer;  { -1 if absent. }
    procedure Clear;
  end;

  TIocpIOHandler = class
  private
    FIo: Piocp_io;
    FInputBuffer: TIocpBuffer;
    FDefStringEncoding: IIdTextEncoding;
    function GetInt(AOption: Integer): Int64;
    procedure SetInt(AOption: Integer; AValue: Int64);
    function GetReadTimeout: Integer;
    procedure SetReadTimeout(AValue: Integer);
    function GetMaxLineLength: Integer;
    procedure SetMaxLineLength(AValue: Integer);
    function GetMaxLineAction: TIdMaxLineAction;
    procedure SetMaxLineAction(AValue: TIdMaxLineAction);
    function GetReadLnTimedout: Boolean;
    function GetReadLnSplit: Boolean;
    function Encoding(AByteEncoding: IIdTextEncoding): IIdTextEncoding;
    procedure WriteRaw(P: Pointer; N: Integer);
    function ReadInt(ASize: Integer; ASigned, AConvert: Boolean): Int64;
  public
    { For the server and the client units: the C ABI IOHandler this object speaks for. }
    constructor Create(AIo: Piocp_io);
    destructor Destroy; override;

    { Reading. }
    function ReadLn(AByteEncoding: IIdTextEncoding = nil): string; overload;
    function ReadLn(ATerminator: string; AByteEncoding: IIdTextEncoding = nil): string; overload;
    function ReadLn(ATerminator: string; ATimeout: Integer; AMaxLineLength: Integer = -1;
      AByteEncoding: IIdTextEncoding = nil): string; overload;
    function ReadLnWait(AFailCount: Integer = MaxInt; AByteEncoding: IIdTextEncoding = nil): string;
    procedure ReadBytes(var VBuffer: TIdBytes; AByteCount: Integer; AAppend: Boolean = True);
    function ReadString(ABytes: Integer; AByteEncoding: IIdTextEncoding = nil): string;
    function ReadChar(AByteEncoding: IIdTextEncoding = nil): Char;
    function ReadByte: Byte;
    function ReadInt16(AConvert: Boolean = True): SmallInt;
    function ReadUInt16(AConvert: Boolean = True): Word;
    function ReadInt32(AConvert: Boolean = True): LongInt;
    function ReadUInt32(AConvert: Boolean = True): LongWord;
    function ReadInt64(AConvert: Boolean = True): Int64;
    function ReadUInt64(AConvert: Boolean = True): UInt64;
    procedure ReadStream(AStream: TStream; AByteCount: Int64 = -1; AReadUntilDisconnect: Boolean = False);
    function InputBufferIsEmpty: Boolean;
    function CheckForDataOnSource(ATimeout: Integer = 0): Boolean;
    procedure CheckForDisconnect(ARaiseExceptionIfDisconnected: Boolean = True; AIgnoreBuffer: Boolean = False);
    property InputBuffer: TIocpBuffer read FInputBuffer;

    { Writing. }
    procedure Write(const AOut: string; AByteEncoding: IIdTextEncoding = nil); overload;
    procedure Write(const ABuffer: TIdBytes; ALength: Integer = -1; AOffset: Integer = 0); overload;
    procedure Write(AValue: Byte); overload;
    procedure Write(AValue: SmallInt; AConvert: Boolean = True); overload;
    procedure Write(AValue: Word; AConvert: Boolean = True); overload;
    procedure Write(AValue: LongInt; AConvert: Boolean = True); overload;
    procedure Write(AValue: LongWord; AConvert: Boolean = True); overload;
    procedure Write(AValue: Int64; AConvert: Boolean = True); overload;
    procedure Write(AValue: UInt64; AConvert: Boolean = True); overload;
    procedure Write(AStream: TStream; ASize: Int64 = 0; AWriteByteCount: Boolean = False); overload;
    procedure WriteLn(AEncoding: IIdTextEncoding = nil); overload;
    procedure WriteLn(const AOut: string; AByteEncoding: IIdTextEncoding = nil); overload;
    procedure WriteBufferOpen(AThreshold: Integer = -1);
    procedure WriteBufferClose;
    procedure WriteBufferFlush;
    procedure WriteBufferCancel;
    function WriteBufferingActive: Boolean;

    { Connection. }
    function Connected: Boolean;
    procedure Close;

    property ReadTimeout: Integer read GetReadTimeout write SetReadTimeout;
    property MaxLineLength: Integer read GetMaxLineLength write SetMaxLineLength;
    property MaxLineAction: TIdMaxLineAction read GetMaxLineAction write SetMaxLineAction;
    property ReadLnTimedout: Boolean read GetReadLnTimedout;
    property ReadLnSplit: Boolean read GetReadLnSplit;
    property DefStringEncoding: IIdTextEncoding read FDefStringEncoding write FDefStringEncoding;
    property Handle: Piocp_io read FIo;
  end;

implementation

{ --- TIocpBuffer --- }

function TIocpBuffer.GetSize: Integer;
var
  P: PAnsiChar;
  N: size_t;
begin
  IocpCheck(iocp_io_input(FIOHandler.FIo, @P, @N));
  Result := Integer(N);
end;

function TIocpBuffer.AsString: string;
var
  P: PAnsiChar;
  N: size_t;
begin
  IocpCheck(iocp_io_input(FIOHandler.FIo, @P, @N));
  Result := FIOHandler.Encoding(nil).GetString(P, Integer(N));
end;

function TIocpBuffer.ExtractToString(AByteCount: Integer): string;
var
  P: PAnsiChar;
  N: size_t;
begin
  IocpCheck(iocp_io_input(FIOHandler.FIo, @P, @N));
  if (AByteCount >= 0) and (size_t(AByteCount) < N) then
    N := AByteCount;
  Result := FIOHandler.Encoding(nil).GetString(P, Integer(N));
  IocpCheck(iocp_io_input_consume(FIOHandler.FIo, N));
end;

procedure TIocpBuffer.ExtractToBytes(var VBytes: TIdBytes; AByteCount: Integer; AAppend: Boolean);
var
  P: PAnsiChar;
  N: size_t;
  Start: Integer;
begin
  IocpCheck(iocp_io_input(FIOHandler.FIo, @P, @N));
  if (AByteCount >= 0) and (size_t(AByteCount) < N) then
    N := AByteCount;
  if not AAppend then
    SetLength(VBytes, 0);
  Start := Length(VBytes);
  SetLength(VBytes, Start + Integer(N));
  if N > 0 then
    Move(P^, VBytes[Start], N);
  IocpCheck(iocp_io_input_consume(FIOHandler.FIo, N));
end;

function TIocpBuffer.IndexOf(const AString: string; AStartPos: Integer): Integer;
var
  Whole: string;
begin
  Whole := AsString;
  if AStartPos < 0 then
    AStartPos := 0;
  Result := Pos(AString, Copy(Whole, AStartPos + 1, MaxInt));
  if Result > 0 then
    Result := Result - 1 + AStartPos
  else
    Result := -1;
end;

procedure TIocpBuffer.Clear;
begin
  IocpCheck(iocp_io_input_consume(FIOHandler.FIo, size_t(Size)));
end;

{ --- TIocpIOHandler --- }

constructor TIocpIOHandler.Create(AIo: Piocp_io);
begin
  inherited Create;
  FIo := AIo;
  FInputBuffer := TIocpBuffer.Create;
  FInputBuffer.FIOHandler := Self;
  FDefStringEncoding := IndyTextEncoding_Default;
end;

destructor TIocpIOHandler.Destroy;
begin
  FInputBuffer.Free;
  inherited Destroy;
end;

function TIocpIOHandler.Encoding(AByteEncoding: IIdTextEncoding): IIdTextEncoding;
begin
  if AByteEncoding <> nil then
    Result := AByteEncoding
  else if FDefStringEncoding <> nil then
    Result := FDefStringEncoding
  else
    Result := IndyTextEncoding_Default;
end;

function TIocpIOHandler.GetInt(AOption: Integer): Int64;
begin
  IocpCheck(iocp_io_get_int(FIo, AOption, @Result));
end;

procedure TIocpIOHandler.SetInt(AOption: Integer; AValue: Int64);
begin
  IocpCheck(iocp_io_set_int(FIo, AOption, AValue));
end;

function TIocpIOHandler.GetReadTimeout: Integer;
begin
  Result := Integer(GetInt(IOCP_IO_READ_TIMEOUT));
end;

procedure TIocpIOHandler.SetReadTimeout(AValue: Integer);
begin
  SetInt(IOCP_IO_READ_TIMEOUT, AValue);
end;

function TIocpIOHandler.GetMaxLineLength: Integer;
begin
  Result := Integer(GetInt(IOCP_IO_MAX_LINE_LENGTH));
end;

procedure TIocpIOHandler.SetMaxLineLength(AValue: Integer);
begin
  SetInt(IOCP_IO_MAX_LINE_LENGTH, AValue);
end;

function TIocpIOHandler.GetMaxLineAction: TIdMaxLineAction;
begin
  if GetInt(IOCP_IO_MAX_LINE_ACTION) = 1 then Result := maSplit else Result := maException;
end;

procedure TIocpIOHandler.SetMaxLineAction(AValue: TIdMaxLineAction);
begin
  SetInt(IOCP_IO_MAX_LINE_ACTION, Ord(AValue));
end;

function TIocpIOHandler.GetReadLnTimedout: Boolean;
begin
  Result := GetInt(IOCP_IO_READLN_TIMEDOUT) <> 0;
end;

function TIocpIOHandler.GetReadLnSplit: Boolean;
begin
  Result := GetInt(IOCP_IO_READLN_SPLIT) <> 0;
end;

function TIocpIOHandler.ReadLn(AByteEncoding: IIdTextEncoding): string;
begin
  Result := ReadLn(LF, IdTimeoutDefault, -1, AByteEncoding);
end;

function TIocpIOHandler.ReadLn(ATerminator: string; AByteEncoding: IIdTextEncoding): string;
begin
  Result := ReadLn(ATerminator, IdTimeoutDefault, -1, AByteEncoding);
end;

function TIocpIOHandler.ReadLn(ATerminator: string; ATimeout: Integer; AMaxLineLength: Integer;
  AByteEncoding: IIdTextEncoding): string;
var
  Term: TIdBytes;
  P: PAnsiChar;
  N: size_t;
begin
  if ATerminator = '' then
    ATerminator := LF;
  Term := Encoding(AByteEncoding).GetBytes(ATerminator);
  IocpCheck(iocp_io_readln(FIo, PAnsiChar(@Term[0]), Length(Term), ATimeout, AMaxLineLength, @P, @N));
  Result := Encoding(AByteEncoding).GetString(P, Integer(N));
end;

function TIocpIOHandler.ReadLnWait(AFailCount: Integer; AByteEncoding: IIdTextEncoding): string;
var
  P: PAnsiChar;
  N: size_t;
begin
  IocpCheck(iocp_io_readln_wait(FIo, AFailCount, @P, @N));
  Result := Encoding(AByteEncoding).GetString(P, Integer(N));
end;

procedure TIocpIOHandler.ReadBytes(var VBuffer: TIdBytes; AByteCount: Integer; AAppend: Boolean);
var
  P: PAnsiChar;
  N: size_t;
  Start: Integer;
begin
  IocpCheck(iocp_io_read_bytes(FIo, AByteCount, @P, @N));
  if not AAppend then
    SetLength(VBuffer, 0);
  Start := Length(VBuffer);
  SetLength(VBuffer, Start + Integer(N));
  if N > 0 then
    Move(P^, VBuffer[Start], N);
end;

function TIocpIOHandler.ReadString(ABytes: Integer; AByteEncoding: IIdTextEncoding): string;
var
  P: PAnsiChar;
  N: size_t;
begin
  if ABytes <= 0 then
    Exit('');
  IocpCheck(iocp_io_read_bytes(FIo, ABytes, @P, @N));
  Result := Encoding(AByteEncoding).GetString(P, Integer(N));
end;

function TIocpIOHandler.ReadChar(AByteEncoding: IIdTextEncoding): Char;
var
  S: string;
begin
  S := ReadString(1, AByteEncoding);
  Result := S[1];
end;

function TIocpIOHandler.ReadInt(ASize: Integer; ASigned, AConvert: Boolean): Int64;
begin
  IocpCheck(iocp_io_read_int(FIo, ASize, Ord(ASigned), Ord(AConvert), @Result));
end;

function TIocpIOHandler.ReadByte: Byte;
begin
  Result := Byte(ReadInt(1, False, True));
end;

function TIocpIOHandler.ReadInt16(AConvert: Boolean): SmallInt;
begin
  Result := SmallInt(ReadInt(2, True, AConvert));
end;

function TIocpIOHandler.ReadUInt16(AConvert: Boolean): Word;
begin
  Result := Word(ReadInt(2, False, AConvert));
end;

function TIocpIOHandler.ReadInt32(AConvert: Boolean): LongInt;
begin
  Result := LongInt(ReadInt(4, True, AConvert));
end;

function TIocpIOHandler.ReadUInt32(AConvert: Boolean): LongWord;
begin
  Result := LongWord(ReadInt(4, False, AConvert));
end;

function TIocpIOHandler.ReadInt64(AConvert: Boolean): Int64;
begin
  Result := ReadInt(8, True, AConvert);
end;

function TIocpIOHandler.ReadUInt64(AConvert: Boolean): UInt64;
begin
  Result := UInt64(ReadInt(8, False, AConvert));
end;

procedure TIocpIOHandler.ReadStream(AStream: TStream; AByteCount: Int64; AReadUntilDisconnect: Boolean);
var
  P: PAnsiChar;
  N: size_t;
  Chunk: Integer;
begin
  if (AByteCount < 0) and AReadUntilDisconnect then
  begin
    repeat
      if InputBufferIsEmpty and not CheckForDataOnSource(IdTimeoutDefault) then
      begin
        if not Connected then Break;
        Continue;
      end;
      IocpCheck(iocp_io_input(FIo, @P, @N));
      if N > 0 then AStream.WriteBuffer(P^, N);
      IocpCheck(iocp_io_input_consume(FIo, N));
    until False;
    Exit;
  end;
  if AByteCount < 0 then
    AByteCount := ReadInt64;
  while AByteCount > 0 do
  begin
    if AByteCount > 64 * 1024 then Chunk := 64 * 1024 else Chunk := Integer(AByteCount);
    IocpCheck(iocp_io_read_bytes(FIo, Chunk, @P, @N));
    AStream.WriteBuffer(P^, N);
    Dec(AByteCount, N);
  end;
end;

function TIocpIOHandler.InputBufferIsEmpty: Boolean;
begin
  Result := FInputBuffer.Size = 0;
end;

function TIocpIOHandler.CheckForDataOnSource(ATimeout: Integer): Boolean;
var
  Rc: Integer;
begin
  Rc := iocp_io_check_for_data(FIo, ATimeout);
  IocpCheck(Rc);
  Result := Rc = 1;
end;

procedure TIocpIOHandler.CheckForDisconnect(ARaiseExceptionIfDisconnected: Boolean; AIgnoreBuffer: Boolean);
begin
  IocpCheck(iocp_io_check_for_disconnect(FIo, Ord(ARaiseExceptionIfDisconnected), Ord(AIgnoreBuffer)));
end;

procedure TIocpIOHandler.WriteRaw(P: Pointer; N: Integer);
begin
  IocpCheck(iocp_io_write(FIo, P, N));
end;

procedure TIocpIOHandler.Write(const AOut: string; AByteEncoding: IIdTextEncoding);
var
  B: TIdBytes;
begin
  B := Encoding(AByteEncoding).GetBytes(AOut);
  if Length(B) > 0 then
    WriteRaw(@B[0], Length(B));
end;

procedure TIocpIOHandler.Write(const ABuffer: TIdBytes; ALength: Integer; AOffset: Integer);
var
  N: Integer;
begin
  if AOffset < 0 then AOffset := 0;
  N := Length(ABuffer) - AOffset;
  if (ALength >= 0) and (ALength < N) then N := ALength;
  if N > 0 then
    WriteRaw(@ABuffer[AOffset], N);
end;

procedure TIocpIOHandler.Write(AValue: Byte);
begin
  IocpCheck(iocp_io_write_int(FIo, 1, 1, AValue));
end;

procedure TIocpIOHandler.Write(AValue: SmallInt; AConvert: Boolean);
begin
  IocpCheck(iocp_io_write_int(FIo, 2, Ord(AConvert), AValue));
end;

procedure TIocpIOHandler.Write(AValue: Word; AConvert: Boolean);
begin
  IocpCheck(iocp_io_write_int(FIo, 2, Ord(AConvert), AValue));
end;

procedure TIocpIOHandler.Write(AValue: LongInt; AConvert: Boolean);
begin
  IocpCheck(iocp_io_write_int(FIo, 4, Ord(AConvert), AValue));
end;

procedure TIocpIOHandler.Write(AValue: LongWord; AConvert: Boolean);
begin
  IocpCheck(iocp_io_write_int(FIo, 4, Ord(AConvert), AValue));
end;

procedure TIocpIOHandler.Write(AValue: Int64; AConvert: Boolean);
begin
  IocpCheck(iocp_io_write_int(FIo, 8, Ord(AConvert), AValue));
end;

procedure TIocpIOHandler.Write(AValue: UInt64; AConvert: Boolean);
begin
  IocpCheck(iocp_io_write_int(FIo, 8, Ord(AConvert), Int64(AValue)));
end;

procedure TIocpIOHandler.Write(AStream: TStream; ASize: Int64; AWriteByteCount: Boolean);
var
  Buf: TIdBytes;
  N: Integer;
begin
  if ASize <= 0 then
    ASize := AStream.Size - AStream.Position;
  if AWriteByteCount then
    Write(ASize);
  SetLength(Buf, 64 * 1024);
  while ASize > 0 do
  begin
    if ASize > Length(Buf) then N := Length(Buf) else N := Integer(ASize);
    N := AStream.Read(Buf[0], N);
    if N <= 0 then
      raise EIdException.Create('Stream ended before the requested size was written.');
    WriteRaw(@Buf[0], N);
    Dec(ASize, N);
  end;
end;

procedure TIocpIOHandler.WriteLn(AEncoding: IIdTextEncoding);
begin
  WriteLn('', AEncoding);
end;

procedure TIocpIOHandler.WriteLn(const AOut: string; AByteEncoding: IIdTextEncoding);
begin
  Write(AOut + EOL, AByteEncoding);
end;

procedure TIocpIOHandler.WriteBufferOpen(AThreshold: Integer);
begin
  IocpCheck(iocp_io_write_buffer(FIo, IOCP_WRITE_BUFFER_OPEN, AThreshold));
end;

procedure TIocpIOHandler.WriteBufferClose;
begin
  IocpCheck(iocp_io_write_buffer(FIo, IOCP_WRITE_BUFFER_CLOSE, 0));
end;

procedure TIocpIOHandler.WriteBufferFlush;
begin
  IocpCheck(iocp_io_write_buffer(FIo, IOCP_WRITE_BUFFER_FLUSH, 0));
end;

procedure TIocpIOHandler.WriteBufferCancel;
begin
  IocpCheck(iocp_io_write_buffer(FIo, IOCP_WRITE_BUFFER_CANCEL, 0));
end;

function TIocpIOHandler.WriteBufferingActive: Boolean;
begin
  Result := GetInt(IOCP_IO_WRITE_BUFFERING) <> 0;
end;

function TIocpIOHandler.Connected: Boolean;
begin
  Result := GetInt(IOCP_IO_CONNECTED) <> 0;
end;

procedure TIocpIOHandler.Close;
begin
  IocpCheck(iocp_io_close(FIo));
end;

end.
