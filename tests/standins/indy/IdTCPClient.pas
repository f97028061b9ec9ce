{ Stand-in for Indy's IdTCPClient: a TIdTCPClient of its own unit whose
  members take and raise the shared types. Underneath it is the bridge's client, so the test
  talks over a real socket; with real Indy the same test runs Indy's client
  (tools/indy-mixed/check.sh). }
unit IdTCPClient;

{$mode delphi}

interface

uses
  IdGlobal, IocpTCPClient;

type
  TIdTCPClient = class(TIocpTCPClient)
  private
    FIPVersion: TIdIPVersion;
  public
    property IPVersion: TIdIPVersion read FIPVersion write FIPVersion;
  end;

implementation

end.
