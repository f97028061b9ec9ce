//---------------------------------------------------------------------------
#include "EchoModule.h"
//---------------------------------------------------------------------------
__fastcall TEchoModule::TEchoModule()
{
	IdTCPServer1 = new TIdTCPServer();
	IdTCPServer1->DefaultPort = 0;
	// What the form loader does with the .dfm's OnConnect/OnExecute/OnDisconnect lines.
	IdTCPServer1->OnConnect = [this](TIdContext *AContext) { IdTCPServer1Connect(AContext); };
	IdTCPServer1->OnExecute = [this](TIdContext *AContext) { IdTCPServer1Execute(AContext); };
	IdTCPServer1->OnDisconnect = [this](TIdContext *AContext) { IdTCPServer1Disconnect(AContext); };
}
//---------------------------------------------------------------------------
__fastcall TEchoModule::~TEchoModule()
{
	IdTCPServer1->Active = false;
	delete IdTCPServer1;
}
//---------------------------------------------------------------------------
void __fastcall TEchoModule::IdTCPServer1Connect(TIdContext *AContext)
{
	++Connected;
	AContext->Connection->IOHandler->WriteLn("WELCOME");
}
//---------------------------------------------------------------------------
void __fastcall TEchoModule::IdTCPServer1Execute(TIdContext *AContext)
{
	std::string Line = AContext->Connection->IOHandler->ReadLn();
	if (Line == "QUIT") {
		AContext->Connection->Disconnect();
		return;
	}
	AContext->Connection->IOHandler->WriteLn(Line);
}
//---------------------------------------------------------------------------
void __fastcall TEchoModule::IdTCPServer1Disconnect(TIdContext *AContext)
{
	++Disconnected;
}
//---------------------------------------------------------------------------
