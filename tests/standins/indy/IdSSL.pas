{ Stand-in for Indy's IdSSL (fixtures' compile check): listed in TLS servers' uses clauses. }
unit IdSSL;
{$mode delphi}
interface
implementation
end.
