{ Stand-in for the VCL's Forms unit: a form is a component with the properties a form file sets.
  As in the VCL, Create reads the form file linked into the program ("$R *.dfm": Free Pascal
  links it as the form's resource) and then fires OnCreate. Application creates and "runs"
  nothing. }
unit Forms;
{$mode delphi}
interface
uses
  Classes, Controls, Graphics;
type
  TForm = class(TWinControl)
  private
    FCaption: string;
    FClientHeight, FClientWidth: Integer;
    FColor: TColor;
    FFont: TFont;
    FOldCreateOrder: Boolean;
    FPixelsPerInch, FTextHeight: Integer;
    FOnCreate, FOnDestroy: TNotifyEvent;
    procedure SetFont(AValue: TFont);
  public
    constructor Create(AOwner: TComponent); override;
    destructor Destroy; override;
  published
    property Caption: string read FCaption write FCaption;
    property Color: TColor read FColor write FColor;
    property Font: TFont read FFont write SetFont;
    property OldCreateOrder: Boolean read FOldCreateOrder write FOldCreateOrder;
    property PixelsPerInch: Integer read FPixelsPerInch write FPixelsPerInch;
    property TextHeight: Integer read FTextHeight write FTextHeight;
    property ClientHeight: Integer read FClientHeight write FClientHeight;
    property ClientWidth: Integer read FClientWidth write FClientWidth;
    property OnCreate: TNotifyEvent read FOnCreate write FOnCreate;
    property OnDestroy: TNotifyEvent read FOnDestroy write FOnDestroy;
  end;
  TFormClass = class of TForm;
  TCloseAction = (caNone, caHide, caFree, caMinimize);
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
constructor TForm.Create(AOwner: TComponent);
begin
  inherited Create(AOwner);
  FFont := TFont.Create;
  InitInheritedComponent(Self, TForm);  { The form file, where the program links one. }
  if Assigned(FOnCreate) then
    FOnCreate(Self);
end;
destructor TForm.Destroy;
begin
  if Assigned(FOnDestroy) then
    FOnDestroy(Self);
  FFont.Free;
  inherited Destroy;
end;
procedure TForm.SetFont(AValue: TFont);
begin
  FFont.Assign(AValue);
end;
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
