{ The Indy-style chat server (ChatServer.pas, only its uses clause changed from Indy's units)
  serving real clients, in both engines:

    chat_test --io default|iocp

  Greeting and nick, "joined" to the others, a line broadcast to everybody, /who over
  Contexts.LockList, /quit answered and disconnected, "left" to the others, OnDisconnect once
  per connection, a client's close seen as EIdConnClosedGracefully in OnException, the per-
  connection Data object freed with its context. Prints "N passed, N failed". }
program chat_test;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF} SysUtils, Classes, IocpIndyCompat, ChatServer, TestCheck, TestServer;

const
  EventuallyMs = 30000;  { A bound on "eventually": only a failing run waits this long. }


procedure Expect(AClient: TIdTCPClient; const ALine: string);
var
  Got: string;
begin
  Got := AClient.IOHandler.ReadLn;
  Check(Got = ALine, Format('expected "%s", got "%s"', [ALine, Got]));
end;

function Join(APort: Integer; const ANick: string): TIdTCPClient;
begin
  Result := TIdTCPClient.Create(nil);
  Result.ReadTimeout := EventuallyMs;
  Result.Connect('127.0.0.1', APort);
  Expect(Result, 'Welcome! Your nick?');
  Result.IOHandler.WriteLn(ANick);
end;

function WaitFor(var ACounter: Integer; AValue: Integer): Boolean;
var
  Deadline: QWord;
begin
  Deadline := GetTickCount64 + EventuallyMs;
  while (ACounter < AValue) and (GetTickCount64 < Deadline) do Sleep(2);
  Result := ACounter >= AValue;
end;

var
  Chat: TChatServer;
  Alice, Bob: TIdTCPClient;
  Port: Integer;
  Engine: string;
begin
  Engine := EngineFromArgs;
  Chat := TChatServer.Create(nil);
  try
    Chat.Server.Bindings.Add.IP := '127.0.0.1';
    if Engine = 'iocp' then
      Chat.Server.IOHandlerOptions.IOHandlerType := iohIOCP
    else
      Chat.Server.IOHandlerOptions.IOHandlerType := iohDefault;
    Chat.Server.Active := True;
    Port := Chat.Server.Bindings[0].Port;

    Alice := Join(Port, 'alice');
    Check(WaitFor(Chat.Joined, 1), 'alice joined');
    Bob := Join(Port, 'bob');
    Expect(Alice, 'bob joined');
    Bob.IOHandler.WriteLn('hi all');
    Expect(Alice, '<bob> hi all');
    Expect(Bob, '<bob> hi all');
    Alice.IOHandler.WriteLn('/who');
    Expect(Alice, 'Here: alice bob');
    Bob.IOHandler.WriteLn('/quit');
    Expect(Bob, 'Bye');
    Expect(Alice, 'bob left');
    Bob.Free;
    Alice.Disconnect;  { Alice just leaves: her handler sees the close in ReadLn. }
    Alice.Free;
    Check(WaitFor(Chat.Left, 2), Format('OnDisconnect for both (%d)', [Chat.Left]));
    Check(WaitFor(Chat.GracefulCloses, 1), 'EIdConnClosedGracefully reached OnException');
    Check(Chat.Server.Contexts.Count = 0, 'no context left');
    Chat.Server.Active := False;
    Check(Chat.Joined = 2, Format('%d joined', [Chat.Joined]));
    Check(Chat.Left = 2, Format('%d left (OnDisconnect exactly once each)', [Chat.Left]));
    Check(Chat.OtherErrors = 0, Format('%d other errors', [Chat.OtherErrors]));
    WriteLn(Format('[ figures  ] chat over %s: %d joined, %d left, %d graceful closes',
      [Engine, Chat.Joined, Chat.Left, Chat.GracefulCloses]));
  finally
    Chat.Free;
  end;
  Report;
end.
