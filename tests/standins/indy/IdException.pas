{ Stand-in for Indy's IdException (test of IOCP_INDY_TYPES): its classes, declared as in Indy 10. }
unit IdException;

{$mode delphi}

interface

uses
  SysUtils;

type
  EIdException = class(Exception);
  EIdSilentException = class(EIdException);
  EIdConnClosedGracefully = class(EIdSilentException);
  EIdSocketHandleError = class(EIdException);
  EIdCouldNotBindSocket = class(EIdSocketHandleError);

implementation

end.
