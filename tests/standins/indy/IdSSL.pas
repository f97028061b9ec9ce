{ Stand-in for Indy's IdSSL: listed in TLS servers' uses clauses. }
unit IdSSL;
{$mode delphi}
interface
implementation
end.
