{ Stand-in for FireMonkey's FMX.Layouts unit: listed by FMX form units. }
unit FMX.Layouts;
{$mode delphi}
interface
implementation
end.
