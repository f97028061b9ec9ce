{ Stand-in for Delphi's DB unit (Data.DB): the data set base class ADO's components descend from. }
unit DB;
{$mode delphi}
interface
uses
  Classes;
type
  TDataSet = class(TComponent)
  public
    procedure Open; virtual;
    procedure Close; virtual;
    function Eof: Boolean; virtual;
    procedure Next; virtual;
  end;
implementation
procedure TDataSet.Open;
begin
end;
procedure TDataSet.Close;
begin
end;
function TDataSet.Eof: Boolean;
begin
  Result := True;
end;
procedure TDataSet.Next;
begin
end;
end.
