{ Stand-in for the VCL's Graphics unit: TColor and TFont as a form file sets them (Color =
  clBtnFace, Font.Charset = DEFAULT_CHARSET, Font.Style = []), their names registered for
  streaming as the VCL registers them. }
unit Graphics;
{$mode delphi}
interface
uses
  Classes;
type
  TColor = -$7FFFFFFF - 1..$7FFFFFFF;
  TFontCharset = 0..255;
  TFontStyle = (fsBold, fsItalic, fsUnderline, fsStrikeOut);
  TFontStyles = set of TFontStyle;
  TFont = class(TPersistent)
  private
    FCharset: TFontCharset;
    FColor: TColor;
    FHeight: Integer;
    FName: string;
    FStyle: TFontStyles;
  published
    property Charset: TFontCharset read FCharset write FCharset;
    property Color: TColor read FColor write FColor;
    property Height: Integer read FHeight write FHeight;
    property Name: string read FName write FName;
    property Style: TFontStyles read FStyle write FStyle;
  end;
const
  clBlack = TColor($000000);
  clRed = TColor($0000FF);
  clGreen = TColor($008000);
  clWhite = TColor($FFFFFF);
  clBtnFace = TColor($8000000F);
  clWindow = TColor($80000005);
  clWindowText = TColor($80000008);
  DEFAULT_CHARSET = 1;
  ANSI_CHARSET = 0;
function IdentToColor(const AIdent: string; var AColor: LongInt): Boolean;
function ColorToIdent(AColor: LongInt; var AIdent: string): Boolean;
function IdentToCharset(const AIdent: string; var ACharset: LongInt): Boolean;
function CharsetToIdent(ACharset: LongInt; var AIdent: string): Boolean;
implementation
const
  Colors: array[0..6] of TIdentMapEntry = (
    (Value: clBlack; Name: 'clBlack'), (Value: clRed; Name: 'clRed'), (Value: clGreen; Name: 'clGreen'),
    (Value: clWhite; Name: 'clWhite'), (Value: clBtnFace; Name: 'clBtnFace'),
    (Value: clWindow; Name: 'clWindow'), (Value: clWindowText; Name: 'clWindowText'));
  Charsets: array[0..1] of TIdentMapEntry = (
    (Value: ANSI_CHARSET; Name: 'ANSI_CHARSET'), (Value: DEFAULT_CHARSET; Name: 'DEFAULT_CHARSET'));
function IdentToColor(const AIdent: string; var AColor: LongInt): Boolean;
begin
  Result := IdentToInt(AIdent, AColor, Colors);
end;
function ColorToIdent(AColor: LongInt; var AIdent: string): Boolean;
begin
  Result := IntToIdent(AColor, AIdent, Colors);
end;
function IdentToCharset(const AIdent: string; var ACharset: LongInt): Boolean;
begin
  Result := IdentToInt(AIdent, ACharset, Charsets);
end;
function CharsetToIdent(ACharset: LongInt; var AIdent: string): Boolean;
begin
  Result := IntToIdent(ACharset, AIdent, Charsets);
end;
initialization
  RegisterIntegerConsts(TypeInfo(TColor), IdentToColor, ColorToIdent);
  RegisterIntegerConsts(TypeInfo(TFontCharset), IdentToCharset, CharsetToIdent);
end.
