{ Stand-in for Indy's IdServerIOHandler: listed in TLS servers' uses clauses. }
unit IdServerIOHandler;
{$mode delphi}
interface
implementation
end.
