{ Stand-in for Indy's IdBaseComponent: the root of Indy's components. }
unit IdBaseComponent;

{$mode delphi}

interface

uses
  Classes;

type
  TIdBaseComponent = class(TComponent);

implementation

end.
