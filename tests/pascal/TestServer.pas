{ What the Pascal test programs that serve share: the engine the command line asks for, and a
  server on loopback for it. }
unit TestServer;

{$mode delphi}

interface

uses
  Classes, SyncObjs, IocpTCPServer;

type
  { What handlers on many threads record for the test to check: Lines, used under Lock. }
  TRecordingHandlers = class
  public
    Lines: TStringList;
    Lock: TCriticalSection;
    constructor Create;
    destructor Destroy; override;
    procedure Add(const S: string);           { A line, under Lock. Any thread. }
    function Contains(const S: string): Boolean;  { Whether a line is S, under Lock. Any thread. }
  end;

{ 'default' or 'iocp', from `--io default|iocp` as the first two arguments; 'iocp' without them. }
function EngineFromArgs: string;
{ A new, inactive server on 127.0.0.1 (a port the OS chooses): iohIOCP with two I/O threads for
  'iocp', iohDefault otherwise. The caller frees it. }
function NewLoopbackServer(const AEngine: string): TIocpTCPServer;

implementation

constructor TRecordingHandlers.Create;
begin
  inherited Create;
  Lines := TStringList.Create;
  Lock := TCriticalSection.Create;
end;

destructor TRecordingHandlers.Destroy;
begin
  Lines.Free;
  Lock.Free;
  inherited Destroy;
end;

procedure TRecordingHandlers.Add(const S: string);
begin
  Lock.Enter;
  try
    Lines.Add(S);
  finally
    Lock.Leave;
  end;
end;

function TRecordingHandlers.Contains(const S: string): Boolean;
begin
  Lock.Enter;
  try
    Result := Lines.IndexOf(S) >= 0;
  finally
    Lock.Leave;
  end;
end;

function EngineFromArgs: string;
begin
  Result := 'iocp';
  if (ParamCount >= 2) and (ParamStr(1) = '--io') then
    Result := ParamStr(2);
end;

function NewLoopbackServer(const AEngine: string): TIocpTCPServer;
begin
  Result := TIocpTCPServer.Create(nil);
  Result.Bindings.Add.IP := '127.0.0.1';
  if AEngine = 'iocp' then
    Result.IOHandlerOptions.IOHandlerType := iohIOCP;
  Result.IOHandlerOptions.IOCP.IOCPThreads := 2;
end;

end.
