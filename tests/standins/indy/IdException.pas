{ Stand-in for Indy's IdException: its classes, declared as in Indy 10. }
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
