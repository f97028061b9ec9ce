{ Stand-in for the VCL's Graphics unit (fixtures' compile check). }
unit Graphics;
{$mode delphi}
interface
type
  TColor = Integer;
const
  clBlack = TColor($000000);
  clRed = TColor($0000FF);
  clGreen = TColor($008000);
implementation
end.
