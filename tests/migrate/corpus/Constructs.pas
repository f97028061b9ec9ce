unit Constructs;
(* a (* comment *) with { braces } and 'quotes' *)
interface
uses
  (*$IFDEF FPC*) cthreads, (*$ENDIF*)
  System.SysUtils {a comment}, IdGlobal.Extra, IdContext (* why *),
  IdTCPServer;
type
  &Type = class
    procedure Handle(AContext: TIdContext); virtual; abstract;
  end;
  TProc = procedure(AContext: TIdContext) of object;
implementation
uses IdIOHandler;
const S = 'it''s TIdContext'#13#10#$41'end';
procedure Outer(AContext: IdContext.TIdContext);
  procedure Inner;
  begin
    Sleep(1);
  end;
var X: Integer;
begin
  case X of
    1: begin Inner; end;
  else
    asm
      nop
    end;
  end;
  try
    TThread.Queue(nil, procedure begin Sleep(2) end);
  finally
  end;
end;
end.
