{ What the Pascal tests that stream forms share. }
unit TestForms;

{$mode delphi}

interface

uses
  Classes;

{ The form text (.dfm/.lfm) the IDE would save for AComponent, as the RTL's streaming writes it. }
function FormText(AComponent: TComponent): string;

implementation

function FormText(AComponent: TComponent): string;
var
  Bin, Txt: TStringStream;
begin
  Bin := TStringStream.Create('');
  Txt := TStringStream.Create('');
  try
    Bin.WriteComponent(AComponent);
    Bin.Position := 0;
    ObjectBinaryToText(Bin, Txt);
    Result := Txt.DataString;
  finally
    Bin.Free;
    Txt.Free;
  end;
end;

end.
