{ Indy server idioms, written as Indy code with only the uses clause pointing at IocpIndyCompat,
  in one engine:

    indy_idioms_test --io default|iocp

  1. A protocol server derived from TIdCustomTCPServer: InitComponent sets defaults,
     CheckOkToBeActive may refuse, DoConnect greets, DoExecute serves and returns False on QUIT;
     a custom context overrides Indy's constructor Create(AConnection, AYarn, AList).
  2. A polling OnExecute (if not InputBufferIsEmpty ...; Sleep(10)) answers.
  3. The binding: AContext.Binding and Connection.Socket.Binding are the same TIdSocketHandle
     (PeerIP, PeerPort, IP, Port, Handle), socket options read back as set; Bindings.DefaultPort;
     TIdTCPServer.Create without an owner; a Scheduler may be set.
  4. Text each way: terminators, the default encoding and UTF-8/8-bit, converted or as they are.
  5. A server's life: Startup/Shutdown/SetActive overridden (the destructor's SetActive(False)
     too), Active False while connections end, a read cut by the stop raising
     EIdConnClosedGracefully, Connected seeing a peer's close, Data holding its own context,
     InputBuffer.ExtractToBytes with AIndex and AAppend, AContext.DoException reaching the
     server's DoException.
  6. Contexts.LockList: Indy's live list (TIdContextList), also through a reference kept after
     UnlockList; Connection.Tag.
  7. TIdServerIOHandlerSSLOpenSSL, TIdServerIOHandlerStack and TIdSchedulerOfThreadPool made
     without an owner; IndyTextEncoding(encUTF8).
  Prints "N passed, N failed". }
program indy_idioms_test;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF} SysUtils, Classes, SyncObjs, IocpIndyCompat, TestCheck, TestServer;

type
  { Per-connection state the Indy way: a context class with Indy's constructor. }
  TGreetContext = class(TIdServerContext)
  public
    Greeted: Boolean;
    Commands: Integer;
    constructor Create(AConnection: TIdTCPConnection; AYarn: TIdYarn; AList: TIdContextThreadList = nil); override;
  end;

  { A protocol server that overrides the virtuals instead of assigning events. }
  TCountServer = class(TIdCustomTCPServer)
  protected
    procedure InitComponent; override;
    procedure CheckOkToBeActive; override;
    procedure DoConnect(AContext: TIdContext); override;
    function DoExecute(AContext: TIdContext): Boolean; override;
    procedure DoDisconnect(AContext: TIdContext); override;
  public
    Refuse: Boolean;
    Disconnects: Integer;
  end;

  { A server's life the Indy way: Startup/Shutdown and SetActive overridden, Indy's protected
    fields read, facts kept for the test. }
  TLifeServer = class(TIdCustomTCPServer)
  protected
    procedure SetActive(AValue: Boolean); override;
    procedure Startup; override;
    procedure Shutdown; override;
    procedure DoConnect(AContext: TIdContext); override;
    function DoExecute(AContext: TIdContext): Boolean; override;
    procedure DoDisconnect(AContext: TIdContext); override;
    procedure DoException(AContext: TIdContext; AException: Exception); override;
  public
    Facts: TIdThreadSafeStringList;
    constructor Create(AOwner: TComponent); override;
    destructor Destroy; override;
    function HasFact(const S: string): Boolean;
  end;

  { Indy's way to reach the GUI thread from a handler. }
  TLogSync = class(TIdSync)
  protected
    procedure DoSynchronize; override;
  public
    Line: string;
  end;

  THandlers = class(TRecordingHandlers)  { Lines: the facts the handlers saw. }
  public
    procedure PollingExecute(AContext: TIdContext);
    procedure BindingExecute(AContext: TIdContext);
    procedure SyncExecute(AContext: TIdContext);
    procedure NotifyMain;
    procedure TextExecute(AContext: TIdContext);
    procedure EchoExecute(AContext: TIdContext);
    procedure PartFlushExecute(AContext: TIdContext);
  end;

var
  LifeLog: TIdThreadSafeStringList;  { What TLifeServer's SetActive saw, kept past its destructor. }
  ConstructedWithYarn: Integer;
  MainLog: TStringList;  { Only the main thread touches it (through TIdSync / TIdNotify). }
  Served: TIdThreadSafeInteger;
  Names: TIdThreadSafeStringList;

procedure TLogSync.DoSynchronize;
begin
  if GetCurrentThreadId = MainThreadID then
    MainLog.Add('sync ' + Line);
end;

procedure THandlers.NotifyMain;
begin
  if GetCurrentThreadId = MainThreadID then
    MainLog.Add('notified');
end;

{ A handler that reports to the main thread both ways, counts, and saves its input. }
procedure THandlers.SyncExecute(AContext: TIdContext);
var
  S: TLogSync;
  MS: TMemoryStream;
  Line: string;
begin
  while AContext.Connection.IOHandler.InputBuffer.IndexOf(LF) < 0 do  { The whole line is there. }
  begin
    if not AContext.Connection.Connected then
      Exit;  { CheckForDataOnSource never raises: the loop must look. }
    AContext.Connection.IOHandler.CheckForDataOnSource(10);
  end;
  MS := TMemoryStream.Create;
  try
    AContext.Connection.IOHandler.InputBuffer.SaveToStream(MS);  { Left in place. }
    Line := AContext.Connection.IOHandler.ReadLn;
    if (MS.Size = Length(Line) + 2) and (AContext.Connection.IOHandler.InputBuffer.Size = 0) then
      Add('saved to stream');
  finally
    MS.Free;
  end;
  S := TLogSync.Create(nil);  { Indy's constructor with a thread (nil: the caller's). }
  try
    S.Line := Line;
    S.Synchronize;  { Waits for the main thread's CheckSynchronize. }
  finally
    S.Free;
  end;
  TIdNotify.NotifyMethod(NotifyMain);
  Served.Increment;
  Names.Add(Line);
  AContext.Connection.IOHandler.WriteLn('synced ' + Line);
end;

constructor TGreetContext.Create(AConnection: TIdTCPConnection; AYarn: TIdYarn; AList: TIdContextThreadList);
begin
  inherited Create(AConnection, AYarn, AList);
  if (AConnection <> nil) and (AYarn <> nil) and (Connection = AConnection) and (Yarn = AYarn) then
    InterlockedIncrement(ConstructedWithYarn);
end;

procedure TCountServer.InitComponent;
begin
  inherited InitComponent;
  ContextClass := TGreetContext;
  TerminateWaitTime := 7000;
end;

procedure TCountServer.CheckOkToBeActive;
begin
  inherited CheckOkToBeActive;
  if Refuse then
    raise EIdException.Create('refused by CheckOkToBeActive');
end;

procedure TCountServer.DoConnect(AContext: TIdContext);
begin
  inherited DoConnect(AContext);
  TGreetContext(AContext).Greeted := True;
  AContext.Connection.IOHandler.WriteLn('200 hello');
end;

function TCountServer.DoExecute(AContext: TIdContext): Boolean;
var
  Cmd: string;
  Ctx: TGreetContext;
begin
  Ctx := TGreetContext(AContext);
  Cmd := AContext.Connection.IOHandler.ReadLn;
  Inc(Ctx.Commands);
  if Cmd = 'QUIT' then
  begin
    AContext.Connection.IOHandler.WriteLn('221 bye after ' + IntToStr(Ctx.Commands));
    Result := False;  { Indy: the loop ends and the connection closes. }
    Exit;
  end;
  AContext.Connection.IOHandler.WriteLn('250 ' + Cmd + ' greeted=' + BoolToStr(Ctx.Greeted, True));
  Result := inherited DoExecute(AContext);
end;

procedure TCountServer.DoDisconnect(AContext: TIdContext);
begin
  InterlockedIncrement(Disconnects);
  inherited DoDisconnect(AContext);
end;

constructor TLifeServer.Create(AOwner: TComponent);
begin
  Facts := TIdThreadSafeStringList.Create;
  inherited Create(AOwner);
end;

destructor TLifeServer.Destroy;
begin
  inherited Destroy;
  Facts.Free;
end;

function TLifeServer.HasFact(const S: string): Boolean;
begin
  Result := Facts.Lock.IndexOf(S) >= 0;
  Facts.Unlock;
end;

procedure TLifeServer.SetActive(AValue: Boolean);
begin
  LifeLog.Add('SetActive(' + BoolToStr(AValue, True) + ')');
  inherited SetActive(AValue);
  if FActive <> AValue then
    LifeLog.Add('FActive wrong');
end;

procedure TLifeServer.Startup;
begin
  LifeLog.Add('Startup');
  inherited Startup;
end;

procedure TLifeServer.Shutdown;
begin
  LifeLog.Add('Shutdown, Active=' + BoolToStr(Active, True));
  inherited Shutdown;
end;

procedure TLifeServer.DoConnect(AContext: TIdContext);
begin
  AContext.Data := AContext;  { Kept in its own Data: freed once, with the context. }
  inherited DoConnect(AContext);
end;

function TLifeServer.DoExecute(AContext: TIdContext): Boolean;
var
  IO: TIdIOHandler;
  Cmd: string;
  B: TIdBytes;
  I: Integer;
  MS: TMemoryStream;
  E: Exception;
begin
  IO := AContext.Connection.IOHandler;
  Cmd := IO.ReadLn;
  if Cmd = 'wait' then
  begin
    { Connected reads what is pending, so the peer's close ends this loop (as in Indy). }
    I := 0;
    while AContext.Connection.Connected and (I < 6000) do
    begin
      IndySleep(5);
      Inc(I);
    end;
    if not AContext.Connection.Connected then
      Facts.Add('saw close');
  end
  else if Cmd = 'report' then
  begin
    E := Exception.Create('reported by its context');
    try
      AContext.DoException(E);  { Indy's TIdTask.DoException: the server's DoException / OnException. }
    finally
      E.Free;
    end;
    IO.WriteLn('reported');
  end
  else if Cmd = 'block' then
  begin
    Facts.Add('blocking');
    IO.ReadLn;  { Until the server stops. }
  end
  else if Cmd = 'extract' then
  begin
    I := 0;
    while (IO.InputBuffer.Size < 6) and (I < 300) do
    begin
      IO.CheckForDataOnSource(100);
      Inc(I);
    end;
    if (IO.InputBuffer.IndexOf(Byte(Ord('c'))) = 2) and (IO.InputBuffer.IndexOf(ToBytes('de')) = 3)
      and (IO.InputBuffer.IndexOf('ef', 1, IndyTextEncoding_ASCII) = 4) and (IO.InputBuffer.IndexOf('zz') = -1) then
      Facts.Add('index of');
    MS := TMemoryStream.Create;
    try
      IO.InputBuffer.ExtractToStream(MS, 2, 1);  { A copy from offset 1, left in place. }
      if (MS.Size = 2) and (PAnsiChar(MS.Memory)[0] = 'b') and (IO.InputBuffer.Size = 6) then
        Facts.Add('stream peek');
    finally
      MS.Free;
    end;
    B := nil;
    IO.InputBuffer.ExtractToBytes(B, 2, True, 1);  { A peek at offset 1. }
    if (BytesToString(B) = 'bc') and (IO.InputBuffer.Size = 6) then Facts.Add('peek');
    B := ToBytes('WXYZ');
    IO.InputBuffer.ExtractToBytes(B, 3, False);  { Over the start, the length kept. }
    if (BytesToString(B) = 'abcZ') and (IO.InputBuffer.Size = 3) then Facts.Add('overwrite');
    try
      IO.InputBuffer.ExtractToBytes(B, 5);
    except
      on EIdNotEnoughDataInBuffer do Facts.Add('not enough');
    end;
    IO.InputBuffer.ExtractToBytes(B);  { The rest ('def'). }
    if AContext.Binding.Send(ToBytes('xsentx'), 1, 4) = 4 then  { Indy's Binding.Send: 'sent'. }
      AContext.Binding.Send(' ' + EOL);
    IO.WriteLn('extracted');
  end;
  Result := inherited DoExecute(AContext);
end;

procedure TLifeServer.DoDisconnect(AContext: TIdContext);
begin
  if not Active then
    Facts.Add('inactive in DoDisconnect');
  inherited DoDisconnect(AContext);
end;

procedure TLifeServer.DoException(AContext: TIdContext; AException: Exception);
begin
  Facts.Add('exception ' + AException.ClassName);
  inherited DoException(AContext, AException);
end;


{ The idiom of public Indy servers: never block, look at the buffer, sleep. }
{ Text each way: a line read up to a terminator of our choosing, then lines written with the
  default encoding (ASCII: '?' for each byte that is not 7-bit), UTF-8 and 8-bit (the bytes as they
  are), and with the string's own encoding named (converted). }
procedure THandlers.TextExecute(AContext: TIdContext);
var
  IO: TIdIOHandler;
  Line: string;
begin
  IO := AContext.Connection.IOHandler;
  Line := IO.ReadLn('||');
  IO.WriteLn('got ' + Line);
  IO.WriteLn('caf'#$C3#$A9);
  IO.WriteLn('caf'#$C3#$A9, IndyTextEncoding_UTF8);
  IO.WriteLn('caf'#$E9, IndyTextEncoding_8Bit);
  IO.Write('caf'#$C3#$A9' w'#13#10);
  IO.WriteLn('caf'#$C3#$A9, IndyTextEncoding_8Bit, IndyTextEncoding_UTF8);
  Line := IO.ReadLn(#$C2#$A7, IdTimeoutDefault, -1, IndyTextEncoding_UTF8);
  IO.WriteLn('got ' + Line, IndyTextEncoding_UTF8);
  AContext.Connection.Disconnect;
end;

procedure THandlers.EchoExecute(AContext: TIdContext);
begin
  AContext.Connection.IOHandler.WriteLn(AContext.Connection.IOHandler.ReadLn);
end;

procedure THandlers.PollingExecute(AContext: TIdContext);
var
  S: string;
begin
  if not AContext.Connection.IOHandler.InputBufferIsEmpty then
  begin
    S := AContext.Connection.IOHandler.InputBufferAsString;
    AContext.Connection.IOHandler.Write('polled:' + S);
  end;
  Sleep(10);
end;

procedure THandlers.BindingExecute(AContext: TIdContext);
var
  B: TIdSocketHandle;
  V: Integer;
begin
  AContext.Connection.IOHandler.ReadLn;
  B := AContext.Binding;
  if B = AContext.Connection.Socket.Binding then Add('same binding');
  if B.PeerIP = '127.0.0.1' then Add('peer ip');
  if (B.PeerPort > 0) and (B.PeerPort <> B.Port) then Add('peer port');
  if B.IP = '127.0.0.1' then Add('local ip');
  if B.Port = AContext.Server.Bindings[0].Port then Add('local port');
  if B.HandleAllocated and (Int64(B.Handle) >= 0) then Add('handle');
  B.SetSockOpt(Id_SOL_SOCKET, Id_SO_KEEPALIVE, 1);
  B.GetSockOpt(Id_SOL_SOCKET, Id_SO_KEEPALIVE, V);
  if V <> 0 then Add('keepalive set');
  B.SetKeepAliveValues(True, 30000, 5000);
  Add('keepalive values');
  B.UseNagle := False;
  B.GetSockOpt(Id_IPPROTO_TCP, Id_TCP_NODELAY, V);
  if V <> 0 then Add('nodelay');
  if AContext.Yarn <> nil then Add('yarn');
  AContext.Connection.IOHandler.AfterAccept;  { Public Indy handlers call it; nothing changes. }
  if (AContext.Connection.IOHandler.Host = '') and (AContext.Connection.IOHandler.Port = 0) then
    Add('no host');
  AContext.Connection.IOHandler.WriteLn('done');
end;

function Connect(Port: Integer): TIdTCPClient;
begin
  Result := TIdTCPClient.Create(nil);
  Result.ReadTimeout := 30000;  { Only a broken server makes a read wait this long. }
  Result.Connect('127.0.0.1', Port);
end;

{ An active TIdTCPServer on 127.0.0.1 (a port the OS picks) serving AExecute in the engine asked for. }
function StartServer(AIocp: Boolean; AExecute: TIdServerThreadEvent): TIdTCPServer;
begin
  Result := TIdTCPServer.Create;
  try
    Result.Bindings.Add.IP := '127.0.0.1';
    if AIocp then Result.IOHandlerOptions.IOHandlerType := iohIOCP;
    Result.OnExecute := AExecute;
    Result.Active := True;
  except
    Result.Free;
    raise;
  end;
end;

{ TIdSync and TIdNotify reach the main thread, which pumps CheckSynchronize as a GUI's loop would. }
procedure SyncToMainThread(AIocp: Boolean);
var
  S: TIdTCPServer;
  H: THandlers;
  C: TIdTCPClient;
  Waited: Integer;
begin
  H := THandlers.Create;
  S := nil;
  try
    S := StartServer(AIocp, H.SyncExecute);
    C := Connect(S.Bindings[0].Port);
    try
      C.IOHandler.WriteLn('first');
      Waited := 0;
      while (MainLog.IndexOf('notified') < 0) and (Waited < 30000) do
      begin
        CheckSynchronize(5);
        Inc(Waited, 5);
      end;
      Check(C.IOHandler.ReadLn = 'synced first', 'the handler went on after Synchronize');
    finally
      C.Free;
    end;
    S.Active := False;
    Check(MainLog.IndexOf('sync first') >= 0, 'TIdSync.Synchronize ran DoSynchronize in the main thread');
    Check(MainLog.IndexOf('notified') >= 0, 'TIdNotify.NotifyMethod ran in the main thread');
    Check(H.Contains('saved to stream'), 'InputBuffer.SaveToStream leaves the input in place');
    Check(Served.Value = 1, 'TIdThreadSafeInteger');
    Check((not Names.Empty) and (Names.Lock.IndexOf('first') = 0), 'TIdThreadSafeStringList');
    Names.Unlock;
  finally
    S.Free;
    H.Free;
  end;
end;

procedure SubclassedServer(AIocp: Boolean);
var
  S: TCountServer;
  C: TIdTCPClient;
  Refused: Boolean;
  Waited: Integer;
begin
  S := TCountServer.Create(nil);
  try
    Check(S.TerminateWaitTime = 7000, 'InitComponent ran from the constructor');
    S.Bindings.Add.IP := '127.0.0.1';
    if AIocp then S.IOHandlerOptions.IOHandlerType := iohIOCP;
    S.Refuse := True;
    Refused := False;
    try
      S.Active := True;
    except
      on E: EIdException do Refused := Pos('refused by CheckOkToBeActive', E.Message) > 0;
    end;
    Check(Refused and not S.Active, 'CheckOkToBeActive refuses activation');
    S.Refuse := False;
    S.Active := True;  { No OnExecute: a TIdCustomTCPServer serves through DoExecute. }
    C := Connect(S.Bindings[0].Port);
    try
      Check(C.IOHandler.ReadLn = '200 hello', 'DoConnect greets');
      C.IOHandler.WriteLn('NOOP');
      Check(C.IOHandler.ReadLn = '250 NOOP greeted=True', 'DoExecute serves with the custom context''s state');
      C.IOHandler.WriteLn('QUIT');
      Check(C.IOHandler.ReadLn = '221 bye after 2', 'QUIT answered');
      Waited := 0;
      while (S.Disconnects = 0) and (Waited < 30000) do
      begin
        SysUtils.Sleep(5);
        Inc(Waited, 5);
      end;
      Check(S.Disconnects = 1, 'DoExecute returning False ends the connection (DoDisconnect once)');
    finally
      C.Free;
    end;
    Check(ConstructedWithYarn = 1, 'the custom context came through Indy''s constructor with a yarn');
    S.Active := False;
  finally
    S.Free;
  end;
end;

procedure PollingAndBinding(AIocp: Boolean);
var
  S: TIdTCPServer;
  H: THandlers;
  C: TIdTCPClient;
  Sched: TIdSchedulerOfThreadDefault;
  Got: string;
begin
  H := THandlers.Create;
  Sched := TIdSchedulerOfThreadDefault.Create(nil);
  S := TIdTCPServer.Create;  { Indy's constructor without an owner. }
  try
    S.Bindings.DefaultPort := 0;
    S.Bindings.Add.IP := '127.0.0.1';
    if AIocp then S.IOHandlerOptions.IOHandlerType := iohIOCP;
    S.Scheduler := Sched;  { Accepted; IOHandlerOptions decides how connections are served. }
    S.OnExecute := H.PollingExecute;
    S.Active := True;
    C := Connect(S.Bindings[0].Port);
    try
      C.IOHandler.Write('ping' + EOL);
      Got := C.IOHandler.ReadLn;
      Check(Got = 'polled:ping', 'a polling OnExecute sees its input: ' + Got);
    finally
      C.Free;
    end;
    S.Active := False;
    S.OnExecute := H.BindingExecute;
    S.Active := True;
    C := Connect(S.Bindings[0].Port);
    try
      Check((C.IOHandler.Host = '127.0.0.1') and (C.IOHandler.Port = S.Bindings[0].Port),
        'a client''s IOHandler.Host and Port are where it connected');
      C.IOHandler.WriteLn('binding');
      Check(C.IOHandler.ReadLn = 'done', 'the binding handler ran');
    finally
      C.Free;
    end;
    Check(H.Contains('same binding'), 'AContext.Binding = Connection.Socket.Binding');
    Check(H.Contains('peer ip'), 'Binding.PeerIP');
    Check(H.Contains('peer port'), 'Binding.PeerPort');
    Check(H.Contains('local ip'), 'Binding.IP');
    Check(H.Contains('local port'), 'Binding.Port');
    Check(H.Contains('handle'), 'Binding.Handle');
    Check(H.Contains('keepalive set'), 'SetSockOpt / GetSockOpt (SO_KEEPALIVE)');
    Check(H.Contains('keepalive values'), 'SetKeepAliveValues');
    Check(H.Contains('nodelay'), 'UseNagle := False sets TCP_NODELAY');
    Check(H.Contains('yarn'), 'AContext.Yarn');
    Check(H.Contains('no host'), 'a server connection''s IOHandler.Host is empty, as Indy''s');
    S.Active := False;
  finally
    S.Free;
    Sched.Free;
    H.Free;
  end;
end;

procedure TextOnTheWire(AIocp: Boolean);
var
  S: TIdTCPServer;
  H: THandlers;
  C: TIdTCPClient;
  Rest: string;
begin
  H := THandlers.Create;
  S := nil;
  try
    S := StartServer(AIocp, H.TextExecute);
    C := Connect(S.Bindings[0].Port);
    try
      C.IOHandler.Write('a|b||c'#$C2#$A7, IndyTextEncoding_8Bit);
      Check(C.IOHandler.ReadLn(IndyTextEncoding_8Bit) = 'got a|b', 'ReadLn up to a terminator of two characters');
      Check(C.IOHandler.ReadLn(IndyTextEncoding_8Bit) = 'caf??', 'WriteLn, default encoding: ''?'' for each 8-bit byte');
      Check(C.IOHandler.ReadLn(IndyTextEncoding_8Bit) = 'caf'#$C3#$A9, 'WriteLn, UTF-8: the bytes as they are');
      Check(C.IOHandler.ReadLn(IndyTextEncoding_8Bit) = 'caf'#$E9, 'WriteLn, 8-bit: the bytes as they are');
      Check(C.IOHandler.ReadLn(IndyTextEncoding_8Bit) = 'caf?? w', 'Write, default encoding: ''?'' for each 8-bit byte');
      Check(C.IOHandler.ReadLn(IndyTextEncoding_8Bit) = 'caf'#$E9, 'WriteLn from UTF-8 to 8-bit converts');
      Check(C.IOHandler.ReadLn(IndyTextEncoding_8Bit) = 'got c', 'ReadLn up to a UTF-8 terminator');
      Rest := 'none';
      try
        Rest := C.IOHandler.ReadLn(IndyTextEncoding_8Bit);
      except
        on EIdConnClosedGracefully do
          Rest := '';
      end;
      Check(Rest = '', 'nothing else was sent: ' + Rest);
    finally
      C.Free;
    end;
    S.Active := False;
  finally
    S.Free;
    H.Free;
  end;
end;

{ True once S has AFact (within 30 s: a property, not a timing). }
function WaitForFact(S: TLifeServer; const AFact: string): Boolean;
var
  Waited: Integer;
begin
  Waited := 0;
  while not S.HasFact(AFact) and (Waited < 30000) do
  begin
    SysUtils.Sleep(5);
    Inc(Waited, 5);
  end;
  Result := S.HasFact(AFact);
end;

{ Contexts.LockList is Indy's live list: a reference kept after UnlockList sees connections come
  and go (a public server keeps one to broadcast); every item is a whole context. }
procedure LiveContexts(AIocp: Boolean);
var
  S: TIdTCPServer;
  H: THandlers;
  Kept: TIdContextList;  { Indy's name for what LockList returns. }
  A, B: TIdTCPClient;
  I, Waited: Integer;
  Whole, Tagged: Boolean;
begin
  H := THandlers.Create;
  S := nil;
  try
    S := StartServer(AIocp, H.EchoExecute);
    Kept := S.Contexts.LockList;
    S.Contexts.UnlockList;
    Check(Kept.Count = 0, 'no contexts before any connection');
    A := Connect(S.Bindings[0].Port);
    B := Connect(S.Bindings[0].Port);
    try
      A.IOHandler.WriteLn('a');
      B.IOHandler.WriteLn('b');
      Check((A.IOHandler.ReadLn = 'a') and (B.IOHandler.ReadLn = 'b'), 'both served');
      Check((Kept.Count = 2) and (S.Contexts.Count = 2), 'the kept list holds both connections');
      Whole := True;
      Tagged := True;
      S.Contexts.LockList;
      try
        for I := 0 to Kept.Count - 1 do
          Whole := Whole and (TIdContext(Kept[I]).Connection <> nil);
        for I := 0 to Kept.Count - 1 do
        begin
          Tagged := Tagged and (TIdContext(Kept[I]).Connection.Tag = 0);
          TIdContext(Kept[I]).Connection.Tag := Integer(I + 1);  { As servers number their clients. }
        end;
        for I := 0 to Kept.Count - 1 do
          Tagged := Tagged and (TIdContext(Kept[I]).Connection.Tag = I + 1);
      finally
        S.Contexts.UnlockList;
      end;
      Check(Whole, 'each item is a whole context');
      Check(Tagged, 'Connection.Tag starts at 0 and keeps what is set');
    finally
      A.Free;
      B.Free;
    end;
    Waited := 0;
    while (S.Contexts.Count > 0) and (Waited < 30000) do
    begin
      SysUtils.Sleep(5);
      Inc(Waited, 5);
    end;
    Check(Kept.Count = 0, 'the kept list empties as the connections end');
    S.Active := False;
  finally
    S.Free;
    H.Free;
  end;
end;

procedure ServerLifecycle(AIocp: Boolean);
var
  S: TLifeServer;
  C: TIdTCPClient;
  Log: TStringList;
begin
  LifeLog.Clear;
  S := TLifeServer.Create(nil);
  try
    S.Bindings.Add.IP := '127.0.0.1';
    if AIocp then S.IOHandlerOptions.IOHandlerType := iohIOCP;
    S.Active := True;
    Check(S.Active and (LifeLog.Lock.IndexOf('Startup') >= 0), 'Startup runs from SetActive(True)');
    LifeLog.Unlock;
    C := Connect(S.Bindings[0].Port);
    try
      C.IOHandler.WriteLn('extract');
      C.IOHandler.Write('abcdef');
      Check(C.IOHandler.ReadLn = 'sent ', 'Binding.Send of bytes (offset and size) and of text');
      Check(C.IOHandler.ReadLn = 'extracted', 'the ExtractToBytes handler answered');
      C.IOHandler.WriteLn('report');
      Check(C.IOHandler.ReadLn = 'reported', 'the handler reported an exception and went on');
      Check(S.HasFact('exception Exception'), 'AContext.DoException reaches the server''s DoException');
      C.IOHandler.WriteLn('wait');
    finally
      C.Free;  { The peer closes while the handler polls Connected. }
    end;
    Check(WaitForFact(S, 'saw close'), 'Connected sees the peer''s close without a read');
    Check(S.HasFact('peek'), 'InputBuffer.ExtractToBytes with AIndex copies and leaves the bytes');
    Check(S.HasFact('index of'), 'InputBuffer.IndexOf a byte, bytes and text');
    Check(S.HasFact('stream peek'), 'InputBuffer.ExtractToStream with AIndex copies and leaves the bytes');
    Check(S.HasFact('overwrite'), 'ExtractToBytes with AAppend = False writes over the start');
    Check(S.HasFact('not enough'), 'ExtractToBytes of more than there is raises EIdNotEnoughDataInBuffer');
    C := Connect(S.Bindings[0].Port);
    try
      C.IOHandler.WriteLn('block');
      Check(WaitForFact(S, 'blocking'), 'the handler reads until the server stops');
      S.Active := False;
    finally
      C.Free;
    end;
    Check(S.HasFact('exception EIdConnClosedGracefully'),
      'a read cut by the server''s stop raises EIdConnClosedGracefully, as in Indy');
    Check(not S.HasFact('exception EIdNotConnected'), 'and not EIdNotConnected');
    Check(S.HasFact('inactive in DoDisconnect'), 'Active is False while the connections end');
    Check(LifeLog.Lock.IndexOf('Shutdown, Active=False') >= 0, 'Shutdown runs with Active already False');
    LifeLog.Unlock;
  finally
    S.Free;
  end;
  Check(LifeLog.Lock.IndexOf('FActive wrong') < 0, 'FActive follows SetActive');
  LifeLog.Unlock;
  Log := LifeLog.Lock;
  try
    Check((Log.Count >= 2) and (Log[Log.Count - 1] = 'SetActive(False)') and (Log.IndexOf('SetActive(False)') < Log.Count - 1),
      'the destructor calls the virtual SetActive(False), as Indy''s: ' + Log.CommaText);
  finally
    LifeLog.Unlock;
  end;
end;

{ A connect to the port is refused (nothing listens). }
function Refused(Port: Integer): Boolean;
var
  C: TIdTCPClient;
begin
  Result := False;
  C := TIdTCPClient.Create(nil);
  try
    try
      C.ConnectTimeout := 5000;
      C.Connect('127.0.0.1', Port);
    except
      on E: EIdSocketError do
        Result := True;
    end;
  finally
    C.Free;
  end;
end;

procedure THandlers.PartFlushExecute(AContext: TIdContext);
var
  IO: TIdIOHandler;
begin
  IO := AContext.Connection.IOHandler;
  IO.WriteBufferOpen;
  IO.Write('abcdef');
  IO.WriteBufferFlush(0);
  IO.WriteBufferFlush(2);
  IO.ReadLn;
  IO.WriteBufferClose;
  IO.ReadLn;
end;

{ Indy's WriteBufferFlush(AByteCount): the first bytes go, the rest waits for the next flush. }
procedure PartFlush(AIocp: Boolean);
var
  H: THandlers;
  S: TIdTCPServer;
  C: TIdTCPClient;
begin
  H := THandlers.Create;
  S := StartServer(AIocp, H.PartFlushExecute);
  C := nil;
  try
    C := Connect(S.Bindings[0].Port);
    Check(C.IOHandler.ReadString(2) = 'ab', 'WriteBufferFlush(2) sends the first 2 collected bytes');
    Check(not C.IOHandler.CheckForDataOnSource(200) and C.IOHandler.InputBufferIsEmpty,
      'and keeps the rest collected (WriteBufferFlush(0) sends nothing)');
    C.IOHandler.WriteLn('go');
    Check(C.IOHandler.ReadString(4) = 'cdef', 'WriteBufferClose sends the rest');
    C.IOHandler.WriteLn('end');
  finally
    C.Free;
    S.Free;
    H.Free;
  end;
end;

{ Components made without an owner, as code that sets a server up at run time makes them, and
  Indy's encoding names. }
procedure OwnerlessComponents;
var
  SSL: TIdServerIOHandlerSSLOpenSSL;
  Plain: TIdServerIOHandlerStack;
  Pool: TIdSchedulerOfThreadPool;
  E: IdTextEncodingType;
begin
  SSL := TIdServerIOHandlerSSLOpenSSL.Create;
  Plain := TIdServerIOHandlerStack.Create;
  Pool := TIdSchedulerOfThreadPool.Create;
  try
    Check((SSL.Owner = nil) and (SSL.SSLOptions <> nil),
      'TIdServerIOHandlerSSLOpenSSL.Create without an owner has its SSLOptions');
    SSL.SSLOptions.Method := sslvTLSv1_2;
    Check(SSL.SSLOptions.Method = sslvTLSv1_2, 'its SSLOptions take a value');
    Check(Plain.Owner = nil, 'TIdServerIOHandlerStack.Create without an owner');
    Pool.PoolSize := 4;
    Check((Pool.Owner = nil) and (Pool.PoolSize = 4), 'TIdSchedulerOfThreadPool.Create without an owner');
  finally
    Pool.Free;
    Plain.Free;
    SSL.Free;
  end;
  E := encUTF8;
  Check(BytesToString(IndyTextEncoding(E).GetBytes('abc'), IndyTextEncoding_UTF8) = 'abc',
    'IndyTextEncoding(encUTF8)');
  Check(IndyTextEncoding(enc8Bit).GetString(ToBytes('xyz'), 2, 1) = 'z', 'IndyTextEncoding(enc8Bit)');
end;

{ Indy's StopListening / StartListening, as a service's pause and resume call them: new connects
  are refused while paused, the open connection goes on, the same port listens again. }
procedure PauseListening(AIocp: Boolean);
var
  H: THandlers;
  S: TIdTCPServer;
  A, B: TIdTCPClient;
  Port: Integer;
begin
  H := THandlers.Create;
  S := StartServer(AIocp, H.EchoExecute);
  A := nil;
  B := nil;
  try
    Port := S.Bindings[0].Port;
    A := Connect(Port);
    A.IOHandler.WriteLn('one');
    Check(A.IOHandler.ReadLn = 'one', 'echo before StopListening');
    S.StopListening;
    Check(S.Active, 'Active stays True after StopListening');
    Check(Refused(Port), 'a connect after StopListening is refused (EIdSocketError)');
    A.IOHandler.WriteLn('two');
    Check(A.IOHandler.ReadLn = 'two', 'the open connection goes on while not listening');
    S.StartListening;
    Check(S.Bindings[0].Port = Port, 'StartListening keeps the port');
    B := Connect(Port);
    B.IOHandler.WriteLn('three');
    Check(B.IOHandler.ReadLn = 'three', 'a new connection after StartListening is served');
    S.Active := False;
    try
      S.StartListening;
      Check(False, 'StartListening while inactive raises');
    except
      on E: EIdException do
        Check(True, 'StartListening while inactive raises EIdException');
    end;
  finally
    B.Free;
    A.Free;
    S.Free;
    H.Free;
  end;
end;

var
  Engine: string;
begin
  Engine := EngineFromArgs;
  Check(IndyTextEncoding_UTF8.GetString(IndyTextEncoding_UTF8.GetBytes('abc')) = 'abc',
    'IIdTextEncoding.GetString(TIdBytes)');
  Check(IndyTextEncoding_8Bit.GetString(ToBytes('xyz'), 1, 1) = 'y',
    'IIdTextEncoding.GetString(TIdBytes, AByteIndex, AByteCount)');
  MainLog := TStringList.Create;
  LifeLog := TIdThreadSafeStringList.Create;
  Served := TIdThreadSafeInteger.Create;
  Names := TIdThreadSafeStringList.Create;
  try
    SubclassedServer(Engine = 'iocp');
    PollingAndBinding(Engine = 'iocp');
    TextOnTheWire(Engine = 'iocp');
    ServerLifecycle(Engine = 'iocp');
    LiveContexts(Engine = 'iocp');
    PauseListening(Engine = 'iocp');
    PartFlush(Engine = 'iocp');
    SyncToMainThread(Engine = 'iocp');
    OwnerlessComponents;
  finally
    Names.Free;
    LifeLog.Free;
    Served.Free;
    MainLog.Free;
  end;
  Report;
end.
