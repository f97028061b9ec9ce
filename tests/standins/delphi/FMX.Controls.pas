{ Stand-in for FireMonkey's FMX.Controls unit: TControl with the position an .fmx file sets. }
unit FMX.Controls;
{$mode delphi}
interface
uses
  Classes, FMX.Types;
type
  TPosition = class(TPersistent)
  private
    FX, FY: Single;
  published
    property X: Single read FX write FX;
    property Y: Single read FY write FY;
  end;
  TControl = class(TFmxObject)
  private
    FPosition: TPosition;
    FEnabled: Boolean;
  public
    constructor Create(AOwner: TComponent); override;
    destructor Destroy; override;
  published
    property Position: TPosition read FPosition;
    property Enabled: Boolean read FEnabled write FEnabled default True;
  end;
  TStyledControl = class(TControl);
implementation
constructor TControl.Create(AOwner: TComponent);
begin
  inherited Create(AOwner);
  FPosition := TPosition.Create;
  FEnabled := True;
end;
destructor TControl.Destroy;
begin
  FPosition.Free;
  inherited Destroy;
end;
end.
