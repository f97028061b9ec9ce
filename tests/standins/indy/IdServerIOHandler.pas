{ Stand-in for Indy's IdServerIOHandler (fixtures' compile check): listed in TLS servers' uses clauses. }
unit IdServerIOHandler;
{$mode delphi}
interface
implementation
end.
