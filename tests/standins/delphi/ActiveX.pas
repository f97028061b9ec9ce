{ Stand-in for Delphi's ActiveX unit (Winapi.ActiveX): CoInitialize and CoUninitialize, which
  set up nothing here; the two counters are the stand-in's own, so a test can see the calls. }
unit ActiveX;
{$mode delphi}
interface
var
  CoInitializeCalls, CoUninitializeCalls: Integer;  { Not Delphi's: what the stand-in was asked. }
function CoInitialize(pvReserved: Pointer): HResult;
procedure CoUninitialize;
implementation
function CoInitialize(pvReserved: Pointer): HResult;
begin
  InterlockedIncrement(CoInitializeCalls);
  Result := 0;
end;
procedure CoUninitialize;
begin
  InterlockedIncrement(CoUninitializeCalls);
end;
end.
