{ Stand-in for FireMonkey's FMX.Types unit: the FMX base types the form units list. }
unit FMX.Types;
{$mode delphi}
interface
uses
  Classes;
type
  TFmxObject = class(TComponent);
implementation
end.
