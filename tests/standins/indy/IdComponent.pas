{ Stand-in for Indy's IdComponent (test of IOCP_INDY_TYPES): TIdStatus, declared as in Indy 10. }
unit IdComponent;

{$mode delphi}

interface

type
  TIdStatus = (hsResolving, hsConnecting, hsConnected, hsDisconnecting, hsDisconnected, hsStatusText,
    ftpTransfer, ftpReady, ftpAborted);
  TIdStatusEvent = procedure(ASender: TObject; const AStatus: TIdStatus; const AStatusText: string) of object;

implementation

end.
