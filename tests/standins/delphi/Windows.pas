{ Stand-in for Delphi's Windows unit. }
unit Windows;
{$mode delphi}
interface
type
  DWORD = Cardinal;
  HWND = PtrUInt;
const
  MAXWORD = $FFFF;
  MAXDWORD = DWORD($FFFFFFFF);
implementation
end.
