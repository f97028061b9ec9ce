// A server behind HAProxy for haproxy_test.py: PROXY protocol v2 from 127.0.0.1, a greeting that
// names the server and the peer it sees ("NAME PEERIP PEERPORT"), then every line echoed.
//
//   proxied_echo NAME --io default|iocp [--model execute|event] [--port N]
//
// Prints "port N" once listening (ReusePort: a successor may listen on the same port) and serves
// until SIGTERM/SIGINT. SIGUSR1 drains it (Drain, 20 s at most), then it exits: OnDraining tells
// every client "BYE" (a broadcast), and from then on lines are no longer served; each client closes
// and sends its unanswered line again elsewhere, and its connection ends with its close (never a
// reset that could overtake the BYE).
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "Iocp.h"

using namespace Iocp;

namespace {
std::atomic<bool> gStop{false}, gDrain{false};
void onSignal(int) { gStop = true; }
void onDrainSignal(int) { gDrain = true; }
}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || std::strcmp(argv[2], "--io") != 0) {
    std::fprintf(stderr, "usage: proxied_echo NAME --io default|iocp [--model execute|event]\n");
    return 2;
  }
  const std::string name = argv[1];
  const bool iocp = std::strcmp(argv[3], "iocp") == 0;
  bool events = false;
  int port = 0;
  for (int i = 4; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--model") == 0) events = std::strcmp(argv[i + 1], "event") == 0;
    if (std::strcmp(argv[i], "--port") == 0) port = std::atoi(argv[i + 1]);
  }
  TIocpTCPServer server;
  server.Bindings.Add().IP = "127.0.0.1";
  server.Bindings[0].Port = static_cast<uint16_t>(port);
  server.ReusePort = true;
  server.IOHandlerOptions.IOHandlerType = iocp ? iohIOCP : iohDefault;
  server.ProxyProtocol.Mode = ppV2;
  server.ProxyProtocol.TrustedSources = "127.0.0.1";
  server.OnConnect = [&](TIocpContext* AContext) {
    AContext->Connection->IOHandler->WriteLn(name + " " + AContext->Binding->PeerIP + " " +
                                             std::to_string(AContext->Binding->PeerPort));
  };
  if (events) {
    server.Framing.Kind = fkLine;
    server.OnMessage = [&](TIocpContext* AContext, std::string_view AMessage) {
      if (server.Draining()) return;  // Told BYE: the client sends it elsewhere.
      AContext->Connection->IOHandler->WriteLn(std::string(AMessage));
    };
  } else {
    server.OnExecute = [&](TIocpContext* AContext) {
      auto* io = AContext->Connection->IOHandler;
      const std::string line = io->ReadLn();
      if (server.Draining()) return;  // Told BYE: the client sends it elsewhere, then closes.
      io->WriteLn(line);
    };
  }
  server.OnDraining = [](TIocpTCPServer* ASender) {
    auto& list = ASender->Contexts->LockList();
    for (TIocpContext* c : list) c->Connection->IOHandler->WriteLn("BYE");
    ASender->Contexts->UnlockList();
  };
  std::signal(SIGTERM, onSignal);
  std::signal(SIGINT, onSignal);
  std::signal(SIGUSR1, onDrainSignal);
  server.Active = true;
  std::printf("port %u\n", static_cast<unsigned>(server.Bindings[0].Port));
  std::fflush(stdout);
  while (!gStop && !gDrain) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (gDrain) {
    const bool all = server.Drain(20000);
    std::printf("drained %s\n", all ? "all" : "not all");
    std::fflush(stdout);
  }
  server.Active = false;
  return 0;
}
