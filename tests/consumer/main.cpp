// A user's program: an echo server on the completion engine and a client, one line each way.
#include <cstdio>
#include <string>

#include "Iocp.h"

using namespace Iocp;

int main() {
  TIocpTCPServer Server;
  Server.Bindings.Add().IP = "127.0.0.1";  // Port 0: the OS chooses.
  Server.IOHandlerOptions.IOHandlerType = iohIOCP;
  Server.OnExecute = [](TIocpContext* AContext) {
    auto* io = AContext->Connection->IOHandler;
    io->WriteLn("echo: " + io->ReadLn());
  };
  Server.Active = true;

  TIocpTCPClient Client;
  Client.ReadTimeout = 5000;
  Client.Connect("127.0.0.1", Server.Bindings[0].Port);
  Client.IOHandler->WriteLn("hello");
  const std::string reply = Client.IOHandler->ReadLn();
  Client.Disconnect();
  Server.Active = false;
  std::printf("consumer: %s\n", reply.c_str());
  return reply == "echo: hello" ? 0 : 1;
}
