{ Stand-in for FireMonkey's FMX.Controls.Presentation unit: TPresentedControl. }
unit FMX.Controls.Presentation;
{$mode delphi}
interface
uses
  FMX.Controls;
type
  TPresentedControl = class(TStyledControl);
implementation
end.
