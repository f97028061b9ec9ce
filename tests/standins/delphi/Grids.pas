{ Stand-in for the VCL's Grids unit: TStringGrid with its cells and sizes. It draws nothing. }
unit Grids;
{$mode delphi}
interface
uses
  Classes, Controls;
type
  TStringGrid = class(TWinControl)
  private
    FCells: array of array of string;
    FColCount, FRowCount, FFixedCols, FFixedRows, FDefaultColWidth: Integer;
    FColWidths: array of Integer;
    FOnSetEditText: procedure(Sender: TObject; ACol, ARow: Integer; const Value: string) of object;
    function GetCell(ACol, ARow: Integer): string;
    procedure SetCell(ACol, ARow: Integer; const AValue: string);
    function GetColWidth(ACol: Integer): Integer;
    procedure SetColWidth(ACol: Integer; AValue: Integer);
    procedure SetColCount(AValue: Integer);
    procedure SetRowCount(AValue: Integer);
    procedure Resize;
  public
    constructor Create(AOwner: TComponent); override;
    property Cells[ACol, ARow: Integer]: string read GetCell write SetCell;
    property ColWidths[ACol: Integer]: Integer read GetColWidth write SetColWidth;
  published
    property ColCount: Integer read FColCount write SetColCount default 5;
    property RowCount: Integer read FRowCount write SetRowCount default 5;
    property FixedCols: Integer read FFixedCols write FFixedCols default 1;
    property FixedRows: Integer read FFixedRows write FFixedRows default 1;
    property DefaultColWidth: Integer read FDefaultColWidth write FDefaultColWidth default 64;
  end;
implementation
constructor TStringGrid.Create(AOwner: TComponent);
begin
  inherited Create(AOwner);
  FColCount := 5;
  FRowCount := 5;
  FFixedCols := 1;
  FFixedRows := 1;
  FDefaultColWidth := 64;
  Resize;
end;
procedure TStringGrid.Resize;
var
  I: Integer;
begin
  SetLength(FCells, FColCount);
  for I := 0 to FColCount - 1 do
    SetLength(FCells[I], FRowCount);
  SetLength(FColWidths, FColCount);
end;
function TStringGrid.GetCell(ACol, ARow: Integer): string;
begin
  Result := FCells[ACol, ARow];
end;
procedure TStringGrid.SetCell(ACol, ARow: Integer; const AValue: string);
begin
  FCells[ACol, ARow] := AValue;
end;
function TStringGrid.GetColWidth(ACol: Integer): Integer;
begin
  Result := FColWidths[ACol];
end;
procedure TStringGrid.SetColWidth(ACol: Integer; AValue: Integer);
begin
  FColWidths[ACol] := AValue;
end;
procedure TStringGrid.SetColCount(AValue: Integer);
begin
  FColCount := AValue;
  Resize;
end;
procedure TStringGrid.SetRowCount(AValue: Integer);
begin
  FRowCount := AValue;
  Resize;
end;
end.
