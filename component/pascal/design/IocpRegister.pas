{ IocpRegister: puts TIocpTCPServer and TIocpTCPClient on the IDE's component palette, page
  "IOCP Servers". The unit of the design-time packages (packages/): Lazarus iocpbridge_dsgn.lpk,
  Delphi/C++Builder IocpBridgeDesign.dpk. Programs never use it.

  No property editors: the IDE's own ones cover every published member (IOHandlerOptions and
  IOCP expand as persistent sub-objects, IOHandlerType is a drop-down of iohDefault/iohIOCP,
  Bindings opens the collection editor, the events offer the module's methods).

  Register is called by the IDE, on its main thread, when it loads the package. Valid Delphi and
  Free Pascal (mode delphi). }
unit IocpRegister;

{$IFDEF FPC}
  {$mode delphi}
{$ENDIF}

interface

{ Registers the server and the client on the palette page PalettePage (the IDE's main thread). }
procedure Register;

const
  PalettePage = 'IOCP Servers';

implementation

uses
  Classes, IocpTCPServer, IocpTCPClient;

procedure Register;
begin
  RegisterComponents(PalettePage, [TIocpTCPServer, TIocpTCPClient]);
end;

end.
