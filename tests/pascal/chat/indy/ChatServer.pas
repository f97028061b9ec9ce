{ A chat server written the Indy way, as an Indy 10 user writes it: a greeting and the nick in
  OnConnect, a ReadLn/WriteLn loop in OnExecute, a broadcast over Contexts.LockList, a
  per-connection object in AContext.Data, bookkeeping in OnDisconnect, EIdConnClosedGracefully
  told apart in OnException.

  indy/ChatServer.pas uses Indy's units; ChatServer.pas is the same file with only the uses
  clause changed, to IocpIndyCompat (same_but_uses.sh checks that nothing else differs), and is
  the one the tests build and run. }
unit ChatServer;

{$IFDEF FPC}
  {$mode delphi}
{$ENDIF}

interface

uses
  Classes, SysUtils, IdTCPServer, IdContext, IdCustomTCPServer, IdGlobal, IdException, IdExceptionCore;

type
  TChatUser = class
  public
    Nick: string;
  end;

  TChatServer = class(TComponent)
  private
    FServer: TIdTCPServer;
    procedure ServerConnect(AContext: TIdContext);
    procedure ServerExecute(AContext: TIdContext);
    procedure ServerDisconnect(AContext: TIdContext);
    procedure ServerException(AContext: TIdContext; AException: Exception);
    procedure Broadcast(const AText: string; AExcept: TIdContext);
  public
    Joined, Left, GracefulCloses, OtherErrors: Integer;
    constructor Create(AOwner: TComponent); override;
    property Server: TIdTCPServer read FServer;
  end;

implementation

constructor TChatServer.Create(AOwner: TComponent);
begin
  inherited Create(AOwner);
  FServer := TIdTCPServer.Create(Self);
  FServer.OnConnect := ServerConnect;
  FServer.OnExecute := ServerExecute;
  FServer.OnDisconnect := ServerDisconnect;
  FServer.OnException := ServerException;
end;

procedure TChatServer.Broadcast(const AText: string; AExcept: TIdContext);
var
  List: TList;
  I: Integer;
  Ctx: TIdContext;
begin
  List := FServer.Contexts.LockList;
  try
    for I := 0 to List.Count - 1 do
    begin
      Ctx := TIdContext(List[I]);
      if (Ctx <> AExcept) and (Ctx.Data <> nil) then
      try
        Ctx.Connection.IOHandler.WriteLn(AText);
      except
        { A peer that went away meanwhile: its own OnDisconnect will come. }
      end;
    end;
  finally
    FServer.Contexts.UnlockList;
  end;
end;

procedure TChatServer.ServerConnect(AContext: TIdContext);
var
  User: TChatUser;
begin
  AContext.Connection.IOHandler.WriteLn('Welcome! Your nick?');
  User := TChatUser.Create;
  User.Nick := AContext.Connection.IOHandler.ReadLn;
  AContext.Data := User;
  Broadcast(User.Nick + ' joined', AContext);
  InterlockedIncrement(Joined);
end;

procedure TChatServer.ServerExecute(AContext: TIdContext);
var
  Line, Nicks: string;
  List: TList;
  I: Integer;
begin
  Line := AContext.Connection.IOHandler.ReadLn;
  if Line = '/quit' then
  begin
    AContext.Connection.IOHandler.WriteLn('Bye');
    AContext.Connection.Disconnect;
  end
  else if Line = '/who' then
  begin
    Nicks := '';
    List := FServer.Contexts.LockList;
    try
      for I := 0 to List.Count - 1 do
        if TIdContext(List[I]).Data <> nil then
          Nicks := Nicks + ' ' + TChatUser(TIdContext(List[I]).Data).Nick;
    finally
      FServer.Contexts.UnlockList;
    end;
    AContext.Connection.IOHandler.WriteLn('Here:' + Nicks);
  end
  else
    Broadcast('<' + TChatUser(AContext.Data).Nick + '> ' + Line, nil);
end;

procedure TChatServer.ServerDisconnect(AContext: TIdContext);
begin
  if AContext.Data <> nil then
    Broadcast(TChatUser(AContext.Data).Nick + ' left', AContext);
  InterlockedIncrement(Left);
end;

procedure TChatServer.ServerException(AContext: TIdContext; AException: Exception);
begin
  if AException is EIdConnClosedGracefully then
    InterlockedIncrement(GracefulCloses)
  else
    InterlockedIncrement(OtherErrors);
end;

end.
