{ Stand-in for Indy's IdExceptionCore: its classes, declared as in Indy 10. }
unit IdExceptionCore;

{$mode delphi}

interface

uses
  IdException;

type
  EIdClosedSocket = class(EIdException);
  EIdReadTimeout = class(EIdException);
  EIdReadLnMaxLineLengthExceeded = class(EIdException);
  EIdReadLnWaitMaxAttemptsExceeded = class(EIdException);
  EIdNotConnected = class(EIdException);
  EIdConnectTimeout = class(EIdException);
  EIdTCPConnectionError = class(EIdException);
  EIdNoDataToRead = class(EIdTCPConnectionError);
  EIdMaxCaptureLineExceeded = class(EIdException);

implementation

end.
