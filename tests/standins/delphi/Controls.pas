{ Stand-in for the VCL's Controls unit: controls with the position properties a form file sets. }
unit Controls;
{$mode delphi}
interface
uses
  Classes;
type
  TControl = class(TComponent)
  private
    FEnabled: Boolean;
    FLeft, FTop, FWidth, FHeight: Integer;
  published
    property Enabled: Boolean read FEnabled write FEnabled default True;
    property Left: Integer read FLeft write FLeft;
    property Top: Integer read FTop write FTop;
    property Width: Integer read FWidth write FWidth;
    property Height: Integer read FHeight write FHeight;
  end;
  TWinControl = class(TControl)
  private
    FTabOrder: Integer;
  published
    property TabOrder: Integer read FTabOrder write FTabOrder default -1;
  end;
implementation
end.
