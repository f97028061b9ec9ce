// bench_echo_ours: benchmark peer, this project's TIocpTCPServer as a line echo server, written as
// an Indy user writes it: OnExecute does ReadLn, then WriteLn of the same line (which ends it with
// CRLF); --mode event is the event model (OnMessage per line, no fiber). --mode picks how the
// server runs the handler; see kModes below. --tls-cert/--tls-key: the same over TLS (SSLOptions).
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <exception>
#include <string>

#include "Iocp.h"
#include "peer_common.h"

using namespace Iocp;

namespace {

// The handler every mode runs: blocking style, one line per call.
void echoLine(TIocpContext* AContext) {
  const std::string line = AContext->Connection->IOHandler->ReadLn();
  AContext->Connection->IOHandler->WriteLn(line);
}

void configureExecute(TIocpTCPServer& Server, const peer::Options& opt) {
  Server.IOHandlerOptions.IOHandlerType = iohIOCP;  // Completion engine, a fiber per connection.
  Server.IOHandlerOptions.IOCP.IOCPThreads = opt.threads;
  Server.OnExecute = echoLine;
}

void configureEvent(TIocpTCPServer& Server, const peer::Options& opt) {
  Server.IOHandlerOptions.IOHandlerType = iohIOCP;  // Completion engine, no fiber: the event model.
  Server.IOHandlerOptions.IOCP.IOCPThreads = opt.threads;
  Server.Framing.Kind = fkLine;  // OnMessage per line, without its CRLF; the echo puts it back.
  Server.OnMessage = [](TIocpContext* AContext, std::string_view ALine) {
    std::string out;
    out.reserve(ALine.size() + 2);
    out.append(ALine).append(EOL);
    AContext->Connection->IOHandler->Write(out);
  };
}

void configureDefault(TIocpTCPServer& Server, const peer::Options&) {
  Server.IOHandlerOptions.IOHandlerType = iohDefault;  // Indy's model: a thread per connection.
  Server.OnExecute = echoLine;
}

// ---- Modes: one row each. To add one (e.g. "event"), write its configure function and add a row.
struct Mode {
  const char* name;
  bool usesThreads;  // Whether --threads applies (IOHandlerOptions.IOCP.IOCPThreads).
  void (*configure)(TIocpTCPServer& Server, const peer::Options& opt);
};
const Mode kModes[] = {
    {"execute", true, configureExecute},   // iohIOCP, OnExecute (ReadLn/WriteLn on fibers).
    {"default", false, configureDefault},  // iohDefault, OnExecute on a thread per connection.
    {"event", true, configureEvent},       // iohIOCP, OnMessage (Framing fkLine), no fiber.
};

std::string modeNames() {
  std::string names;
  for (const Mode& m : kModes) names += (names.empty() ? "" : "|") + std::string(m.name);
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string modes = modeNames();
  const peer::Spec spec{"bench_echo_ours", 1024, modes.c_str(), kModes[0].name, true};
  const peer::Options opt = peer::parseArgs(argc, argv, spec);
  const Mode* mode = nullptr;
  for (const Mode& m : kModes) {
    if (opt.mode == m.name) mode = &m;
  }
  if (mode == nullptr) peer::badArguments(spec, "unknown mode " + opt.mode);  // parseArgs checked it already.
  if (!mode->usesThreads && opt.threadsGiven && opt.threads != 1) {
    peer::badArguments(spec, "--threads does not apply to --mode " + opt.mode + " (a thread per connection)");
  }
  peer::raiseFileLimit();

  TIocpTCPServer Server;
  TIocpSocketHandle& Binding = Server.Bindings.Add();
  Binding.IP = opt.host;
  Binding.Port = opt.port;
  Server.UseNagle = false;    // TCP_NODELAY on accepted connections.
  Server.MaxConnections = 0;  // Unlimited.
  Server.ListenQueue = 0;     // The system's maximum (net.core.somaxconn).
  mode->configure(Server, opt);
  if (!opt.tlsCert.empty()) {  // As an Indy user does: TIdServerIOHandlerSSLOpenSSL.SSLOptions.
    Server.SSLOptions.Enabled = true;
    Server.SSLOptions.CertFile = opt.tlsCert;
    Server.SSLOptions.KeyFile = opt.tlsKey;
  }

  // SIGINT/SIGTERM are blocked here, before the server starts its threads (they inherit the
  // mask), and taken by sigwait below.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  try {
    Server.Active = true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_echo_ours: listen on %s:%u: %s\n", opt.host.c_str(), static_cast<unsigned>(opt.port), e.what());
    return 1;
  }
  // What serves (epoll, io_uring, threads; IOCP_BACKEND picks io_uring): run.sh checks it.
  std::printf("backend %s\n", Server.ActiveBackend().c_str());
  peer::announce(Server.Bindings[0].Port);
  int signal = 0;
  while (sigwait(&stopSignals, &signal) != 0) {
  }
  Server.Active = false;  // Closes the listener and every connection.
  return 0;
}
