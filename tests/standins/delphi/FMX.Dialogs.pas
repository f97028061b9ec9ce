{ Stand-in for FireMonkey's FMX.Dialogs unit: ShowMessage. }
unit FMX.Dialogs;
{$mode delphi}
interface
procedure ShowMessage(const AMessage: string);
implementation
procedure ShowMessage(const AMessage: string);
begin
end;
end.
