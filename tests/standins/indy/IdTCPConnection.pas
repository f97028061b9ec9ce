{ Stand-in for Indy's IdTCPConnection: the connection class its clients descend from. }
unit IdTCPConnection;

{$mode delphi}

interface

uses
  Classes, IdComponent;

type
  TIdTCPConnection = class(TIdComponent);

implementation

end.
