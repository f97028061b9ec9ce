{ Stand-in for FireMonkey's FMX.StdCtrls unit: TButton and TLabel. }
unit FMX.StdCtrls;
{$mode delphi}
interface
uses
  Classes, FMX.Controls, FMX.Controls.Presentation;
type
  TButton = class(TPresentedControl)
  private
    FText: string;
    FOnClick: TNotifyEvent;
  published
    property Text: string read FText write FText;
    property OnClick: TNotifyEvent read FOnClick write FOnClick;
  end;
  TLabel = class(TPresentedControl)
  private
    FText: string;
  published
    property Text: string read FText write FText;
  end;
implementation
end.
