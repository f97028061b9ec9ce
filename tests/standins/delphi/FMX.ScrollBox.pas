{ Stand-in for FireMonkey's FMX.ScrollBox unit: listed by FMX form units. }
unit FMX.ScrollBox;
{$mode delphi}
interface
implementation
end.
