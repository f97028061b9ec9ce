// Echo server: every line a client sends comes back. Ctrl-C stops it cleanly.
//
//   echo_server [--config FILE] [--io default|iocp] [--backend default|io_uring] [--port N]
//               [--threads N] [--workop N] [--tls CERT KEY] [--save-config FILE]
//   echo_server --client [--host H] [--port N] [--tls-ca CA]   type lines, see them echoed
//
// --config loads the server's properties from an XML file (TIocpTCPServer::LoadFromXml) before
// the other options, which override it; --save-config writes the result (SaveToXml) and exits.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "Iocp.h"

using namespace Iocp;

namespace {

std::atomic<bool> gStop{false};
void onSignal(int) { gStop = true; }

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "echo_server: %s\n"
               "usage: echo_server [--config FILE] [--io default|iocp] [--backend default|io_uring]\n"
               "                   [--model execute|event] [--port N] [--threads N] [--workop N]\n"
               "                   [--tls CERT KEY] [--save-config FILE]\n"
               "       echo_server --client [--host H] [--port N] [--tls-ca CA]\n"
               "  --config   load the server's properties from an XML file first; the options below\n"
               "             override it (write one with --save-config to see every property)\n"
               "  --io       iohDefault (thread per connection) or iohIOCP (completion engine); default iocp\n"
               "  --backend  IOHandlerOptions.IOCP.Backend: default = epoll (IOCP_BACKEND=io_uring|epoll\n"
               "             overrides it), io_uring = io_uring where the kernel allows it; Linux only\n"
               "  --model    execute: OnExecute with ReadLn/WriteLn (Indy's model; default);\n"
               "             event: OnMessage per line (Framing fkLine), no fiber, writes queued\n"
               "  --port     TCP port; 0 = any free port (server); default 9000\n"
               "  --threads  IOHandlerOptions.IOCP.IOCPThreads; 0 = number of processors\n"
               "  --workop   IOHandlerOptions.IOCP.WorkOpThreads; 0 = any pool thread\n"
               "  --tls      TLS (SSLOptions) with this certificate (PEM, the chain) and key; TLS 1.2/1.3\n"
               "  --client   connect to a running echo server, send each line typed, print the echo\n"
               "  --tls-ca   --client: TLS, verifying the server's certificate against this CA (PEM)\n"
               "  --host     the server for --client; default 127.0.0.1\n"
               "  --save-config  write the resulting configuration to an XML file and exit\n",
               why);
  std::exit(2);
}

int number(const char* name, const char* text, int lo, int hi) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > hi) {
    usage((std::string(name) + " wants a number from " + std::to_string(lo) + " to " +
           std::to_string(hi)).c_str());
  }
  return static_cast<int>(v);
}

// --client: a line-based client with TIocpTCPClient, for trying the server without telnet or nc.
int runClient(const std::string& host, uint16_t port, const std::string& tlsCa) {
  TIocpTCPClient Client;
  Client.ReadTimeout = 5000;
  if (!tlsCa.empty()) {
    Client.SSLOptions.Enabled = true;
    Client.SSLOptions.RootCertFile = tlsCa;
    Client.SSLOptions.VerifyMode = TIdSSLVerifyModeSet{sslvrfPeer};
  }
  try {
    Client.Connect(host, port);
    std::fprintf(stderr, "connected to %s:%u - type lines, Ctrl-D ends\n", host.c_str(), static_cast<unsigned>(port));
    for (std::string line; std::getline(std::cin, line);) {
      Client.IOHandler->WriteLn(line);
      std::printf("%s\n", Client.IOHandler->ReadLn().c_str());
      std::fflush(stdout);
    }
    Client.Disconnect();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "echo_server --client: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  TIocpTCPServer Server;
  Server.DefaultPort = 9000;
  Server.IOHandlerOptions.IOHandlerType = iohIOCP;
  bool client = false;
  std::string host = "127.0.0.1";
  std::string saveConfig, tlsCa;
  bool portGiven = false;
  bool eventModel = false;
  std::vector<std::pair<std::string, const char*>> options;  // Option, value.
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") usage("echo server");
    if (arg == "--client") {
      client = true;
      continue;
    }
    if (arg == "--tls") {  // Two values: the certificate and the key.
      if (i + 2 >= argc) usage("--tls needs a certificate file and a key file");
      Server.SSLOptions.Enabled = true;
      Server.SSLOptions.CertFile = argv[++i];
      Server.SSLOptions.KeyFile = argv[++i];
      continue;
    }
    if (i + 1 >= argc) usage((arg + " needs a value").c_str());
    options.emplace_back(arg, argv[++i]);
  }
  // The configuration file first: its values replace the defaults above, the options override it.
  for (const auto& [arg, value] : options) {
    if (arg != "--config") continue;
    try {
      Server.LoadFromXml(value);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "echo_server: %s\n", e.what());
      return 2;
    }
  }
  for (const auto& [arg, value] : options) {
    if (arg == "--config") {
      continue;
    } else if (arg == "--save-config") {
      saveConfig = value;
    } else if (arg == "--io") {
      if (std::strcmp(value, "default") == 0) Server.IOHandlerOptions.IOHandlerType = iohDefault;
      else if (std::strcmp(value, "iocp") == 0) Server.IOHandlerOptions.IOHandlerType = iohIOCP;
      else usage("--io is 'default' or 'iocp'");
    } else if (arg == "--backend") {
      if (std::strcmp(value, "default") == 0) Server.IOHandlerOptions.IOCP.Backend = ibDefault;
      else if (std::strcmp(value, "io_uring") == 0) Server.IOHandlerOptions.IOCP.Backend = ibIoUring;
      else usage("--backend is 'default' or 'io_uring'");
    } else if (arg == "--port") {
      Server.DefaultPort = static_cast<uint16_t>(number("--port", value, 0, 65535));
      portGiven = true;
    } else if (arg == "--threads") {
      Server.IOHandlerOptions.IOCP.IOCPThreads = number("--threads", value, 0, 1024);
    } else if (arg == "--workop") {
      Server.IOHandlerOptions.IOCP.WorkOpThreads = number("--workop", value, 0, 1024);
    } else if (arg == "--model") {
      if (std::strcmp(value, "execute") == 0) eventModel = false;
      else if (std::strcmp(value, "event") == 0) eventModel = true;
      else usage("--model is 'execute' or 'event'");
    } else if (arg == "--host") {
      host = value;
    } else if (arg == "--tls-ca") {
      tlsCa = value;
    } else {
      usage(("unknown option " + arg).c_str());
    }
  }
  if (Server.Bindings.Count() == 0) Server.Bindings.Add().IP = "127.0.0.1";  // Loopback unless configured.
  for (int i = 0; portGiven && i < Server.Bindings.Count(); ++i) Server.Bindings[i].Port = Server.DefaultPort;
  if (client) return runClient(host, Server.Bindings[0].Port, tlsCa);
  if (!saveConfig.empty()) {
    try {
      Server.SaveToXml(saveConfig);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "echo_server: %s\n", e.what());
      return 1;
    }
    std::printf("echo server configuration saved to %s\n", saveConfig.c_str());
    return 0;
  }

  if (eventModel) {  // No fiber: each whole line arrives in OnMessage, the echo is queued.
    Server.Framing.Kind = fkLine;
    Server.OnMessage = [](TIocpContext* AContext, std::string_view ALine) {
      AContext->Connection->IOHandler->Write(std::string(ALine) + EOL);
    };
  } else {  // Indy's model: blocking-style code (on a fiber with iohIOCP).
    Server.OnExecute = [](TIocpContext* AContext) {
      std::string line = AContext->Connection->IOHandler->ReadLn();
      AContext->Connection->IOHandler->WriteLn(line);
    };
  }
  Server.OnException = [](TIocpContext*, const std::exception& e) {
    if (dynamic_cast<const EIdSilentException*>(&e) == nullptr) std::fprintf(stderr, "connection error: %s\n", e.what());
  };

  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  try {
    Server.Active = true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "echo_server: %s\n", e.what());
    return 1;
  }
  std::printf("echo server (%s, %s, backend %s) listening on %s:%u%s - Ctrl-C stops it\n",
              Server.IOHandlerOptions.IOHandlerType == iohIOCP ? "iohIOCP" : "iohDefault",
              eventModel ? "OnMessage" : "OnExecute", Server.ActiveBackend().c_str(),
              Server.Bindings[0].IP.c_str(), static_cast<unsigned>(Server.Bindings[0].Port),
              Server.SSLOptions.Enabled ? " with TLS" : "");
  std::fflush(stdout);
  while (!gStop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Server.Active = false;
  std::printf("echo server stopped\n");
  return 0;
}
