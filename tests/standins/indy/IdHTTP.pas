{ Stand-in for Indy's IdHTTP: TIdHTTP with the members the tests call. It fetches nothing. }
unit IdHTTP;

{$mode delphi}

interface

uses
  Classes, IdTCPConnection, IdIOHandler;

type
  TIdHTTP = class(TIdTCPConnection)
  private
    FIOHandler: TIdIOHandler;
    FConnectTimeout, FReadTimeout: Integer;
  public
    function Get(const AURL: string): string; overload;
    procedure Get(const AURL: string; AResponseContent: TStream); overload;
    function Post(const AURL: string; ASource: TStrings): string; overload;
    property IOHandler: TIdIOHandler read FIOHandler write FIOHandler;
    property ConnectTimeout: Integer read FConnectTimeout write FConnectTimeout;
    property ReadTimeout: Integer read FReadTimeout write FReadTimeout;
  end;

implementation

function TIdHTTP.Get(const AURL: string): string;
begin
  Result := '';
end;

procedure TIdHTTP.Get(const AURL: string; AResponseContent: TStream);
begin
end;

function TIdHTTP.Post(const AURL: string; ASource: TStrings): string;
begin
  Result := '';
end;

end.
