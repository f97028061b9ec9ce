{ Stand-in for the VCL's Dialogs unit. }
unit Dialogs;
{$mode delphi}
interface
procedure ShowMessage(const AMsg: string);
implementation
procedure ShowMessage(const AMsg: string);
begin
end;
end.
