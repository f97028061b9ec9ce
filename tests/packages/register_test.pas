{ The design-time unit as the IDE calls it: IocpRegister.Register puts TIocpTCPServer and
  TIocpTCPClient on the palette page "IOCP Servers" (the IDE's hook, RegisterComponentsProc,
  stands in for the palette), and a component dropped from there defaults to what the Object
  Inspector shows: IOHandlerOptions.IOHandlerType = iohDefault, which the user switches to
  iohIOCP. In the designer, Active = True is kept for the form but nothing listens. }
program register_test;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF} SysUtils, Classes, TypInfo, IocpTCPServer, IocpTCPClient,
  IocpGlobal, IocpRegister, TestCheck, TestForms;

const
  DesignPort = 47393;

type
  { Sets csDesigning as the IDE's form designer does. }
  TDesigned = class(TComponent)
  end;

var
  Pages: TStringList;
  Registered: array of TComponentClass;

procedure Capture(const Page: string; ComponentClasses: array of TComponentClass);
var
  I: Integer;
begin
  Pages.Add(Page);
  for I := Low(ComponentClasses) to High(ComponentClasses) do
  begin
    SetLength(Registered, Length(Registered) + 1);
    Registered[High(Registered)] := ComponentClasses[I];
  end;
end;

{ Whether something accepts connections on 127.0.0.1:DesignPort. }
function Listening: Boolean;
var
  Client: TIocpTCPClient;
begin
  Client := TIocpTCPClient.Create(nil);
  try
    Client.Host := '127.0.0.1';
    Client.Port := DesignPort;
    Client.ConnectTimeout := 2000;
    try
      Client.Connect;
      Result := True;
      Client.Disconnect;
    except
      on EIdSocketError do
        Result := False;
    end;
  finally
    Client.Free;
  end;
end;

var
  Server: TComponent;
  Designed: TIocpTCPServer;
  Options: TObject;
begin
  IsMultiThread := True;
  Pages := TStringList.Create;
  try
    RegisterComponentsProc := Capture;
    IocpRegister.Register;
    Check((Pages.Count = 1) and (Pages[0] = 'IOCP Servers'), 'one palette page, "IOCP Servers": ' + Pages.CommaText);
    Check((Length(Registered) = 2) and (Registered[0] = TIocpTCPServer) and (Registered[1] = TIocpTCPClient),
      'the server and the client are registered');
    { What the Object Inspector lists: published IOHandlerOptions, an object with IOHandlerType. }
    Server := Registered[0].Create(nil);
    try
      Check(IsPublishedProp(Server, 'IOHandlerOptions'), 'IOHandlerOptions is published');
      Options := GetObjectProp(Server, 'IOHandlerOptions');
      Check((Options <> nil) and IsPublishedProp(Options, 'IOHandlerType'), 'IOHandlerOptions.IOHandlerType is published');
      Check(GetEnumProp(Options, 'IOHandlerType') = 'iohDefault', 'a dropped server starts as iohDefault');
      SetEnumProp(Options, 'IOHandlerType', 'iohIOCP');
      Check(GetEnumProp(Options, 'IOHandlerType') = 'iohIOCP', 'the Object Inspector''s iohIOCP sticks');
      Check(IsPublishedProp(GetObjectProp(Options, 'IOCP'), 'IOCPThreads'), 'IOHandlerOptions.IOCP.IOCPThreads is published');
    finally
      Server.Free;
    end;
    { On a form in the designer: Active = True is kept (and saved) but the server never listens. }
    Designed := TIocpTCPServer.Create(nil);
    try
      TDesigned(TComponent(Designed)).SetDesigning(True);
      Designed.DefaultPort := DesignPort;
      Designed.Bindings.Add.IP := '127.0.0.1';
      Designed.Active := True;
      Check(Designed.Active, 'the designer keeps Active = True');
      Check(not Listening, 'a server in the designer does not listen');
      Check(Pos('Active = True', FormText(Designed)) > 0, 'the form saves Active = True');
    finally
      Designed.Free;
    end;
  finally
    Pages.Free;
  end;
  Report;
end.
