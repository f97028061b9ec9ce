{ designer_demo: the echo server of demos/pascal/echo_server.pas, designed in the Lazarus form
  designer instead of written in code. Open designer_demo.lpi in the IDE (with the design-time
  package iocpbridge_dsgn installed), select IocpTCPServer1 on ServerModule and expand
  IOHandlerOptions in the Object Inspector.

  Run: prints "listening on 127.0.0.1:9000", echoes every line a client sends, Enter stops it.
  libiocp.so must be findable by the linker and at run time (packages/README.md, Lazarus). }
program designer_demo;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF}
  Classes, SysUtils, ServerData;

begin
  ServerModule := TServerModule.Create(nil);
  try
    ServerModule.IocpTCPServer1.Active := True;
    WriteLn('listening on 127.0.0.1:', ServerModule.IocpTCPServer1.Bindings[0].Port);
    ReadLn;
    ServerModule.IocpTCPServer1.Active := False;
    WriteLn('stopped');
  finally
    ServerModule.Free;
  end;
end.
