// The driver of the migrated C++Builder unit with TLS set up in code (demos/migration/cbuilder/
// SecureModule): secure_main CERTS_DIR [default|iocp] starts the module on a free port of
// 127.0.0.1 with CERTS_DIR's server certificate, echoes a line through a TLS client that verifies
// it against CERTS_DIR's CA, and exits 0 when the echo came back over TLS.
#include <cstdio>
#include <cstring>
#include <string>
#include "SecureModule.h"
int main(int argc, char* argv[])
{
	if (argc < 2) {
		std::fprintf(stderr, "usage: secure_main CERTS_DIR [default|iocp]\n");
		return 2;
	}
	const std::string Certs = argv[1];
	TSecureModule Module(Certs + "/server.crt", Certs + "/server.key");
	if (argc > 2 && std::strcmp(argv[2], "iocp") == 0)
		Module.IdTCPServer1->IOHandlerOptions.IOHandlerType = iohIOCP;
	Module.IdTCPServer1->Bindings.Add().IP = "127.0.0.1";
	Module.IdTCPServer1->Active = true;
	TIdTCPClient Client;
	Client.ReadTimeout = 5000;
	Client.SSLOptions.Enabled = true;
	Client.SSLOptions.RootCertFile = Certs + "/ca.crt";
	Client.SSLOptions.VerifyMode = TIdSSLVerifyModeSet{sslvrfPeer};
	Client.Connect("localhost", Module.IdTCPServer1->Bindings[0].Port);
	Client.IOHandler->WriteLn("hello over TLS");
	const std::string Echo = Client.IOHandler->ReadLn();
	const std::string Protocol = Client.IOHandler->SSLProtocol();
	Client.Disconnect();
	const bool ok = Echo == "hello over TLS" && !Protocol.empty() && Module.IdTCPServer1->SSLOptions.Enabled;
	std::printf("%s: echo '%s' over %s\n", ok ? "ok" : "FAIL", Echo.c_str(), Protocol.empty() ? "plain text" : Protocol.c_str());
	return ok ? 0 : 1;
}
