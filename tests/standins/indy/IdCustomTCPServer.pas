{ Stand-in for Indy's IdCustomTCPServer: the base of Indy's own servers. }
unit IdCustomTCPServer;

{$mode delphi}

interface

uses
  Classes, IdComponent;

type
  TIdCustomTCPServer = class(TIdComponent)
  private
    FActive: Boolean;
    FDefaultPort: Integer;
  published
    property Active: Boolean read FActive write FActive;
    property DefaultPort: Integer read FDefaultPort write FDefaultPort;
  end;

implementation

end.
