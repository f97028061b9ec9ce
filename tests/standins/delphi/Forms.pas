{ Stand-in for the VCL's Forms unit (fixtures' compile check): a form is a component with a
  caption; Application creates and "runs" nothing. }
unit Forms;
{$mode delphi}
interface
uses
  Classes, Controls;
type
  TForm = class(TWinControl)
  private
    FCaption: string;
  public
    property Caption: string read FCaption write FCaption;
  end;
  TFormClass = class of TForm;
  TApplication = class(TComponent)
  public
    procedure Initialize;
    procedure CreateForm(AClass: TComponentClass; out AReference);
    procedure Run;
    procedure ProcessMessages;
  end;
var
  Application: TApplication;
implementation
procedure TApplication.Initialize;
begin
end;
procedure TApplication.CreateForm(AClass: TComponentClass; out AReference);
begin
  TComponent(AReference) := AClass.Create(Self);
end;
procedure TApplication.Run;
begin
end;
procedure TApplication.ProcessMessages;
begin
end;
initialization
  Application := TApplication.Create(nil);
finalization
  Application.Free;
end.
