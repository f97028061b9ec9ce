{ Stand-in for Indy's IdSSLOpenSSL: the OpenSSL server IOHandler a form or a unit keeps, and the
  client IOHandler, with the options the tests set. It does no TLS. }
unit IdSSLOpenSSL;
{$mode delphi}
interface
uses
  Classes, IdIOHandler;
type
  TIdSSLMode = (sslmUnassigned, sslmClient, sslmServer, sslmBoth);
  TIdSSLOptions = class(TPersistent)
  private
    FCertFile, FKeyFile, FRootCertFile: string;
    FMode: TIdSSLMode;
  published
    property CertFile: string read FCertFile write FCertFile;
    property KeyFile: string read FKeyFile write FKeyFile;
    property RootCertFile: string read FRootCertFile write FRootCertFile;
    property Mode: TIdSSLMode read FMode write FMode;
  end;
  TIdX509Name = class
  private
    FOneLine: string;
  public
    property OneLine: string read FOneLine;
  end;
  TIdX509 = class
  private
    FSubject: TIdX509Name;
  public
    property Subject: TIdX509Name read FSubject;
  end;
  TPasswordEvent = procedure(var Password: string) of object;
  TVerifyPeerEvent = function(Certificate: TIdX509; AOk: Boolean; ADepth, AError: Integer): Boolean of object;
  TIdServerIOHandlerSSLOpenSSL = class(TComponent)
  private
    FSSLOptions: TIdSSLOptions;
    FOnGetPassword: TPasswordEvent;
    FOnVerifyPeer: TVerifyPeerEvent;
  public
    constructor Create(AOwner: TComponent); override;
    destructor Destroy; override;
  published
    property SSLOptions: TIdSSLOptions read FSSLOptions;
    property OnGetPassword: TPasswordEvent read FOnGetPassword write FOnGetPassword;
    property OnVerifyPeer: TVerifyPeerEvent read FOnVerifyPeer write FOnVerifyPeer;
  end;
  TIdSSLIOHandlerSocketOpenSSL = class(TIdIOHandler)
  private
    FSSLOptions: TIdSSLOptions;
  public
    constructor Create(AOwner: TComponent); override;
    destructor Destroy; override;
  published
    property SSLOptions: TIdSSLOptions read FSSLOptions;
  end;
implementation
constructor TIdServerIOHandlerSSLOpenSSL.Create(AOwner: TComponent);
begin
  inherited Create(AOwner);
  FSSLOptions := TIdSSLOptions.Create;
end;
destructor TIdServerIOHandlerSSLOpenSSL.Destroy;
begin
  FSSLOptions.Free;
  inherited Destroy;
end;
constructor TIdSSLIOHandlerSocketOpenSSL.Create(AOwner: TComponent);
begin
  inherited Create(AOwner);
  FSSLOptions := TIdSSLOptions.Create;
end;
destructor TIdSSLIOHandlerSocketOpenSSL.Destroy;
begin
  FSSLOptions.Free;
  inherited Destroy;
end;
end.
