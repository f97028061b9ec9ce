{ Stand-in for the VCL's Controls unit (fixtures' compile check). }
unit Controls;
{$mode delphi}
interface
uses
  Classes;
type
  TControl = class(TComponent)
  private
    FEnabled: Boolean;
  public
    property Enabled: Boolean read FEnabled write FEnabled;
  end;
  TWinControl = class(TControl);
implementation
end.
