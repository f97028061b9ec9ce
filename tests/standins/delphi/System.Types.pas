{ Stand-in for Delphi's System.Types (Free Pascal 3.2 has no unit scope names): the names the tests use,
  taken from Free Pascal's Types. }
unit System.Types;
{$mode delphi}
interface
uses
  Types;
type
  TPoint = Types.TPoint;
  TRect = Types.TRect;
implementation
end.
