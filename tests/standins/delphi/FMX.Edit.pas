{ Stand-in for FireMonkey's FMX.Edit unit: TEdit. }
unit FMX.Edit;
{$mode delphi}
interface
uses
  FMX.Controls.Presentation;
type
  TEdit = class(TPresentedControl)
  private
    FText: string;
  published
    property Text: string read FText write FText;
  end;
implementation
end.
