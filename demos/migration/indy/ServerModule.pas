unit ServerModule;

interface

uses
  SysUtils, Classes, IdBaseComponent, IdComponent, IdCustomTCPServer,
  IdTCPServer, IdContext, IdScheduler, IdSchedulerOfThread,
  IdSchedulerOfThreadDefault;

type
  TServerData = class(TDataModule)
    IdTCPServer1: TIdTCPServer;
    IdSchedulerOfThreadDefault1: TIdSchedulerOfThreadDefault;
    procedure IdTCPServer1Connect(AContext: TIdContext);
    procedure IdTCPServer1Disconnect(AContext: TIdContext);
    procedure IdTCPServer1Execute(AContext: TIdContext);
    procedure IdTCPServer1Exception(AContext: TIdContext;
      AException: Exception);
  private
    { Private declarations }
    procedure Broadcast(const AText: string; AExclude: TIdContext);
    procedure DoHello(AContext: TIdContext; const AName: string);
    procedure DoSay(AContext: TIdContext; const AText: string);
    procedure DoQuit(AContext: TIdContext);
  public
    { Public declarations }
    procedure Start(APort: Integer);
    procedure Stop;
    function ListeningPort: Integer;
  end;

var
  ServerData: TServerData;

implementation

{%CLASSGROUP 'System.Classes.TPersistent'}

uses
  IdException, ChatProtocol;

{$R *.dfm}

{ Sends AText to every named user but AExclude (nil: to all of them). }
procedure TServerData.Broadcast(const AText: string; AExclude: TIdContext);
var
  List: TList;
  I: Integer;
  Context: TIdContext;
begin
  List := IdTCPServer1.Contexts.LockList;
  try
    for I := 0 to List.Count - 1 do
    begin
      Context := TIdContext(List[I]);
      if (Context <> AExclude) and (UserOf(Context) <> nil) then
      try
        SendLine(Context, AText);
      except
        // Gone meanwhile: its own OnDisconnect tells the others.
      end;
    end;
  finally
    IdTCPServer1.Contexts.UnlockList;
  end;
end;

procedure TServerData.DoHello(AContext: TIdContext; const AName: string);
var
  List: TList;
  I: Integer;
  Taken: Boolean;
begin
  if UserOf(AContext) <> nil then
  begin
    SendLine(AContext, 'ERR already HELLO as ' + UserOf(AContext).Name);
    Exit;
  end;
  if not IsValidName(AName) then
  begin
    SendLine(AContext, 'ERR bad name');
    Exit;
  end;
  Taken := False;
  List := IdTCPServer1.Contexts.LockList;
  try
    for I := 0 to List.Count - 1 do
      if (UserOf(TIdContext(List[I])) <> nil) and
        SameText(UserOf(TIdContext(List[I])).Name, AName) then
        Taken := True;
    if not Taken then
      AContext.Data := TChatUser.Create(AName);
  finally
    IdTCPServer1.Contexts.UnlockList;
  end;
  if Taken then
    SendLine(AContext, 'ERR name in use ' + AName)
  else
  begin
    SendLine(AContext, 'OK HELLO ' + AName);
    Broadcast('JOIN ' + AName, AContext);
    Log(AName + ' joined from ' + AContext.Binding.PeerIP);
  end;
end;

procedure TServerData.DoSay(AContext: TIdContext; const AText: string);
begin
  if UserOf(AContext) = nil then
    SendLine(AContext, 'ERR say HELLO first')
  else if AText = '' then
    SendLine(AContext, 'ERR nothing to say')
  else
    Broadcast('MSG ' + UserOf(AContext).Name + ': ' + AText, nil);
end;

procedure TServerData.DoQuit(AContext: TIdContext);
begin
  if UserOf(AContext) <> nil then
    SendLine(AContext, 'BYE ' + UserOf(AContext).Name)
  else
    SendLine(AContext, 'BYE');
  AContext.Connection.Disconnect;
end;

procedure TServerData.IdTCPServer1Connect(AContext: TIdContext);
begin
  PrepareConnection(AContext);
  Log('connection from ' + AContext.Binding.PeerIP + ':' +
    IntToStr(AContext.Binding.PeerPort));
  SendLine(AContext, SGreeting);
end;

procedure TServerData.IdTCPServer1Disconnect(AContext: TIdContext);
begin
  if UserOf(AContext) <> nil then
  begin
    Broadcast('LEAVE ' + UserOf(AContext).Name, AContext);
    Log(UserOf(AContext).Name + ' left');
  end;
end;

procedure TServerData.IdTCPServer1Exception(AContext: TIdContext;
  AException: Exception);
begin
  if not (AException is EIdConnClosedGracefully) then
    Log('error: ' + AException.ClassName + ': ' + AException.Message);
end;

procedure TServerData.IdTCPServer1Execute(AContext: TIdContext);
var
  Command, Argument: string;
begin
  SplitCommand(AContext.Connection.IOHandler.ReadLn, Command, Argument);
  if Command = 'HELLO' then
    DoHello(AContext, Argument)
  else if Command = 'SAY' then
  begin
    DoSay(AContext, Argument);
    Sleep(20); // flood control: at most 50 messages a second per connection
  end
  else if Command = 'TIME' then
    SendLine(AContext, 'TIME ' + TimeStamp)
  else if Command = 'QUIT' then
    DoQuit(AContext)
  else if Command <> '' then
    SendLine(AContext, 'ERR unknown command ' + Command);
end;

procedure TServerData.Start(APort: Integer);
begin
  if APort >= 0 then
  begin
    IdTCPServer1.DefaultPort := APort;
    IdTCPServer1.Bindings[0].Port := APort;
  end;
  IdTCPServer1.Active := True;
end;

procedure TServerData.Stop;
begin
  IdTCPServer1.Active := False;
end;

function TServerData.ListeningPort: Integer;
begin
  Result := IdTCPServer1.Bindings[0].Port;
end;

end.
