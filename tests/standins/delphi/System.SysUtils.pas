{ Stand-in for Delphi's System.SysUtils (Free Pascal 3.2 has no unit scope names): the names the tests use,
  taken from Free Pascal's SysUtils. }
unit System.SysUtils;
{$mode delphi}
interface
uses
  SysUtils;
type
  Exception = SysUtils.Exception;
  EConvertError = SysUtils.EConvertError;
  EArgumentException = SysUtils.EArgumentException;
function IntToStr(AValue: Int64): string;
function StrToInt(const S: string): Integer;
function StrToIntDef(const S: string; ADefault: Integer): Integer;
function Format(const AFormat: string; const AArgs: array of const): string;
function Trim(const S: string): string;
function UpperCase(const S: string): string;
function LowerCase(const S: string): string;
function SameText(const S1, S2: string): Boolean;
function TryStrToInt(const S: string; out AValue: Integer): Boolean;
function IntToHex(AValue: Int64; ADigits: Integer): string;
function DateTimeToStr(ADateTime: TDateTime): string;
function Now: TDateTime;
function FormatDateTime(const AFormat: string; ADateTime: TDateTime): string;
procedure FreeAndNil(var AObject);
procedure Sleep(AMilliseconds: Cardinal);
implementation
function IntToStr(AValue: Int64): string;
begin
  Result := SysUtils.IntToStr(AValue);
end;
function StrToInt(const S: string): Integer;
begin
  Result := SysUtils.StrToInt(S);
end;
function StrToIntDef(const S: string; ADefault: Integer): Integer;
begin
  Result := SysUtils.StrToIntDef(S, ADefault);
end;
function Format(const AFormat: string; const AArgs: array of const): string;
begin
  Result := SysUtils.Format(AFormat, AArgs);
end;
function Trim(const S: string): string;
begin
  Result := SysUtils.Trim(S);
end;
function UpperCase(const S: string): string;
begin
  Result := SysUtils.UpperCase(S);
end;
function LowerCase(const S: string): string;
begin
  Result := SysUtils.LowerCase(S);
end;
function SameText(const S1, S2: string): Boolean;
begin
  Result := SysUtils.SameText(S1, S2);
end;
function TryStrToInt(const S: string; out AValue: Integer): Boolean;
begin
  Result := SysUtils.TryStrToInt(S, AValue);
end;
function IntToHex(AValue: Int64; ADigits: Integer): string;
begin
  Result := SysUtils.IntToHex(AValue, ADigits);
end;
function DateTimeToStr(ADateTime: TDateTime): string;
begin
  Result := SysUtils.DateTimeToStr(ADateTime);
end;
function Now: TDateTime;
begin
  Result := SysUtils.Now;
end;
function FormatDateTime(const AFormat: string; ADateTime: TDateTime): string;
begin
  Result := SysUtils.FormatDateTime(AFormat, ADateTime);
end;
procedure FreeAndNil(var AObject);
begin
  SysUtils.FreeAndNil(AObject);
end;
procedure Sleep(AMilliseconds: Cardinal);
begin
  SysUtils.Sleep(AMilliseconds);
end;
end.
