{ Stand-in for Indy's IdServerIOHandlerStack: listed in server units' uses clauses. }
unit IdServerIOHandlerStack;
{$mode delphi}
interface
implementation
end.
