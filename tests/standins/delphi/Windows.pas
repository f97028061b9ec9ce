{ Stand-in for Delphi's Windows unit (fixtures' compile check, tests/migrate/standins). }
unit Windows;
{$mode delphi}
interface
type
  DWORD = Cardinal;
  HWND = PtrUInt;
implementation
end.
