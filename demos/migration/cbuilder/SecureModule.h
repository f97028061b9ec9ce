//---------------------------------------------------------------------------
#ifndef SecureModuleH
#define SecureModuleH
//---------------------------------------------------------------------------
#include <IdBaseComponent.hpp>
#include <IdComponent.hpp>
#include <IdContext.hpp>
#include <IdCustomTCPServer.hpp>
#include <IdTCPServer.hpp>
#include <IdSSL.hpp>
#include <IdSSLOpenSSL.hpp>
#include <string>
//---------------------------------------------------------------------------
// A TLS echo server module in C++Builder style with TLS set up in code: an OpenSSL server
// IOHandler made in the constructor and assigned to the server; OnConnect starts TLS on each
// connection (PassThrough = false), as Indy's TLS servers do.
class TSecureModule
{
__published:	// Components
	TIdTCPServer *IdTCPServer1;
	TIdServerIOHandlerSSLOpenSSL *SSLHandler;
	void __fastcall IdTCPServer1Connect(TIdContext *AContext);
	void __fastcall IdTCPServer1Execute(TIdContext *AContext);
public:		// User declarations
	__fastcall TSecureModule(const std::string &CertFile, const std::string &KeyFile);
	__fastcall ~TSecureModule();
};
//---------------------------------------------------------------------------
#endif
