// The command line, file limit and readiness line shared by the benchmark's echo servers (peers):
//   --host A (IPv4, default 127.0.0.1)  --port N (0 = any free port)  --threads N  [--mode M]
//   [--tls-cert PEM --tls-key PEM] (servers that serve TLS: both or neither)
// Bad arguments: a message on stderr and exit 2. Ready: "listening on port N" on stdout.
#pragma once

#include <arpa/inet.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace peer {

struct Options {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  int threads = 1;
  bool threadsGiven = false;
  std::string mode;  // Only for servers that have modes.
  std::string tlsCert;  // --tls-cert: TLS with this certificate (PEM); empty = plain TCP.
  std::string tlsKey;   // --tls-key: its private key (PEM).
};

// What a server accepts besides --host and --port.
struct Spec {
  const char* name;         // Program name for messages.
  int maxThreads;           // 1 = single-threaded: --threads must be 1.
  const char* modes;        // nullptr = no --mode; else e.g. "execute|default".
  const char* defaultMode;  // --mode when not given.
  bool tls = false;         // Takes --tls-cert and --tls-key.
};

inline void printUsage(std::FILE* out, const Spec& spec) {
  std::fprintf(out, "usage: %s [--host A] [--port N] [--threads N]%s%s%s%s\n", spec.name,
               spec.modes ? " [--mode " : "", spec.modes ? spec.modes : "", spec.modes ? "]" : "",
               spec.tls ? " [--tls-cert PEM --tls-key PEM]" : "");
  std::fprintf(out,
               "  --host     IPv4 address to listen on; default 127.0.0.1\n"
               "  --port     TCP port; 0 (default) = any free port\n");
  if (spec.maxThreads > 1) {
    std::fprintf(out, "  --threads  threads serving connections, 1 to %d; default 1\n", spec.maxThreads);
  } else {
    std::fprintf(out, "  --threads  must be 1: this server is single-threaded by design\n");
  }
  if (spec.modes) std::fprintf(out, "  --mode     %s; default %s\n", spec.modes, spec.defaultMode);
  if (spec.tls) std::fprintf(out, "  --tls-cert, --tls-key  PEM files: serve TLS (TLS 1.2 and 1.3) with them\n");
  std::fprintf(out, "Prints 'listening on port N' when ready; SIGINT or SIGTERM stops it (exit 0).\n");
}

[[noreturn]] inline void badArguments(const Spec& spec, const std::string& why) {
  std::fprintf(stderr, "%s: %s\n", spec.name, why.c_str());
  printUsage(stderr, spec);
  std::exit(2);
}

inline int parseNumber(const Spec& spec, const std::string& option, const char* text, long lo, long hi) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || errno != 0 || v < lo || v > hi) {
    badArguments(spec, option + " wants a number from " + std::to_string(lo) + " to " +
                           std::to_string(hi) + ", got '" + text + "'");
  }
  return static_cast<int>(v);
}

inline bool modeListed(const char* modes, const std::string& mode) {
  const std::string list = std::string("|") + modes + "|";
  return !mode.empty() && list.find("|" + mode + "|") != std::string::npos;
}

inline Options parseArgs(int argc, char** argv, const Spec& spec) {
  Options o;
  if (spec.modes) o.mode = spec.defaultMode;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      printUsage(stdout, spec);
      std::exit(0);
    }
    if (arg != "--host" && arg != "--port" && arg != "--threads" && !(spec.modes && arg == "--mode") &&
        !(spec.tls && (arg == "--tls-cert" || arg == "--tls-key"))) {
      badArguments(spec, "unknown option '" + arg + "'");
    }
    if (i + 1 >= argc) badArguments(spec, arg + " needs a value");
    const char* value = argv[++i];
    if (arg == "--host") {
      in_addr a{};
      if (inet_pton(AF_INET, value, &a) != 1) badArguments(spec, "--host wants an IPv4 address, got '" + std::string(value) + "'");
      o.host = value;
    } else if (arg == "--port") {
      o.port = static_cast<unsigned short>(parseNumber(spec, arg, value, 0, 65535));
    } else if (arg == "--threads") {
      o.threads = parseNumber(spec, arg, value, 1, spec.maxThreads > 1 ? spec.maxThreads : 1);
      o.threadsGiven = true;
    } else if (arg == "--tls-cert") {
      o.tlsCert = value;
    } else if (arg == "--tls-key") {
      o.tlsKey = value;
    } else {
      if (!modeListed(spec.modes, value)) badArguments(spec, "--mode is one of " + std::string(spec.modes) + ", got '" + value + "'");
      o.mode = value;
    }
  }
  if (o.tlsCert.empty() != o.tlsKey.empty()) badArguments(spec, "--tls-cert and --tls-key go together");
  return o;
}

// Lets the benchmark use `ulimit -n` up to the hard limit: raise the soft limit to the hard one.
inline void raiseFileLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
  }
}

// The one line the benchmark script waits for.
inline void announce(unsigned port) {
  std::printf("listening on port %u\n", port);
  std::fflush(stdout);
}

}  // namespace peer
