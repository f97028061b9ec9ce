{ Stand-in for the VCL's StdCtrls unit: the controls fixtures' forms hold, with what their form files set. }
unit StdCtrls;
{$mode delphi}
interface
uses
  Classes, Controls;
type
  TMemo = class(TWinControl)
  private
    FLines: TStrings;
    procedure SetLines(AValue: TStrings);
  public
    constructor Create(AOwner: TComponent); override;
    destructor Destroy; override;
  published
    property Lines: TStrings read FLines write SetLines;
  end;
  TEdit = class(TWinControl)
  private
    FText: string;
  published
    property Text: string read FText write FText;
  end;
  TButton = class(TWinControl)
  private
    FOnClick: TNotifyEvent;
    FCaption: string;
  published
    property Caption: string read FCaption write FCaption;
    property OnClick: TNotifyEvent read FOnClick write FOnClick;
  end;
  TLabel = class(TControl)
  private
    FCaption: string;
  published
    property Caption: string read FCaption write FCaption;
  end;
implementation
constructor TMemo.Create(AOwner: TComponent);
begin
  inherited Create(AOwner);
  FLines := TStringList.Create;
end;
procedure TMemo.SetLines(AValue: TStrings);
begin
  FLines.Assign(AValue);
end;
destructor TMemo.Destroy;
begin
  FLines.Free;
  inherited Destroy;
end;
end.
