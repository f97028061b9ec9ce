{ Stand-in for Delphi's System.Classes (Free Pascal 3.2 has no unit scope names): the names the tests use,
  taken from Free Pascal's Classes. }
unit System.Classes;
{$mode delphi}
interface
uses
  Classes;
type
  TComponent = Classes.TComponent;
  TComponentClass = Classes.TComponentClass;
  TPersistent = Classes.TPersistent;
  TList = Classes.TList;
  TStrings = Classes.TStrings;
  TStringList = Classes.TStringList;
  TStream = Classes.TStream;
  TMemoryStream = Classes.TMemoryStream;
  TThread = Classes.TThread;
  TThreadMethod = Classes.TThreadMethod;
  TNotifyEvent = Classes.TNotifyEvent;
implementation
end.
