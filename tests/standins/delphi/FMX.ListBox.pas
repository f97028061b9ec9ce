{ Stand-in for FireMonkey's FMX.ListBox unit: TListBox with its Items. }
unit FMX.ListBox;
{$mode delphi}
interface
uses
  Classes, FMX.Controls;
type
  TListBox = class(TStyledControl)
  private
    FItems: TStrings;
  public
    constructor Create(AOwner: TComponent); override;
    destructor Destroy; override;
  published
    property Items: TStrings read FItems;
  end;
implementation
constructor TListBox.Create(AOwner: TComponent);
begin
  inherited Create(AOwner);
  FItems := TStringList.Create;
end;
destructor TListBox.Destroy;
begin
  FItems.Free;
  inherited Destroy;
end;
end.
