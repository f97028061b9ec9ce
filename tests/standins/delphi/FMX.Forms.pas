{ Stand-in for FireMonkey's FMX.Forms unit: TForm and Application; a form does not read its .fmx itself. }
unit FMX.Forms;
{$mode delphi}
interface
uses
  Classes, FMX.Types, FMX.Controls;
type
  TForm = class(TFmxObject)
  private
    FCaption: string;
    FOnCreate: TNotifyEvent;
  published
    property Caption: string read FCaption write FCaption;
    property OnCreate: TNotifyEvent read FOnCreate write FOnCreate;
  end;
  TApplication = class(TComponent)
  public
    procedure Initialize;
    procedure CreateForm(AClass: TComponentClass; out AReference);
    procedure Run;
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
initialization
  Application := TApplication.Create(nil);
finalization
  Application.Free;
end.
