program TimeChatServer;

{$APPTYPE CONSOLE}

{$R *.res}

uses
  SysUtils,
  Classes,
  ServerModule in 'ServerModule.pas' {ServerData: TDataModule},
  ChatProtocol in 'ChatProtocol.pas';

{ TimeChatServer [--port N]
  Serves the TimeChat protocol (see ChatProtocol.pas) on the binding of ServerModule.dfm;
  --port N listens on port N instead, --port 0 on any free port. Prints
  "listening on port N" once ready, and runs until its standard input ends or a line
  "quit" is read there. }

function PortFromCommandLine: Integer;
var
  I: Integer;
begin
  Result := -1; // the port of the binding in ServerModule.dfm
  I := 1;
  while I <= ParamCount do
  begin
    if SameText(ParamStr(I), '--port') and (I < ParamCount) then
    begin
      Result := StrToInt(ParamStr(I + 1));
      Inc(I);
    end
    else
      raise Exception.Create('usage: TimeChatServer [--port N]');
    Inc(I);
  end;
end;

var
  Line: string;

begin
  try
    ServerData := TServerData.Create(nil);
    try
      Log(SBanner);
      ServerData.Start(PortFromCommandLine);
      Writeln('listening on port ', ServerData.ListeningPort);
      Flush(Output);
      while not Eof(Input) do
      begin
        Readln(Line);
        if SameText(Trim(Line), 'quit') then
          Break;
      end;
      ServerData.Stop;
      Log('stopped');
    finally
      FreeAndNil(ServerData);
    end;
  except
    on E: Exception do
    begin
      Writeln(E.ClassName, ': ', E.Message);
      ExitCode := 1;
    end;
  end;
end.
