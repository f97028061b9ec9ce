{ Stand-in for Indy's IdComponent (fixtures' compile check): a unit that keeps Indy's TLS or client units keeps it listed. }
unit IdComponent;
{$mode delphi}
interface
implementation
end.
