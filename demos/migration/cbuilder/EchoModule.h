//---------------------------------------------------------------------------
#ifndef EchoModuleH
#define EchoModuleH
//---------------------------------------------------------------------------
#include <IdBaseComponent.hpp>
#include <IdComponent.hpp>
#include <IdContext.hpp>
#include <IdCustomTCPServer.hpp>
#include <IdTCPServer.hpp>
#include <atomic>
//---------------------------------------------------------------------------
// An echo server module in C++Builder style: Indy's names, __fastcall handlers.
class TEchoModule
{
__published:	// Components
	TIdTCPServer *IdTCPServer1;
	void __fastcall IdTCPServer1Connect(TIdContext *AContext);
	void __fastcall IdTCPServer1Execute(TIdContext *AContext);
	void __fastcall IdTCPServer1Disconnect(TIdContext *AContext);
public:		// User declarations
	__fastcall TEchoModule();
	__fastcall ~TEchoModule();
	std::atomic<int> Connected{0};
	std::atomic<int> Disconnected{0};
};
//---------------------------------------------------------------------------
#endif
