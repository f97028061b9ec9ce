{ Stand-in for the VCL's StdCtrls unit (fixtures' compile check). }
unit StdCtrls;
{$mode delphi}
interface
uses
  Classes, Controls;
type
  TMemo = class(TWinControl)
  private
    FLines: TStrings;
  public
    constructor Create(AOwner: TComponent); override;
    destructor Destroy; override;
    property Lines: TStrings read FLines;
  end;
  TEdit = class(TWinControl)
  private
    FText: string;
  public
    property Text: string read FText write FText;
  end;
  TButton = class(TWinControl)
  private
    FOnClick: TNotifyEvent;
    FCaption: string;
  public
    property Caption: string read FCaption write FCaption;
    property OnClick: TNotifyEvent read FOnClick write FOnClick;
  end;
  TLabel = class(TControl)
  private
    FCaption: string;
  public
    property Caption: string read FCaption write FCaption;
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
