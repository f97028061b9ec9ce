{ Stand-in for Indy's IdSync: TIdSync and TIdNotify with their class methods. }
unit IdSync;

{$mode delphi}

interface

uses
  Classes;

type
  TIdSync = class
  public
    class procedure SynchronizeMethod(AMethod: TThreadMethod);
  end;
  TIdNotify = class
  public
    class procedure NotifyMethod(AMethod: TThreadMethod);
  end;

implementation

class procedure TIdSync.SynchronizeMethod(AMethod: TThreadMethod);
begin
  if Assigned(AMethod) then AMethod;
end;

class procedure TIdNotify.NotifyMethod(AMethod: TThreadMethod);
begin
  if Assigned(AMethod) then AMethod;
end;

end.
