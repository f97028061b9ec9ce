{ Stand-in for Delphi's System.SyncObjs (Free Pascal 3.2 has no unit scope names): the names the tests use,
  taken from Free Pascal's SyncObjs. }
unit System.SyncObjs;
{$mode delphi}
interface
uses
  SyncObjs;
type
  TCriticalSection = SyncObjs.TCriticalSection;
  TEvent = SyncObjs.TEvent;
implementation
end.
