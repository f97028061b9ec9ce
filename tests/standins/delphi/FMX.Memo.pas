{ Stand-in for FireMonkey's FMX.Memo unit: TMemo with its Lines. }
unit FMX.Memo;
{$mode delphi}
interface
uses
  Classes, FMX.Controls.Presentation;
type
  TMemo = class(TPresentedControl)
  private
    FLines: TStrings;
  public
    constructor Create(AOwner: TComponent); override;
    destructor Destroy; override;
  published
    property Lines: TStrings read FLines;
  end;
implementation
constructor TMemo.Create(AOwner: TComponent);
begin
  inherited Create(AOwner);
  FLines := TStringList.Create;
end;
destructor TMemo.Destroy;
begin
  FLines.Free;
  inherited Destroy;
end;
end.
