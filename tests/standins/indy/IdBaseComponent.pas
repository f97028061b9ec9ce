{ Stand-in for Indy's IdBaseComponent (fixtures' compile check): a unit that keeps Indy's TLS or client units keeps it listed. }
unit IdBaseComponent;
{$mode delphi}
interface
implementation
end.
