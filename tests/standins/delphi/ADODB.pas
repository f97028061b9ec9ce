{ Stand-in for Delphi's ADODB unit (Data.Win.ADODB): TADOConnection and TADOQuery with what a
  form file sets. They connect to nothing: a query is always empty. }
unit ADODB;
{$mode delphi}
interface
uses
  Classes, DB;
type
  TADOConnection = class(TComponent)
  private
    FConnectionString, FProvider: string;
    FLoginPrompt, FConnected: Boolean;
  published
    property ConnectionString: string read FConnectionString write FConnectionString;
    property Provider: string read FProvider write FProvider;
    property LoginPrompt: Boolean read FLoginPrompt write FLoginPrompt default True;
    property Connected: Boolean read FConnected write FConnected default False;
  end;
  TParameter = class(TCollectionItem);
  TParameters = class(TCollection);
  TADOQuery = class(TDataSet)
  private
    FConnection: TADOConnection;
    FParameters: TParameters;
    FSQL: TStrings;
    procedure SetParameters(AValue: TParameters);
    procedure SetSQL(AValue: TStrings);
  public
    constructor Create(AOwner: TComponent); override;
    destructor Destroy; override;
  published
    property Connection: TADOConnection read FConnection write FConnection;
    property Parameters: TParameters read FParameters write SetParameters;
    property SQL: TStrings read FSQL write SetSQL;
  end;
implementation
constructor TADOQuery.Create(AOwner: TComponent);
begin
  inherited Create(AOwner);
  FParameters := TParameters.Create(TParameter);
  FSQL := TStringList.Create;
end;
destructor TADOQuery.Destroy;
begin
  FSQL.Free;
  FParameters.Free;
  inherited Destroy;
end;
procedure TADOQuery.SetParameters(AValue: TParameters);
begin
  FParameters.Assign(AValue);
end;
procedure TADOQuery.SetSQL(AValue: TStrings);
begin
  FSQL.Assign(AValue);
end;
end.
