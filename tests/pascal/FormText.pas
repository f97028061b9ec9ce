{ Form files into components, as the IDEs' streaming reads them: the text (.dfm .fmx .lfm) turned
  into the binary form (ObjectTextToBinary) and read into an existing root (ReadComponent), which
  creates its children and binds its events by name. Shared by the Pascal tests. }
unit FormText;

{$mode delphi}

interface

uses
  Classes;

{ Reads form text into ARoot (its properties, children and event bindings); raises the RTL's
  EReadError / EParserError on a form it cannot read. Any thread. }
procedure ReadFormText(ARoot: TComponent; const AText: string);
{ The same from a form file. Any thread. }
procedure ReadFormFile(ARoot: TComponent; const AFileName: string);

implementation

uses
  SysUtils;

procedure ReadFormStream(ARoot: TComponent; AText: TStream);
var
  Bin: TMemoryStream;
begin
  Bin := TMemoryStream.Create;
  try
    ObjectTextToBinary(AText, Bin);
    Bin.Position := 0;
    Bin.ReadComponent(ARoot);
  finally
    Bin.Free;
  end;
end;

procedure ReadFormText(ARoot: TComponent; const AText: string);
var
  Src: TStringStream;
begin
  Src := TStringStream.Create(AText);
  try
    ReadFormStream(ARoot, Src);
  finally
    Src.Free;
  end;
end;

procedure ReadFormFile(ARoot: TComponent; const AFileName: string);
var
  Src: TFileStream;
begin
  Src := TFileStream.Create(AFileName, fmOpenRead or fmShareDenyWrite);
  try
    ReadFormStream(ARoot, Src);
  finally
    Src.Free;
  end;
end;

end.
