unit ChatProtocol;

{ TimeChat line protocol.

  One command per line from the client; the server answers every command with one line:

    HELLO <name>   OK HELLO <name>        the other named users get JOIN <name>
    SAY <text>     MSG <name>: <text>     to every named user, the sender included
    TIME           TIME yyyy-mm-dd hh:nn:ss (the server's local time)
    QUIT           BYE <name>             then the server closes the connection;
                                          the other named users get LEAVE <name>
    anything else  ERR <reason>

  Commands are case-insensitive, names are 1 to 16 letters, digits, '_' or '-' and unique
  (case-insensitive). Lines are UTF-8, at most 1024 bytes.

  Helpers written by René for the 2011 version, still used unchanged. }

interface

uses
  {$IFDEF MSWINDOWS}Windows,{$ENDIF} // OutputDebugString in Log
  SysUtils, Classes, SyncObjs,
  IdGlobal, IdContext; { Indy 10 }

type
  { What a connection knows about its user once HELLO succeeded; kept in TIdContext.Data,
    which Indy frees with the context. }
  TChatUser = class
  private
    FName: string;
  public
    constructor Create(const AName: string);
    property Name: string read FName;
  end;

const
  MaxNameLength = 16;
  MaxCommandLineLength = 1024;

resourcestring
  SBanner = 'TimeChat server 2.1 (d'#233'mo Indy 10)';
  SGreeting = 'WELCOME TimeChat, say HELLO <name>';

procedure SplitCommand(const ALine: string; out ACommand, AArgument: string);
function IsValidName(const AName: string): Boolean;
function TimeStamp: string;
function UserOf(AContext: TIdContext): TChatUser;
procedure PrepareConnection(AContext: TIdContext);
procedure SendLine(AContext: TIdContext; const AText: string);
procedure Log(const AText: string);

implementation

var
  LogLock: TCriticalSection;

constructor TChatUser.Create(const AName: string);
begin
  inherited Create;
  FName := AName;
end;

procedure SplitCommand(const ALine: string; out ACommand, AArgument: string);
var
  P: Integer;
begin
  P := Pos(' ', ALine);
  if P = 0 then
  begin
    ACommand := UpperCase(Trim(ALine));
    AArgument := '';
  end
  else
  begin
    ACommand := UpperCase(Copy(ALine, 1, P - 1));
    AArgument := Trim(Copy(ALine, P + 1, MaxInt));
  end;
end;

function IsValidName(const AName: string): Boolean;
var
  I: Integer;
begin
  Result := (Length(AName) >= 1) and (Length(AName) <= MaxNameLength);
  for I := 1 to Length(AName) do
    if not CharInSet(AName[I], ['A'..'Z', 'a'..'z', '0'..'9', '_', '-']) then
      Result := False;
end;

function TimeStamp: string;
begin
  Result := FormatDateTime('yyyy"-"mm"-"dd hh":"nn":"ss', Now);
end;

function UserOf(AContext: TIdContext): TChatUser;
begin
  Result := TChatUser(AContext.Data);
end;

procedure PrepareConnection(AContext: TIdContext);
begin
  AContext.Connection.IOHandler.DefStringEncoding := IndyTextEncoding_UTF8;
  AContext.Connection.IOHandler.MaxLineLength := MaxCommandLineLength;
end;

procedure SendLine(AContext: TIdContext; const AText: string);
begin
  AContext.Connection.IOHandler.WriteLn(AText);
end;

procedure Log(const AText: string);
begin
  LogLock.Enter;
  try
    Writeln(FormatDateTime('hh":"nn":"ss', Now), ' ', AText);
    Flush(Output);
    {$IFDEF MSWINDOWS}
    OutputDebugString(PChar('TimeChat: ' + AText));
    {$ENDIF}
  finally
    LogLock.Leave;
  end;
end;

initialization
  LogLock := TCriticalSection.Create;

finalization
  LogLock.Free;

end.
