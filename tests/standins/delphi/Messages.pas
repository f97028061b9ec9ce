{ Stand-in for Delphi's Messages unit. }
unit Messages;
{$mode delphi}
interface
const
  WM_USER = $0400;
implementation
end.
