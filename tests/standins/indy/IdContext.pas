{ Stand-in for Indy's IdContext: the context Indy's own servers (HTTP, command ...) hand their handlers. }
unit IdContext;

{$mode delphi}

interface

uses
  Classes;

type
  TIdContext = class
  end;

implementation

end.
