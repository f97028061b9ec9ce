{ What the Pascal test programs share: checks counted and reported as "N passed, N failed". }
unit TestCheck;

{$mode delphi}

interface

procedure Check(Ok: Boolean; const What: string);  { Counts; prints What when it failed. }
procedure Report;  { Prints "N passed, N failed"; exit code 1 if any failed. }

var
  Passed, Failed: Integer;

implementation

procedure Check(Ok: Boolean; const What: string);
begin
  if Ok then
    InterlockedIncrement(Passed)
  else
  begin
    InterlockedIncrement(Failed);
    WriteLn(StdErr, 'failed: ', What);
  end;
end;

procedure Report;
begin
  WriteLn(Passed, ' passed, ', Failed, ' failed');
  if Failed <> 0 then
    Halt(1);
end;

end.
