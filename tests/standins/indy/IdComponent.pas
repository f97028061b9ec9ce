{ Stand-in for Indy's IdComponent: TIdStatus and TIdComponent, declared as in Indy 10. }
unit IdComponent;

{$mode delphi}

interface

uses
  Classes, IdBaseComponent;

type
  TIdStatus = (hsResolving, hsConnecting, hsConnected, hsDisconnecting, hsDisconnected, hsStatusText,
    ftpTransfer, ftpReady, ftpAborted);
  TIdStatusEvent = procedure(ASender: TObject; const AStatus: TIdStatus; const AStatusText: string) of object;
  TIdComponent = class(TIdBaseComponent);

implementation

end.
