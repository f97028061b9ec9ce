{ The IDE designs a form without the C ABI library: registering the palette, dropping a server
  and a client on a form, editing them in the Object Inspector, saving the form, opening it again
  and closing it make no call into the library. Under Delphi the imports are delayed, so no call
  means that the IDE never loads the DLL, of either bitness.

  Linked against abi_counter.cpp, a stand-in library of the real one's file name whose every
  function only counts its calls (and returns 0 / NULL). At the end a server is activated at run
  time: that must call (and fail, the stand-in creates nothing), which shows that the counter
  sees calls. Prints "N passed, N failed". }
program design_time_test;

{$mode delphi}

uses
  {$IFDEF UNIX} cthreads, {$ENDIF} SysUtils, Classes, TypInfo, IocpApi, IocpTCPServer, IocpTCPClient,
  IocpRegister, TestCheck, TestForms;

function iocp_counter_calls: Integer; cdecl; external IocpLib;
function iocp_counter_first: PAnsiChar; cdecl; external IocpLib;

type
  { A data module as the designer holds it, with the event handler the form file names. }
  TDesignRoot = class(TDataModule)
  published
    procedure ServerExecute(AContext: TIocpContext);
  end;

  { Sets csDesigning as the IDE's form designer does. }
  TDesigning = class(TComponent)
  end;

procedure TDesignRoot.ServerExecute(AContext: TIocpContext);
begin
end;

procedure Capture(const Page: string; ComponentClasses: array of TComponentClass);
begin
end;

procedure NoCalls(const AWhen: string);
begin
  Check(iocp_counter_calls = 0, AWhen + ': no call into the library (first: ' + string(iocp_counter_first) + ')');
end;

function NewForm: TDesignRoot;
begin
  Result := TDesignRoot.CreateNew(nil);
  TDesigning(TComponent(Result)).SetDesigning(True);
end;

{ What the Object Inspector does: published properties through RTTI. }
procedure EditServer(AServer: TComponent; AForm: TDesignRoot);
var
  Options, Bindings, Item: TObject;
  Execute: TMethod;
begin
  Options := GetObjectProp(AServer, 'IOHandlerOptions');
  SetEnumProp(Options, 'IOHandlerType', 'iohIOCP');
  SetOrdProp(GetObjectProp(Options, 'IOCP'), 'IOCPThreads', 4);
  SetOrdProp(AServer, 'DefaultPort', 9000);
  Bindings := GetObjectProp(AServer, 'Bindings');
  Item := TCollection(Bindings).Add;  { The collection editor's "Add New". }
  Check(GetOrdProp(Item, 'Port') = 9000, 'a binding added by the collection editor starts on DefaultPort');
  SetStrProp(Item, 'IP', '127.0.0.1');
  SetStrProp(GetObjectProp(AServer, 'SSLOptions'), 'CertFile', 'server.pem');
  SetOrdProp(GetObjectProp(AServer, 'Heartbeat'), 'Enabled', Ord(True));
  Execute.Code := AForm.MethodAddress('ServerExecute');
  Execute.Data := AForm;
  SetMethodProp(AServer, 'OnExecute', Execute);
  SetOrdProp(AServer, 'Active', Ord(True));
end;

procedure EditClient(AClient: TComponent);
begin
  SetStrProp(AClient, 'Host', 'example.org');
  SetOrdProp(AClient, 'Port', 443);
  SetOrdProp(GetObjectProp(AClient, 'SSLOptions'), 'Enabled', Ord(True));
end;

var
  Form, Opened: TDesignRoot;
  Server: TIocpTCPServer;
  Client: TIocpTCPClient;
  Saved: TMemoryStream;
  Text: string;
  Raised: Boolean;
begin
  IsMultiThread := True;
  RegisterClasses([TIocpTCPServer, TIocpTCPClient]);
  RegisterComponentsProc := Capture;
  IocpRegister.Register;
  NoCalls('registering the palette');

  Form := NewForm;
  Saved := TMemoryStream.Create;
  try
    Server := TIocpTCPServer.Create(Form);  { Dropped from the palette onto the form. }
    Server.Name := 'IocpTCPServer1';
    Client := TIocpTCPClient.Create(Form);
    Client.Name := 'IocpTCPClient1';
    Check(csDesigning in Server.ComponentState, 'a component dropped on a designed form is designed too');
    NoCalls('dropping a server and a client on a form');
    EditServer(Server, Form);
    EditClient(Client);
    Check(Server.Active, 'the designer keeps Active = True');
    NoCalls('editing them in the Object Inspector');
    Text := FormText(Form);
    Saved.WriteComponent(Form);
    Check((Pos('IOHandlerType = iohIOCP', Text) > 0) and (Pos('Active = True', Text) > 0) and
      (Pos('OnExecute = ServerExecute', Text) > 0) and (Pos('Host = ''example.org''', Text) > 0),
      'the saved form has what was edited: ' + Text);
    NoCalls('saving the form');
  finally
    Form.Free;
  end;
  NoCalls('closing the form');

  Opened := NewForm;
  try
    Saved.Position := 0;
    Saved.ReadComponent(Opened);
    Check(Opened.ComponentCount = 2, 'the opened form holds the server and the client');
    Server := Opened.FindComponent('IocpTCPServer1') as TIocpTCPServer;
    Check((Server <> nil) and Server.Active and (Server.IOHandlerOptions.IOHandlerType = iohIOCP) and
      (Server.Bindings.Count = 1) and Assigned(Server.OnExecute), 'the opened form''s server is as saved');
    NoCalls('opening the saved form');
  finally
    Opened.Free;
    Saved.Free;
  end;
  NoCalls('closing it');

  { At run time the first activation creates the engine's server: the stand-in answers nothing,
    so activation fails, and the counter has seen the calls. }
  Form := TDesignRoot.CreateNew(nil);
  try
    Server := TIocpTCPServer.Create(Form);
    Server.OnExecute := Form.ServerExecute;
    Server.Bindings.Add.IP := '127.0.0.1';
    NoCalls('creating a server at run time');
    Raised := False;
    try
      Server.Active := True;
    except
      on E: Exception do
        Raised := True;
    end;
    Check(Raised and (iocp_counter_calls > 0) and (string(iocp_counter_first) = 'iocp_server_create'),
      'activation at run time calls the library, iocp_server_create first (the counter counts): ' +
      IntToStr(iocp_counter_calls) + ' calls, first ' + string(iocp_counter_first));
  finally
    Form.Free;
  end;
  Report;
end.
