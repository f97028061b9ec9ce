{ Stand-in for Indy's IdHTTPServer: TIdHTTPServer. It serves nothing. }
unit IdHTTPServer;

{$mode delphi}

interface

uses
  IdCustomHTTPServer;

type
  TIdHTTPServer = class(TIdCustomHTTPServer);

implementation

end.
