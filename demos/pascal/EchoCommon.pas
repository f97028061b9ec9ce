{ The Pascal echo demo's handler and its way to stop, shared with the benchmark's Pascal peer
  (tests/bench/peers/echo_pascal.pas), which serves with the same handler. }
unit EchoCommon;

{$mode delphi}

interface

uses
  IocpTCPServer;

type
  { OnExecute written the Indy way: every line comes back. }
  TEcho = class
    procedure Execute(AContext: TIocpContext);
  end;

{ Ctrl-C from now on (SIGINT and SIGTERM; on Windows Ctrl-C, Ctrl-Break or closing the console)
  sets StopRequested instead of ending the program. Main thread. }
procedure WatchStopRequests;
{ A stop was asked for. Any thread. }
function StopRequested: Boolean;

implementation

uses
  {$IFDEF UNIX} BaseUnix {$ENDIF}
  {$IFDEF MSWINDOWS} Windows {$ENDIF};

var
  Stop: Boolean = False;

procedure TEcho.Execute(AContext: TIocpContext);
begin
  AContext.Connection.IOHandler.WriteLn(AContext.Connection.IOHandler.ReadLn);
end;

{$IFDEF UNIX}
procedure OnSignal(Sig: cint); cdecl;
begin
  Stop := True;
end;
{$ENDIF}
{$IFDEF MSWINDOWS}
function OnConsoleCtrl(CtrlType: DWORD): BOOL; stdcall;
begin
  Stop := True;
  Result := True;  { Handled: the main loop stops the server and the program ends by itself. }
end;
{$ENDIF}

procedure WatchStopRequests;
begin
  {$IFDEF UNIX}
  fpSignal(SIGINT, signalhandler(@OnSignal));
  fpSignal(SIGTERM, signalhandler(@OnSignal));
  {$ENDIF}
  {$IFDEF MSWINDOWS}
  SetConsoleCtrlHandler(@OnConsoleCtrl, True);
  {$ENDIF}
end;

function StopRequested: Boolean;
begin
  Result := Stop;
end;

end.
