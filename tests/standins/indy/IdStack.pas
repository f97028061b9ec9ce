{ Stand-in for Indy's IdStack: EIdSocketError and EIdResolveError, declared as in Indy 10. }
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

implementation

constructor EIdSocketError.CreateError(const AErr: Integer; const AMsg: string);
begin
  inherited Create(AMsg);
  FLastError := AErr;
end;

end.
