{ Stand-in for Indy's IdServerIOHandlerSocket: listed in server units' uses clauses. }
unit IdServerIOHandlerSocket;
{$mode delphi}
interface
implementation
end.
