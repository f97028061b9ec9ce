{ Stand-in for Indy's IdCustomHTTPServer: its request and response classes and its event. }
unit IdCustomHTTPServer;

{$mode delphi}

interface

uses
  Classes, IdContext, IdCustomTCPServer;

type
  TIdHTTPRequestInfo = class
  private
    FDocument: string;
  public
    property Document: string read FDocument;
  end;
  TIdHTTPResponseInfo = class
  private
    FContentText: string;
    FResponseNo: Integer;
  public
    property ContentText: string read FContentText write FContentText;
    property ResponseNo: Integer read FResponseNo write FResponseNo;
  end;
  TIdHTTPCommandEvent = procedure(AContext: TIdContext; ARequestInfo: TIdHTTPRequestInfo;
    AResponseInfo: TIdHTTPResponseInfo) of object;
  TIdCustomHTTPServer = class(TIdCustomTCPServer)
  private
    FOnCommandGet: TIdHTTPCommandEvent;
  published
    property OnCommandGet: TIdHTTPCommandEvent read FOnCommandGet write FOnCommandGet;
  end;

implementation

end.
