// A server behind HAProxy for haproxy_test.py: PROXY protocol v2 from 127.0.0.1, a greeting that
// names the server and the peer it sees ("NAME PEERIP PEERPORT"), then every line echoed.
//
//   proxied_echo NAME --io default|iocp [--model execute|event]
//
// Prints "port N" once listening (port chosen by the OS) and serves until SIGTERM/SIGINT.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "Iocp.h"

using namespace Iocp;

namespace {
std::atomic<bool> gStop{false};
void onSignal(int) { gStop = true; }
}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || std::strcmp(argv[2], "--io") != 0) {
    std::fprintf(stderr, "usage: proxied_echo NAME --io default|iocp [--model execute|event]\n");
    return 2;
  }
  const std::string name = argv[1];
  const bool iocp = std::strcmp(argv[3], "iocp") == 0;
  const bool events = argc >= 6 && std::strcmp(argv[4], "--model") == 0 && std::strcmp(argv[5], "event") == 0;
  TIocpTCPServer server;
  server.Bindings.Add().IP = "127.0.0.1";
  server.IOHandlerOptions.IOHandlerType = iocp ? iohIOCP : iohDefault;
  server.ProxyProtocol.Mode = ppV2;
  server.ProxyProtocol.TrustedSources = "127.0.0.1";
  server.OnConnect = [&](TIocpContext* AContext) {
    AContext->Connection->IOHandler->WriteLn(name + " " + AContext->Binding->PeerIP + " " +
                                             std::to_string(AContext->Binding->PeerPort));
  };
  if (events) {
    server.Framing.Kind = fkLine;
    server.OnMessage = [](TIocpContext* AContext, std::string_view AMessage) {
      AContext->Connection->IOHandler->WriteLn(std::string(AMessage));
    };
  } else {
    server.OnExecute = [](TIocpContext* AContext) {
      auto* io = AContext->Connection->IOHandler;
      io->WriteLn(io->ReadLn());
    };
  }
  std::signal(SIGTERM, onSignal);
  std::signal(SIGINT, onSignal);
  server.Active = true;
  std::printf("port %u\n", static_cast<unsigned>(server.Bindings[0].Port));
  std::fflush(stdout);
  while (!gStop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  server.Active = false;
  return 0;
}
