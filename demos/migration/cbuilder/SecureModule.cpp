//---------------------------------------------------------------------------
#include "SecureModule.h"
//---------------------------------------------------------------------------
__fastcall TSecureModule::TSecureModule(const std::string &CertFile, const std::string &KeyFile)
{
	IdTCPServer1 = new TIdTCPServer();
	SSLHandler = new TIdServerIOHandlerSSLOpenSSL(this);
	SSLHandler->SSLOptions->Mode = sslmServer;
	SSLHandler->SSLOptions->CertFile = CertFile;
	SSLHandler->SSLOptions->KeyFile = KeyFile;
	IdTCPServer1->IOHandler = SSLHandler;
	IdTCPServer1->DefaultPort = 0;
	IdTCPServer1->OnConnect = [this](TIdContext *AContext) { IdTCPServer1Connect(AContext); };
	IdTCPServer1->OnExecute = [this](TIdContext *AContext) { IdTCPServer1Execute(AContext); };
}
//---------------------------------------------------------------------------
__fastcall TSecureModule::~TSecureModule()
{
	IdTCPServer1->Active = false;
	delete IdTCPServer1;
	delete SSLHandler;
}
//---------------------------------------------------------------------------
void __fastcall TSecureModule::IdTCPServer1Connect(TIdContext *AContext)
{
	static_cast<TIdSSLIOHandlerSocketBase*>(AContext->Connection->IOHandler)->PassThrough = false;
}
//---------------------------------------------------------------------------
void __fastcall TSecureModule::IdTCPServer1Execute(TIdContext *AContext)
{
	std::string Line = AContext->Connection->IOHandler->ReadLn();
	AContext->Connection->IOHandler->WriteLn(Line);
}
//---------------------------------------------------------------------------
