// The driver of the migrated C++Builder unit (demos/migration/cbuilder): echo_main [default|iocp]
// starts the module on a free port of 127.0.0.1, echoes a line through a client, and exits 0
// when the echo and the events came back as expected.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include "EchoModule.h"
int main(int argc, char* argv[])
{
	TEchoModule Module;
	if (argc > 1 && std::strcmp(argv[1], "iocp") == 0)
		Module.IdTCPServer1->IOHandlerOptions.IOHandlerType = iohIOCP;
	TIdSocketHandle &Binding = Module.IdTCPServer1->Bindings.Add();
	Binding.IP = "127.0.0.1";
	Module.IdTCPServer1->Active = true;
	TIdTCPClient Client;
	Client.ReadTimeout = 5000;
	Client.Connect("127.0.0.1", Module.IdTCPServer1->Bindings[0].Port);
	std::string Welcome = Client.IOHandler->ReadLn();
	Client.IOHandler->WriteLn("hello");
	std::string Echo = Client.IOHandler->ReadLn();
	Client.IOHandler->WriteLn("QUIT");
	for (int i = 0; i < 500 && Module.Disconnected == 0; ++i)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	const bool ok = Welcome == "WELCOME" && Echo == "hello" && Module.Connected == 1 && Module.Disconnected == 1;
	std::printf("%s: welcome '%s', echo '%s', OnConnect %d, OnDisconnect %d\n", ok ? "ok" : "FAIL",
	            Welcome.c_str(), Echo.c_str(), Module.Connected.load(), Module.Disconnected.load());
	return ok ? 0 : 1;
}
