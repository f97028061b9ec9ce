{ Stand-in for Indy's IdThread: TIdThread, which server units list for their scheduler's threads. }
unit IdThread;

{$mode delphi}

interface

uses
  Classes;

type
  TIdThread = class(TThread);

implementation

end.
