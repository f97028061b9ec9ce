{ Stand-in for Indy's IdIOHandler: the class a client's IOHandler property has. }
unit IdIOHandler;

{$mode delphi}

interface

uses
  Classes, IdComponent;

type
  TIdIOHandler = class(TIdComponent)
  public
    function ReadLn: string;
    procedure WriteLn(const AOut: string);
  end;

implementation

function TIdIOHandler.ReadLn: string;
begin
  Result := '';
end;

procedure TIdIOHandler.WriteLn(const AOut: string);
begin
end;

end.
