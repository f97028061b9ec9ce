{ Stand-in for Indy's IdStack: EIdSocketError, EIdResolveError and TIdSocketList, declared as in
  Indy 10. The socket list selects nothing: it reports no socket readable. }
unit IdStack;

{$mode delphi}

interface

uses
  IdException;

type
  EIdSocketError = class(EIdException)
  protected
    FLastError: Integer;
  public
    constructor CreateError(const AErr: Integer; const AMsg: string); virtual;
    property LastError: Integer read FLastError;
  end;
  EIdResolveError = class(EIdSocketError);

  TIdSocketList = class
  public
    class function CreateSocketList: TIdSocketList;
    function SelectRead(const ATimeout: Integer = -1): Boolean; virtual;
    function SelectReadList(var VSocketList: TIdSocketList; const ATimeout: Integer = -1): Boolean; virtual;
  end;

implementation

constructor EIdSocketError.CreateError(const AErr: Integer; const AMsg: string);
begin
  inherited Create(AMsg);
  FLastError := AErr;
end;

class function TIdSocketList.CreateSocketList: TIdSocketList;
begin
  Result := TIdSocketList.Create;
end;

function TIdSocketList.SelectRead(const ATimeout: Integer): Boolean;
begin
  Result := False;
end;

function TIdSocketList.SelectReadList(var VSocketList: TIdSocketList; const ATimeout: Integer): Boolean;
begin
  Result := False;
end;

end.
