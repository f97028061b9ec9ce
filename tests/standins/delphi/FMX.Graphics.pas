{ Stand-in for FireMonkey's FMX.Graphics unit: listed by FMX form units. }
unit FMX.Graphics;
{$mode delphi}
interface
implementation
end.
