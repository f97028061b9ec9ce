{ ServerData: the echo server as a Lazarus data module, ServerModule. Everything about the
  server lives in serverdata.lfm and was set in the Object Inspector:
  IOHandlerOptions.IOHandlerType = iohIOCP, IOHandlerOptions.IOCP.IOCPThreads = 2,
  DefaultPort = 9000, one binding on 127.0.0.1, and OnExecute -> IocpTCPServer1Execute. }
unit ServerData;

{$mode delphi}

interface

uses
  Classes, SysUtils, IocpTCPServer;

type

  { TServerModule }

  TServerModule = class(TDataModule)
    IocpTCPServer1: TIocpTCPServer;
    procedure IocpTCPServer1Execute(AContext: TIocpContext);
  end;

var
  ServerModule: TServerModule;

implementation

{$R *.lfm}

{ TServerModule }

procedure TServerModule.IocpTCPServer1Execute(AContext: TIocpContext);
begin
  AContext.Connection.IOHandler.WriteLn(AContext.Connection.IOHandler.ReadLn);
end;

end.
