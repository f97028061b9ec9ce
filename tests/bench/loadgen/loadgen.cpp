// bench_loadgen: the load client of the echo benchmarks. Plain C++17 and Linux epoll, so that it
// shares no code (and no bugs) with the servers it measures; OpenSSL for --tls only.
//
//   bench_loadgen --port P [--host 127.0.0.1] --connections N --size S --depth D --duration SEC
//                 [--warmup SEC] [--threads T] [--sources A,B,...] [--connect-timeout SEC]
//                 [--connect-window K] [--drain SEC] [--rate R] [--tls [--tls-version V]]
//                 [--handshakes] [--json]
//
// Method
//   Messages. Every message is one line of exactly S bytes ending in CRLF (S >= 17; Indy's WriteLn
//   ends a line with CRLF, so an Indy-style ReadLn/WriteLn echo returns the same bytes). Message
//   number q of connection c is a pure function of (c, q, S): a 15-byte header "cccccc:qqqqqqqq"
//   (c and the low 32 bits of q in hex), then pseudo-random printable bytes ('0' to 'o', from a
//   64-bit hash of (c, q, position / 8)), then "\r\n". Nothing sent is kept: the expected bytes are
//   generated again when their echo arrives.
//
//   Validation. An echo server must return exactly the byte stream it received. Every byte read
//   is compared with the byte expected at that position of that connection's stream, so a changed
//   byte, a dropped or added byte (a lost '\n' shifts everything after it), and bytes meant for
//   another connection (its header and body differ) are all found at the first wrong byte. Bytes
//   that arrive beyond what has been written are an error too (echo longer than sent). After the
//   measurement every connection must get back all it sent within --drain seconds (default 5),
//   otherwise it counts as a short echo; then one more read per connection checks that nothing
//   follows the last echo. A connection with a validation error or a connection error (reset,
//   EOF, other) is closed and counted once; the others carry on. At the end the connections are
//   reset (SO_LINGER 0) rather than closed: a normal close would leave every client port in
//   TIME_WAIT for a minute, which slows the connect phase of the next run several times over.
//
//   Phase 1, connect. N non-blocking connects with TCP_NODELAY, connection i on thread i mod T (each
//   thread has its own epoll set) and, with --sources, bound to source address i mod K before connect
//   (IP_BIND_ADDRESS_NO_PORT, so the port is picked at connect time per 4-tuple and each source
//   address adds a full ephemeral port range; beyond half a range per address Linux's port search
//   makes connect() itself several times slower, so a warning asks for more sources). All connects
//   are issued at once unless --connect-window limits how many are in progress. Connected means the
//   client's handshake finished (SO_ERROR 0); the server may not have accept()ed yet, which the
//   warmup absorbs. connect_seconds runs from the first connect() to the last connection settling
//   (connected or failed); connect_rate = connected / connect_seconds. Connections not settled after
//   --connect-timeout (default 30 s) fail. connect_retransmits adds up tcpi_total_retrans of the new
//   connections: non-zero means SYNs were dropped (a full accept queue, usually) and the connect time
//   includes the kernel's retransmission timeouts (1 s, 3 s, ...).
//
//   Offered load. By default every connection sends its next message as soon as the window
//   (--depth) allows, so client and server run as fast as the slower of them (on a machine whose
//   cores they share, both near saturation: the server's CPU per round trip then also reflects how
//   its batching reacts to that pressure). --rate R caps new messages at R per second in total
//   (each thread R/T, a token bucket refilled continuously and holding at most a millisecond's
//   worth): below both sides' capacity the offered load, and so the server's batching, is the same
//   for every server, and server CPU per round trip compares what each costs per message.
//   Latency is still measured from a message's send, not from when the bucket would have let it go.
//
//   Phase 2, traffic. Every connection writes D messages and then one more each time an echo is
//   complete, so D messages are always outstanding (D = 1 is strict ping-pong). Writes batch all
//   messages the window allows into one send(); partial writes and reads are resumed (edge-
//   triggered epoll, reads until a short read or EAGAIN). The first --warmup seconds (default 1)
//   are not counted; then the measurement runs for --duration seconds. A round trip is counted
//   when its echo completes inside the measurement window, whenever it was sent. After the window
//   no new message is started (drain, see Validation).
//
//   Latency of a message: from just before the send() that hands its last byte to the kernel to
//   just after the read() that returns the last byte of its echo (CLOCK_MONOTONIC). It includes
//   the client's own event loop delay. The client is closed-loop, so latency does not include
//   time a message would have waited had the load been open-loop (coordinated omission).
//   Percentiles are nearest-rank over all measured round trips, taken from a log-linear
//   histogram in nanoseconds with 128 sub-buckets per power of two: the reported value is the
//   upper bound of the bucket (never below the true percentile, at most 0.79% above it); max and
//   mean are exact.
//
//   Rates. rt_per_s = round trips / duration; bytes_per_s = round_trips * S / duration, the
//   payload echoed per second in one direction. client_cpu_s is getrusage(RUSAGE_SELF) user +
//   system time over the measurement window only (sampled at its start and end);
//   client_cpu_total_s is the whole run. Over loopback the system time includes the kernel's TCP
//   receive work for what the client sends, done in the sender's context.
//
//   Counters. errors = resets + eofs + other_errors: connections lost at any time after they
//   connected (warmup, measurement or drain). validation_errors = validation_mismatch (wrong
//   byte) + validation_long + validation_short, one per connection at most. rt_per_conn_min/max
//   and stalled_connections (no round trip inside the window) cover the connections that ended
//   healthy, to show a server that starves some connections.
//
//   TLS (--tls). Every connection runs a TLS client (OpenSSL, non-blocking, over the same socket and
//   epoll set; TLS 1.3 unless --tls-version 1.2; the library's default cipher suites; the server's
//   certificate is not checked: the benchmark measures cost, on loopback). A connection counts as
//   connected once its TLS handshake is done, so with --tls connect_rate is handshakes per second
//   with all N in flight. Messages are written with SSL_write (one TLS record per batch, at most
//   16 KiB) and read with SSL_read until it wants more; validation is unchanged.
//
//   Handshakes (--handshakes). Instead of keeping its connection, every connection runs cycles:
//   connect, the TLS handshake (with --tls), one message and its validated echo, then a reset
//   (SO_LINGER 0, so that neither side keeps the port in TIME_WAIT), and at once the next cycle. A
//   round trip is then one whole cycle: rt_per_s is handshakes (new connections) per second,
//   server_cpu_us_per_rt the server's CPU per handshake, and the latency that of the whole cycle.
//   --depth must be 1. No session is resumed: every cycle is a full handshake.
//
// Output: a summary on stderr; with --json also one JSON object on one line on stdout.
// Exit 0: every connection connected, no connection error, no validation error, and round trips
// were measured. Exit 1 otherwise (the reasons on stderr). Exit 2: bad arguments, or more
// connections than the file limit or the local port range allow.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace {

constexpr const char* kName = "bench_loadgen";
constexpr std::uint32_t kHeaderSize = 15;  // "cccccc:qqqqqqqq"
constexpr std::uint32_t kMinSize = kHeaderSize + 2;  // The header, then CRLF.
constexpr std::uint32_t kMaxSize = 16u << 20;
constexpr std::uint32_t kMaxDepth = 4096;
constexpr std::uint32_t kMaxConnections = 1u << 24;  // The header holds 6 hex digits.
constexpr int kMaxThreads = 256;
constexpr int kMaxEvents = 1024;
constexpr std::size_t kReserveFiles = 32;  // stdio, epoll sets and slack besides the sockets.
constexpr std::size_t kMaxNotes = 8;       // Error descriptions kept per thread.

// ---------------------------------------------------------------------------------------------
// Command line

struct Options {
  std::string host = "127.0.0.1";
  in_addr hostAddr{};
  int port = -1;
  std::uint32_t connections = 0;
  std::uint32_t size = 0;
  std::uint32_t depth = 0;
  double duration = -1;
  double warmup = 1;
  int threads = 1;
  std::vector<in_addr> sources;
  double connectTimeout = 30;
  std::uint32_t connectWindow = 0;  // 0 = all connects at once.
  double drain = 5;
  double rate = 0;  // --rate: new messages per second in total; 0 = no cap.
  bool json = false;
  bool idle = false;  // --idle: connect, then hold the connections without traffic.
  bool tls = false;   // --tls: TLS over every connection.
  int tlsVersion = 13;  // --tls-version: 12 or 13.
  bool handshakes = false;  // --handshakes: connect, one echo, reset, again.
  std::vector<int> serverPids;  // --server-pid: the processes whose CPU, threads and memory add up.
};

void printUsage(std::FILE* out) {
  std::fprintf(out,
               "usage: %s --port P [--host A] --connections N --size S --depth D --duration SEC\n"
               "       [--warmup SEC] [--threads T] [--sources A,B,...] [--connect-timeout SEC]\n"
               "       [--connect-window K] [--drain SEC] [--rate R] [--tls [--tls-version V]] [--handshakes]\n"
               "       [--json]\n"
               "  --port             server TCP port (required)\n"
               "  --host             server IPv4 address; default 127.0.0.1\n"
               "  --connections      connections to open, 1 to %u (required)\n"
               "  --size             bytes per message including the final newline, %u to %u (required)\n"
               "  --depth            messages outstanding per connection, 1 to %u; 1 = ping-pong (required)\n"
               "  --duration         measured seconds, > 0 (required)\n"
               "  --warmup           seconds of traffic before the measurement; default 1\n"
               "  --threads          client threads, each with its own epoll set, 1 to %d; default 1\n"
               "  --sources          comma-separated local IPv4 addresses to bind, spread round-robin;\n"
               "                     each one adds a full ephemeral port range\n"
               "  --connect-timeout  seconds for the whole connect phase; default 30\n"
               "  --connect-window   at most K connects in progress at once; default 0 = all at once\n"
               "  --drain            seconds to wait after the measurement for outstanding echoes; default 5\n"
               "  --rate             at most R new messages per second in total (a fixed offered load);\n"
               "                     default 0 = as fast as the window and the server allow\n"
               "  --json             also print one JSON object (one line) on stdout\n"
               "  --idle             connect, then hold the connections for warmup + duration seconds without\n"
               "                     traffic (with --server-pid: the server's memory per idle connection)\n"
               "  --server-pid PID   also report that process's CPU time during the measurement (per round\n"
               "                     trip), its threads and resident memory (from /proc); PID,PID,... adds up\n"
               "                     several processes (a proxy and the server behind it)\n"
               "  --tls              TLS over every connection (OpenSSL; the certificate is not checked)\n"
               "  --tls-version V    1.2 or 1.3; default 1.3\n"
               "  --handshakes       each connection cycles: connect, handshake, one echo, reset; a round\n"
               "                     trip is one cycle (handshakes per second); needs --depth 1\n"
               "Exit status: 0 all connected and every echo valid; 1 failures (reasons on stderr);\n"
               "2 bad arguments.\n",
               kName, kMaxConnections, kMinSize, kMaxSize, kMaxDepth, kMaxThreads);
}

[[noreturn]] void badArguments(const std::string& why) {
  std::fprintf(stderr, "%s: %s\n", kName, why.c_str());
  printUsage(stderr);
  std::exit(2);
}

std::uint64_t parseUnsigned(const std::string& option, const char* text, std::uint64_t lo, std::uint64_t hi) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (text[0] == '\0' || text[0] == '-' || text[0] == '+' || *end != '\0' || errno != 0 || v < lo || v > hi) {
    badArguments(option + " wants a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got '" +
                 text + "'");
  }
  return v;
}

double parseSeconds(const std::string& option, const char* text, bool allowZero) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text, &end);
  if (text[0] == '\0' || *end != '\0' || errno != 0 || !std::isfinite(v) || v < 0 || (v == 0 && !allowZero) ||
      v > 1e6) {
    badArguments(option + (allowZero ? " wants seconds from 0" : " wants seconds above 0") + " to 1000000, got '" +
                 text + "'");
  }
  return v;
}

in_addr parseAddress(const std::string& option, const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) {
    badArguments(option + (option == "--sources" ? " wants IPv4 addresses" : " wants an IPv4 address") + ", got '" +
                 text + "'");
  }
  return a;
}

Options parseArgs(int argc, char** argv) {
  Options o;
  o.hostAddr = parseAddress("--host", o.host);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool hasValue = false;
    const std::size_t eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
      hasValue = true;
    }
    if (arg == "--help" || arg == "-h") {
      printUsage(stdout);
      std::exit(0);
    }
    if (arg == "--idle") {
      if (hasValue) badArguments("--idle takes no value");
      o.idle = true;
      continue;
    }
    if (arg == "--json" || arg == "--tls" || arg == "--handshakes") {
      if (hasValue) badArguments(arg + " takes no value");
      (arg == "--json" ? o.json : arg == "--tls" ? o.tls : o.handshakes) = true;
      continue;
    }
    static const char* const kValued[] = {
        "--port",    "--host",    "--connections",     "--size",           "--depth", "--duration", "--warmup",
        "--threads", "--sources", "--connect-timeout", "--connect-window", "--drain", "--server-pid", "--rate",
        "--tls-version"};
    if (std::find_if(std::begin(kValued), std::end(kValued), [&](const char* k) { return arg == k; }) ==
        std::end(kValued)) {
      badArguments("unknown option '" + arg + "'");
    }
    if (!hasValue) {
      if (i + 1 >= argc) badArguments(arg + " needs a value");
      value = argv[++i];
    }
    const char* v = value.c_str();
    if (arg == "--port") {
      o.port = static_cast<int>(parseUnsigned(arg, v, 1, 65535));
    } else if (arg == "--host") {
      o.hostAddr = parseAddress(arg, value);
      o.host = value;
    } else if (arg == "--connections") {
      o.connections = static_cast<std::uint32_t>(parseUnsigned(arg, v, 1, kMaxConnections));
    } else if (arg == "--size") {
      o.size = static_cast<std::uint32_t>(parseUnsigned(arg, v, kMinSize, kMaxSize));
    } else if (arg == "--depth") {
      o.depth = static_cast<std::uint32_t>(parseUnsigned(arg, v, 1, kMaxDepth));
    } else if (arg == "--duration") {
      o.duration = parseSeconds(arg, v, false);
    } else if (arg == "--warmup") {
      o.warmup = parseSeconds(arg, v, true);
    } else if (arg == "--threads") {
      o.threads = static_cast<int>(parseUnsigned(arg, v, 1, kMaxThreads));
    } else if (arg == "--sources") {
      o.sources.clear();
      std::size_t start = 0;
      for (;;) {
        const std::size_t comma = value.find(',', start);
        const std::string one = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const in_addr a = parseAddress(arg, one);
        for (const in_addr& seen : o.sources) {
          if (seen.s_addr == a.s_addr) badArguments("--sources lists " + one + " twice");
        }
        o.sources.push_back(a);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (arg == "--connect-timeout") {
      o.connectTimeout = parseSeconds(arg, v, false);
    } else if (arg == "--connect-window") {
      o.connectWindow = static_cast<std::uint32_t>(parseUnsigned(arg, v, 0, kMaxConnections));
    } else if (arg == "--rate") {
      o.rate = static_cast<double>(parseUnsigned(arg, v, 0, 100000000));
    } else if (arg == "--server-pid") {
      o.serverPids.clear();
      std::size_t start = 0;
      for (;;) {
        const std::size_t comma = value.find(',', start);
        const std::string one = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        o.serverPids.push_back(static_cast<int>(parseUnsigned(arg, one.c_str(), 1, 4194304)));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (arg == "--tls-version") {
      if (value != "1.2" && value != "1.3") badArguments("--tls-version wants 1.2 or 1.3, got '" + value + "'");
      o.tlsVersion = value == "1.2" ? 12 : 13;
    } else {  // --drain
      o.drain = parseSeconds(arg, v, false);
    }
  }
  if (o.port < 0) badArguments("--port is required");
  if (o.connections == 0) badArguments("--connections is required");
  if (o.size == 0) badArguments("--size is required");
  if (o.depth == 0) badArguments("--depth is required");
  if (o.duration < 0) badArguments("--duration is required");
  if (o.handshakes && o.depth != 1) badArguments("--handshakes needs --depth 1 (one echo per connection)");
  if (o.handshakes && o.idle) badArguments("--handshakes and --idle exclude each other");
  if (static_cast<std::uint32_t>(o.threads) > o.connections) {
    badArguments("--threads " + std::to_string(o.threads) + " exceeds --connections " + std::to_string(o.connections));
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Time, message content, latency histogram

std::uint64_t nowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t secondsToNs(double s) { return static_cast<std::uint64_t>(std::llround(s * 1e9)); }

// Milliseconds for epoll_wait until `until` (rounded up so that the deadline has passed on wake).
int msUntil(std::uint64_t now, std::uint64_t until) {
  if (until <= now) return 0;
  const std::uint64_t ms = (until - now + 999999) / 1000000;
  return static_cast<int>(std::min<std::uint64_t>(ms, 1000));
}

std::uint64_t mix64(std::uint64_t z) {  // splitmix64's finaliser
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr char kHex[] = "0123456789abcdef";

// Eight body bytes at once: a hashed 64-bit word, each byte cut to 6 bits and moved to 0x30..0x6f
// ('0' to 'o': printable, never '\n'), taken in memory order.
std::uint64_t bodyWord(std::uint64_t key, std::uint64_t block) {
  std::uint64_t z = key ^ (block * 0x9E3779B97F4A7C15ull);
  z ^= z >> 31;
  z *= 0xBF58476D1CE4E5B9ull;
  z ^= z >> 29;
  return (z & 0x3F3F3F3F3F3F3F3Full) + 0x3030303030303030ull;
}

// Writes bytes [off, off + len) of message `seq` of connection `conn` (`size` bytes) to `out`.
void messageBytes(std::uint32_t conn, std::uint64_t seq, std::uint32_t size, std::uint32_t off, std::uint32_t len,
                  char* out) {
  const std::uint32_t end = off + len;
  std::uint32_t p = off;
  if (p < kHeaderSize && p < end) {
    char header[kHeaderSize];
    for (int i = 0; i < 6; ++i) header[i] = kHex[(conn >> (4 * (5 - i))) & 15];
    header[6] = ':';
    for (int i = 0; i < 8; ++i) header[7 + i] = kHex[(seq >> (4 * (7 - i))) & 15];
    const std::uint32_t n = std::min(end, kHeaderSize) - p;
    std::memcpy(out, header + p, n);
    out += n;
    p += n;
  }
  const std::uint32_t bodyEnd = size - 2;
  if (p < end && p < bodyEnd) {
    const std::uint64_t key = mix64(static_cast<std::uint64_t>(conn) * 0xD1B54A32D192ED03ull ^ mix64(seq));
    const std::uint32_t stop = std::min(end, bodyEnd);
    std::uint32_t rel = p - kHeaderSize;
    if ((rel & 7) != 0) {  // Start inside a word.
      const std::uint64_t w = bodyWord(key, rel >> 3);
      const std::uint32_t j = rel & 7;
      const std::uint32_t n = std::min(8 - j, stop - p);
      std::memcpy(out, reinterpret_cast<const char*>(&w) + j, n);
      out += n;
      p += n;
      rel += n;
    }
    for (; p + 8 <= stop; p += 8, rel += 8, out += 8) {
      const std::uint64_t w = bodyWord(key, rel >> 3);
      std::memcpy(out, &w, 8);
    }
    if (p < stop) {  // End inside a word.
      const std::uint64_t w = bodyWord(key, rel >> 3);
      std::memcpy(out, &w, stop - p);
      out += stop - p;
      p = stop;
    }
  }
  if (p < end && p == size - 2) {
    *out++ = '\r';
    ++p;
  }
  if (p < end) *out = '\n';  // p == size - 1
}

// Log-linear histogram of nanoseconds: values below 256 exactly, above that 128 buckets per power
// of two, so a bucket is at most 1/128 of its lower bound wide.
class Histogram {
 public:
  Histogram() : counts_(kBuckets, 0) {}

  void record(std::uint64_t v) {
    ++counts_[index(v)];
    ++count_;
    sum_ += v;
    max_ = std::max(max_, v);
  }

  void merge(const Histogram& other) {
    for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    sum_ += other.sum_;
    max_ = std::max(max_, other.max_);
  }

  std::uint64_t count() const { return count_; }
  std::uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }

  // Nearest rank: the smallest recorded value v with at least q * count values <= v; reported as
  // its bucket's upper bound (clamped to the exact maximum).
  std::uint64_t percentile(double q) const {
    if (count_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
    rank = std::max<std::uint64_t>(1, std::min(rank, count_));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(upper(i), max_);
    }
    return max_;
  }

 private:
  static constexpr unsigned kSubBits = 7;
  static constexpr std::uint64_t kSub = 1u << kSubBits;
  static constexpr std::size_t kBuckets = 2 * kSub + (63 - kSubBits) * kSub;

  static std::size_t index(std::uint64_t v) {
    if (v < 2 * kSub) return static_cast<std::size_t>(v);
    const unsigned msb = 63u - static_cast<unsigned>(__builtin_clzll(v));
    const unsigned shift = msb - kSubBits;
    return static_cast<std::size_t>(2 * kSub + (shift - 1) * kSub + ((v >> shift) - kSub));
  }

  static std::uint64_t upper(std::size_t i) {
    if (i < 2 * kSub) return i;
    const std::uint64_t k = i - 2 * kSub;
    const std::uint64_t shift = k / kSub + 1;
    const std::uint64_t mantissa = k % kSub + kSub;
    return ((mantissa + 1) << shift) - 1;
  }

  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
};

std::string printable(const char* p, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c == '\n') {
      s += "\\n";
    } else if (c < 32 || c > 126 || c == '\\') {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      s += hex;
    } else {
      s += static_cast<char>(c);
    }
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// One client thread: its share of the connections and its own epoll set

enum class State : std::uint8_t { Idle, Connecting, Handshaking, Open, Closed };

struct Conn {
  int fd = -1;
  SSL* ssl = nullptr;          // --tls: the connection's TLS client.
  std::uint32_t tlsRetry = 0;  // --tls: SSL_write wants these bytes again (same data, same length).
  std::uint64_t cycleStart = 0;  // --handshakes: when this cycle's connect() was issued.
  std::uint32_t id = 0;  // Global connection number, part of every message.
  State state = State::Idle;
  bool wantWrite = false;      // A send() stopped short: continue on EPOLLOUT.
  bool draining = false;       // Counted in Worker::drainPending_.
  std::uint32_t sendOff = 0;   // Bytes of message `sent` already written.
  std::uint32_t recvOff = 0;   // Bytes of message `recv` already echoed.
  std::uint64_t sent = 0;      // Messages completely written.
  std::uint64_t recv = 0;      // Messages completely echoed.
  std::uint64_t measured = 0;  // Round trips completed inside the measurement window.
};

struct Stats {
  std::uint64_t connected = 0;
  std::uint64_t connectFailures = 0;
  std::uint64_t connectRetransmits = 0;
  std::uint64_t lastSettled = 0;               // When the last connection of the connect phase settled.
  std::map<int, std::uint64_t> connectErrors;  // errno -> count
  std::uint64_t roundTrips = 0;
  std::uint64_t resets = 0;
  std::uint64_t eofs = 0;
  std::uint64_t otherErrors = 0;
  std::uint64_t mismatches = 0;   // A byte differs from the one sent at that position.
  std::uint64_t longEchoes = 0;   // More bytes came back than were sent.
  std::uint64_t shortEchoes = 0;  // Sent bytes did not come back within --drain.
  std::uint64_t stalled = 0;      // Healthy connections without a measured round trip.
  std::uint64_t minPerConn = UINT64_MAX;
  std::uint64_t maxPerConn = 0;
  Histogram latency;
  std::vector<std::string> notes;
};

class Worker {
 public:
  Worker(const Options& opt, SSL_CTX* tls, std::vector<std::uint32_t> ids)
      : opt_(opt), tls_(tls), sentAt_(ids.size() * opt.depth, 0) {
    conns_.resize(ids.size());
    queued_.assign(ids.size(), false);
    ratePerNs_ = opt.rate / opt.threads / 1e9;
    burst_ = std::max(1.0, opt.rate / opt.threads / 1000.0);  // A millisecond's worth.
    for (std::size_t i = 0; i < ids.size(); ++i) conns_[i].id = ids[i];
    const std::uint64_t window = static_cast<std::uint64_t>(opt.depth) * opt.size;
    sendCap_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(window, 256 * 1024));
    readCap_ =
        static_cast<std::uint32_t>(std::max<std::uint64_t>(64 * 1024, std::min<std::uint64_t>(window, 256 * 1024)));
    sendBuf_.resize(sendCap_);
    readBuf_.resize(readCap_);
    expectBuf_.resize(readCap_);
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) {
      std::fprintf(stderr, "%s: epoll_create1: %s\n", kName, std::strerror(errno));
      std::exit(1);
    }
    dst_.sin_family = AF_INET;
    dst_.sin_port = htons(static_cast<std::uint16_t>(opt.port));
    dst_.sin_addr = opt.hostAddr;
  }

  ~Worker() {
    for (Conn& c : conns_) {
      SSL_free(c.ssl);
      if (c.fd >= 0) close(c.fd);
    }
    close(ep_);
  }

  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  Stats stats;

  void connectPhase(std::uint64_t deadline, std::uint32_t window) {
    std::vector<epoll_event> events(kMaxEvents);
    std::size_t next = 0;
    std::uint32_t inProgress = 0;
    for (;;) {
      while (next < conns_.size() && (window == 0 || inProgress < window)) {
        if (startConnect(next++)) ++inProgress;
      }
      if (inProgress == 0 && next == conns_.size()) break;
      const std::uint64_t now = nowNs();
      if (now >= deadline) break;
      const int n = epoll_wait(ep_, events.data(), kMaxEvents, msUntil(now, deadline));
      if (n < 0) {
        if (errno == EINTR) continue;
        std::fprintf(stderr, "%s: epoll_wait: %s\n", kName, std::strerror(errno));
        std::exit(1);
      }
      const std::uint64_t t = nowNs();
      for (int i = 0; i < n; ++i) {
        Conn& c = conns_[events[i].data.u64];
        if (c.state != State::Connecting && c.state != State::Handshaking) continue;
        if (settle(c, events[i].events, t)) --inProgress;
      }
    }
    const std::uint64_t t = nowNs();
    for (Conn& c : conns_) {
      if (c.state == State::Connecting || c.state == State::Handshaking || c.state == State::Idle) {
        connectFailed(c, ETIMEDOUT, t);
      }
    }
  }

  void trafficPhase(std::uint64_t measureStart, std::uint64_t measureEnd, std::uint64_t drainEnd) {
    inTraffic_ = true;
    measureStart_ = measureStart;
    measureEnd_ = measureEnd;
    now_ = nowNs();
    lastRefill_ = now_;
    tokens_ = burst_;
    for (Conn& c : conns_) {
      if (c.state == State::Open) sendMore(c);
    }
    std::vector<epoll_event> events(kMaxEvents);
    bool draining = false;
    for (;;) {
      now_ = nowNs();
      if (!draining && now_ >= measureEnd_) {
        draining = true;
        for (Conn& c : conns_) {
          if (c.state == State::Open && busy(c)) {
            c.draining = true;
            ++drainPending_;
          }
        }
      }
      if (draining && (drainPending_ == 0 || now_ >= drainEnd)) break;
      if (limited()) releaseWaiting();
      int timeout = msUntil(now_, draining ? drainEnd : measureEnd_);
      if (limited() && !waiting_.empty()) timeout = std::min(timeout, 1);  // The bucket refills.
      const int n = epoll_wait(ep_, events.data(), kMaxEvents, timeout);
      if (n < 0) {
        if (errno == EINTR) continue;
        std::fprintf(stderr, "%s: epoll_wait: %s\n", kName, std::strerror(errno));
        std::exit(1);
      }
      now_ = nowNs();
      for (int i = 0; i < n; ++i) {
        Conn& c = conns_[events[i].data.u64];
        const std::uint32_t ev = events[i].events;
        if (c.state == State::Connecting || c.state == State::Handshaking) {  // --handshakes: a new cycle.
          if (draining) {
            drop(c);
          } else if (settle(c, ev, now_) && c.state == State::Open) {
            sendMore(c);
          }
          continue;
        }
        if (c.state != State::Open) continue;
        bool progressed = false;
        if ((ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
          if (!readAll(c, ev, progressed)) continue;
        }
        if (opt_.handshakes && progressed && !busy(c) && now_ < measureEnd_) {  // The cycle's echo is back.
          nextCycle(c);
          continue;
        }
        if (progressed || (c.wantWrite && (ev & EPOLLOUT) != 0)) {
          if (!sendMore(c)) continue;
        }
        if (c.draining && !busy(c)) {
          c.draining = false;
          --drainPending_;
        }
      }
    }
    for (Conn& c : conns_) {  // --handshakes: cycles cut short by the end are not counted.
      if (c.state == State::Connecting || c.state == State::Handshaking) drop(c);
    }
    finish();
  }

 private:
  bool limited() const { return ratePerNs_ > 0; }

  // --rate: takes a token for a new message, or queues the connection until one comes.
  void refill() {
    tokens_ = std::min(burst_, tokens_ + static_cast<double>(now_ - lastRefill_) * ratePerNs_);
    lastRefill_ = now_;
  }

  bool takeToken(Conn& c) {
    if (tokens_ < 1) refill();
    if (tokens_ >= 1) {
      tokens_ -= 1;
      return true;
    }
    const std::size_t index = static_cast<std::size_t>(&c - conns_.data());
    if (!queued_[index]) {
      queued_[index] = true;
      waiting_.push_back(static_cast<std::uint32_t>(index));
    }
    return false;
  }

  // --rate: the queued connections send as far as the refilled bucket allows, oldest first.
  void releaseWaiting() {
    refill();
    while (tokens_ >= 1 && !waiting_.empty()) {
      const std::uint32_t index = waiting_.front();
      waiting_.pop_front();
      queued_[index] = false;
      Conn& c = conns_[index];
      if (c.state == State::Open) sendMore(c);
    }
  }

  bool startConnect(std::size_t index) {
    Conn& c = conns_[index];
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      connectFailed(c, errno, nowNs());
      return false;
    }
    const int one = 1;
    if (setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
      connectFailed(c, errno, nowNs());
      return false;
    }
    if (!opt_.sources.empty()) {
      sockaddr_in src{};
      src.sin_family = AF_INET;
      src.sin_addr = opt_.sources[c.id % opt_.sources.size()];
      (void)setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      if (bind(c.fd, reinterpret_cast<const sockaddr*>(&src), sizeof src) != 0) {
        connectFailed(c, errno, nowNs());
        return false;
      }
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = index;
    if (epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev) != 0) {
      connectFailed(c, errno, nowNs());
      return false;
    }
    c.cycleStart = nowNs();
    c.state = State::Connecting;
    if (connect(c.fd, reinterpret_cast<const sockaddr*>(&dst_), sizeof dst_) == 0) return !connected(c, nowNs());
    if (errno != EINPROGRESS) {
      connectFailed(c, errno, nowNs());
      return false;
    }
    return true;
  }

  // An event on a connection that is connecting or in its TLS handshake; returns true once it has
  // settled (open or failed).
  bool settle(Conn& c, std::uint32_t events, std::uint64_t t) {
    if (c.state == State::Handshaking) return handshake(c, t);
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err == 0 && (events & (EPOLLERR | EPOLLHUP)) != 0) err = ECONNRESET;
    if (err != 0) {
      connectFailed(c, err, t);
      return true;
    }
    return connected(c, t);
  }

  // TCP is up: open, or with --tls start the handshake. Returns true once settled.
  bool connected(Conn& c, std::uint64_t t) {
    tcp_info info{};
    socklen_t len = sizeof info;
    if (getsockopt(c.fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0) stats.connectRetransmits += info.tcpi_total_retrans;
    if (tls_ == nullptr) {
      opened(c, t);
      return true;
    }
    c.ssl = SSL_new(tls_);
    if (c.ssl == nullptr || SSL_set_fd(c.ssl, c.fd) != 1) {
      tlsFailed(c, "SSL_new", t);
      return true;
    }
    SSL_set_connect_state(c.ssl);
    c.state = State::Handshaking;
    return handshake(c, t);
  }

  bool handshake(Conn& c, std::uint64_t t) {
    ERR_clear_error();
    const int r = SSL_do_handshake(c.ssl);
    if (r == 1) {
      opened(c, t);
      return true;
    }
    const int e = SSL_get_error(c.ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return false;  // The next edge resumes it.
    tlsFailed(c, "handshake", t);
    return true;
  }

  void opened(Conn& c, std::uint64_t t) {
    c.state = State::Open;
    if (inTraffic_) return;  // --handshakes: a later cycle; the first one counted as connected.
    ++stats.connected;
    stats.lastSettled = std::max(stats.lastSettled, t);
  }

  void tlsFailed(Conn& c, const char* what, std::uint64_t t) {
    char text[256] = "the server closed the connection";
    if (const unsigned long e = ERR_get_error()) ERR_error_string_n(e, text, sizeof text);
    note("connection " + std::to_string(c.id) + ": TLS " + what + ": " + text);
    if (inTraffic_) {
      ++stats.otherErrors;
      drop(c);
    } else {
      connectFailed(c, EPROTO, t);
    }
  }

  void connectFailed(Conn& c, int err, std::uint64_t t) {
    if (inTraffic_) {  // --handshakes: a later cycle's connect.
      connectionError(c, err);
      return;
    }
    SSL_free(c.ssl);
    c.ssl = nullptr;
    if (c.fd >= 0) close(c.fd);
    c.fd = -1;
    c.state = State::Closed;
    ++stats.connectFailures;
    ++stats.connectErrors[err];
    stats.lastSettled = std::max(stats.lastSettled, t);
  }

  // --handshakes: the cycle's echo is back: reset the connection and connect again.
  void nextCycle(Conn& c) {
    linger lg{};
    lg.l_onoff = 1;
    lg.l_linger = 0;
    (void)setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    drop(c);
    const std::size_t index = static_cast<std::size_t>(&c - conns_.data());
    if (!startConnect(index) && c.state == State::Open) sendMore(c);
  }

  void note(const std::string& text) {
    if (stats.notes.size() < kMaxNotes) stats.notes.push_back(text);
  }

  void drop(Conn& c) {
    SSL_free(c.ssl);
    c.ssl = nullptr;
    c.tlsRetry = 0;
    if (c.fd >= 0) close(c.fd);  // Also leaves the epoll set.
    c.fd = -1;
    c.state = State::Closed;
    if (c.draining) {
      c.draining = false;
      --drainPending_;
    }
  }

  void connectionError(Conn& c, int err) {  // err 0 = EOF
    if (err == 0) {
      ++stats.eofs;
      note("connection " + std::to_string(c.id) + ": EOF from the server after " + std::to_string(c.recv) +
           " echoed messages");
    } else {
      if (err == ECONNRESET || err == EPIPE) {
        ++stats.resets;
      } else {
        ++stats.otherErrors;
      }
      note("connection " + std::to_string(c.id) + ": " + std::strerror(err) + " after " + std::to_string(c.recv) +
           " echoed messages");
    }
    drop(c);
  }

  static bool busy(const Conn& c) { return c.recv != c.sent || c.recvOff != 0 || c.sendOff != 0; }

  std::uint64_t bytesSent(const Conn& c) const { return c.sent * opt_.size + c.sendOff; }
  std::uint64_t bytesEchoed(const Conn& c) const { return c.recv * opt_.size + c.recvOff; }

  // Writes what the window allows; returns false if the connection was dropped.
  bool sendMore(Conn& c) {
    const std::uint32_t size = opt_.size;
    const bool startNew = now_ < measureEnd_;
    for (;;) {
      const std::uint64_t limit = startNew ? c.recv + opt_.depth : c.sent + (c.sendOff != 0 ? 1 : 0);
      std::uint32_t len = 0;
      std::uint64_t seq = c.sent;
      std::uint32_t off = c.sendOff;
      // --tls: after SSL_write wanted to wait, the same bytes again (nothing has been counted as
      // sent, so they are regenerated alike; their messages' tokens were taken the first time).
      const std::uint32_t again = c.tlsRetry;
      while ((seq < limit || len < again) && len < sendCap_) {
        if (off == 0 && len >= again && limited() && !takeToken(c)) break;  // A new message waits for its token.
        const std::uint32_t n = std::min(size - off, sendCap_ - len);
        messageBytes(c.id, seq, size, off, n, sendBuf_.data() + len);
        len += n;
        if (off + n < size) break;
        ++seq;
        off = 0;
      }
      if (len == 0) {
        c.wantWrite = false;
        return true;
      }
      const std::uint64_t t = nowNs();
      const ssize_t w = wireSend(c, sendBuf_.data(), len);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          c.wantWrite = true;
          return true;
        }
        connectionError(c, errno);
        return false;
      }
      auto left = static_cast<std::uint32_t>(w);
      while (left > 0) {
        const std::uint32_t need = size - c.sendOff;
        if (left < need) {
          c.sendOff += left;
          break;
        }
        left -= need;
        sentAt_[slot(c, c.sent)] = t;
        ++c.sent;
        c.sendOff = 0;
      }
      // A short send: loop, the next one normally reports EAGAIN and arms EPOLLOUT.
    }
  }

  // send() and recv(), or with --tls SSL_write() and SSL_read(), alike: > 0 bytes, 0 end of stream
  // (wireRecv), -1 with errno (EAGAIN: the next edge resumes it).
  ssize_t wireSend(Conn& c, const char* data, std::uint32_t len) {
    if (c.ssl == nullptr) return send(c.fd, data, len, MSG_NOSIGNAL);
    ERR_clear_error();
    const int r = SSL_write(c.ssl, data, static_cast<int>(len));
    if (r > 0) {
      c.tlsRetry = 0;
      return r;
    }
    return tlsResult(c, r, len);
  }

  ssize_t wireRecv(Conn& c, char* data, std::uint32_t cap) {
    if (c.ssl == nullptr) return recv(c.fd, data, cap, 0);
    ERR_clear_error();
    const int r = SSL_read(c.ssl, data, static_cast<int>(cap));
    return r > 0 ? r : tlsResult(c, r, 0);
  }

  ssize_t tlsResult(Conn& c, int r, std::uint32_t writing) {
    const int savedErrno = errno;
    switch (SSL_get_error(c.ssl, r)) {
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE:
        if (writing != 0) c.tlsRetry = writing;
        errno = EAGAIN;
        return -1;
      case SSL_ERROR_ZERO_RETURN:  // close_notify, or (SSL_OP_IGNORE_UNEXPECTED_EOF) a bare FIN.
        if (writing == 0) return 0;
        errno = EPIPE;
        return -1;
      case SSL_ERROR_SYSCALL:
        errno = savedErrno != 0 ? savedErrno : ECONNRESET;
        return -1;
      default: {
        char text[256] = "unknown";
        if (const unsigned long e = ERR_get_error()) ERR_error_string_n(e, text, sizeof text);
        note("connection " + std::to_string(c.id) + ": TLS: " + text);
        errno = EPROTO;
        return -1;
      }
    }
  }

  std::size_t slot(const Conn& c, std::uint64_t seq) const {
    return static_cast<std::size_t>(&c - conns_.data()) * opt_.depth + static_cast<std::size_t>(seq % opt_.depth);
  }

  // Reads until a short read or EAGAIN; returns false if the connection was dropped.
  bool readAll(Conn& c, std::uint32_t events, bool& progressed) {
    const bool closing = (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
    for (;;) {
      const ssize_t n = wireRecv(c, readBuf_.data(), readCap_);
      if (n > 0) {
        now_ = nowNs();
        const std::uint64_t before = c.recv;
        if (!consume(c, readBuf_.data(), static_cast<std::uint32_t>(n), now_)) return false;
        if (c.recv != before) progressed = true;
        // A short read drained the socket; TLS may still hold decrypted records: read to EAGAIN.
        if (static_cast<std::uint32_t>(n) < readCap_ && !closing && c.ssl == nullptr) return true;
        continue;
      }
      if (n == 0) {
        connectionError(c, 0);
        return false;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      connectionError(c, errno);
      return false;
    }
  }

  // Checks n echoed bytes against what was sent; returns false if the connection was dropped.
  bool consume(Conn& c, const char* data, std::uint32_t n, std::uint64_t t) {
    const std::uint32_t size = opt_.size;
    while (n > 0) {
      const std::uint64_t sentBytes = bytesSent(c);
      const std::uint64_t echoed = bytesEchoed(c);
      if (echoed >= sentBytes) {
        ++stats.longEchoes;
        note("connection " + std::to_string(c.id) + ": echo longer than sent: " + std::to_string(n) +
             " byte(s) after all " + std::to_string(sentBytes) + " sent bytes came back: \"" +
             printable(data, std::min<std::uint32_t>(n, 24)) + "\"");
        drop(c);
        return false;
      }
      const auto k = static_cast<std::uint32_t>(std::min<std::uint64_t>({n, size - c.recvOff, sentBytes - echoed}));
      messageBytes(c.id, c.recv, size, c.recvOff, k, expectBuf_.data());
      if (std::memcmp(expectBuf_.data(), data, k) != 0) {
        std::uint32_t i = 0;
        while (data[i] == expectBuf_[i]) ++i;
        const std::uint32_t from = i >= 8 ? i - 8 : 0;
        const std::uint32_t shown = std::min<std::uint32_t>(k - from, 24);
        ++stats.mismatches;
        note("connection " + std::to_string(c.id) + " message " + std::to_string(c.recv) + " byte " +
             std::to_string(c.recvOff + i) + ": echo differs; expected \"" +
             printable(expectBuf_.data() + from, shown) + "\", got \"" + printable(data + from, shown) + "\"");
        drop(c);
        return false;
      }
      data += k;
      n -= k;
      c.recvOff += k;
      if (c.recvOff == size) {
        if (t >= measureStart_ && t < measureEnd_) {
          stats.latency.record(t - (opt_.handshakes ? c.cycleStart : sentAt_[slot(c, c.recv)]));
          ++stats.roundTrips;
          ++c.measured;
        }
        ++c.recv;
        c.recvOff = 0;
      }
    }
    return true;
  }

  // After the drain: what is still outstanding is missing, and nothing may follow the last echo.
  // Then every connection is reset (SO_LINGER 0): a normal close would leave N sockets in
  // TIME_WAIT on the client's side, which slows the next run's connect() for a minute.
  void finish() {
    for (Conn& c : conns_) {
      if (c.state != State::Open) continue;
      if (busy(c)) {
        ++stats.shortEchoes;
        note("connection " + std::to_string(c.id) + ": short echo: " + std::to_string(bytesSent(c) - bytesEchoed(c)) +
             " of the sent bytes did not come back within --drain (" + std::to_string(c.recv) +
             " messages complete, the next one " + std::to_string(c.recvOff) + " of " + std::to_string(opt_.size) +
             " bytes)");
        drop(c);
        continue;
      }
      ssize_t n = 0;
      do {
        n = wireRecv(c, readBuf_.data(), readCap_);  // Non-blocking sockets: EAGAIN when nothing follows.
      } while (n < 0 && errno == EINTR);
      if (n > 0) {
        ++stats.longEchoes;
        note("connection " + std::to_string(c.id) + ": echo longer than sent: " + std::to_string(n) +
             " byte(s) after the last echo: \"" +
             printable(readBuf_.data(), std::min<std::size_t>(static_cast<std::size_t>(n), 24)) + "\"");
        drop(c);
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        connectionError(c, n == 0 ? 0 : errno);
        continue;
      }
      if (c.measured == 0) ++stats.stalled;
      stats.minPerConn = std::min(stats.minPerConn, c.measured);
      stats.maxPerConn = std::max(stats.maxPerConn, c.measured);
    }
    for (Conn& c : conns_) {
      if (c.fd < 0) continue;
      linger lg{};
      lg.l_onoff = 1;
      lg.l_linger = 0;
      (void)setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      drop(c);
    }
  }

  const Options& opt_;
  SSL_CTX* tls_;  // --tls: shared by the threads' connections (read-only once made).
  bool inTraffic_ = false;  // --handshakes: connects after the connect phase are later cycles.
  std::vector<Conn> conns_;
  std::vector<std::uint64_t> sentAt_;  // Per connection, depth slots: when message q's last byte went out.
  std::vector<char> sendBuf_;
  std::vector<char> readBuf_;
  std::vector<char> expectBuf_;
  std::uint32_t sendCap_ = 0;
  std::uint32_t readCap_ = 0;
  int ep_ = -1;
  sockaddr_in dst_{};
  std::uint64_t now_ = 0;
  std::uint64_t measureStart_ = 0;
  std::uint64_t measureEnd_ = 0;
  std::uint64_t drainPending_ = 0;
  // --rate: the token bucket and the connections waiting for a token (each queued once).
  double ratePerNs_ = 0;
  double burst_ = 1;
  double tokens_ = 0;
  std::uint64_t lastRefill_ = 0;
  std::deque<std::uint32_t> waiting_;
  std::vector<bool> queued_;
};

// ---------------------------------------------------------------------------------------------
// Limits, CPU time, report

void checkLimits(const Options& o) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    std::fprintf(stderr, "%s: getrlimit(RLIMIT_NOFILE): %s\n", kName, std::strerror(errno));
    std::exit(1);
  }
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  const std::uint64_t needed =
      static_cast<std::uint64_t>(o.connections) + static_cast<std::uint64_t>(o.threads) + kReserveFiles;
  if (rl.rlim_cur != RLIM_INFINITY && needed > rl.rlim_cur) {
    const std::uint64_t most = rl.rlim_cur > o.threads + kReserveFiles ? rl.rlim_cur - o.threads - kReserveFiles : 0;
    std::fprintf(stderr,
                 "%s: --connections %u needs %llu open files, but RLIMIT_NOFILE allows %llu (hard limit %llu);"
                 " use at most --connections %llu here or raise the hard limit\n",
                 kName, o.connections, static_cast<unsigned long long>(needed),
                 static_cast<unsigned long long>(rl.rlim_cur), static_cast<unsigned long long>(rl.rlim_max),
                 static_cast<unsigned long long>(most));
    std::exit(2);
  }
  if (std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    unsigned lo = 0;
    unsigned hi = 0;
    if (std::fscanf(f, "%u %u", &lo, &hi) == 2 && hi >= lo) {
      const std::uint64_t ports = hi - lo + 1;
      const std::uint64_t addresses = o.sources.empty() ? 1 : o.sources.size();
      const std::uint64_t perAddress = (o.connections + addresses - 1) / addresses;
      if (perAddress > ports) {
        std::fprintf(stderr,
                     "%s: --connections %u over %llu source address(es) needs %llu local ports per address, but"
                     " net.ipv4.ip_local_port_range offers %llu; add --sources addresses (e.g. --sources"
                     " 127.0.0.1,127.0.0.2,...)\n",
                     kName, o.connections, static_cast<unsigned long long>(addresses),
                     static_cast<unsigned long long>(perAddress), static_cast<unsigned long long>(ports));
        std::fclose(f);
        std::exit(2);
      }
      if (perAddress > ports / 2) {  // connect() tries the even ports first, then scans for odd ones.
        std::fprintf(stderr,
                     "%s: warning: %llu connections per source address is more than half of"
                     " net.ipv4.ip_local_port_range (%llu ports): the kernel's port search then slows connect()"
                     " several times over and connect_rate measures the client; spread them with --sources\n",
                     kName, static_cast<unsigned long long>(perAddress), static_cast<unsigned long long>(ports));
      }
    }
    std::fclose(f);
  }
}

struct Cpu {
  double user = 0;
  double sys = 0;
};

Cpu cpuNow() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return {s(ru.ru_utime), s(ru.ru_stime)};
}

// A process's CPU seconds (user + system, /proc/PID/stat), threads and resident KiB
// (/proc/PID/status); all zero when it cannot be read.
struct ProcSample {
  double cpu = 0;
  long threads = 0;
  long rssKiB = 0;
  bool ok = false;
};

ProcSample sampleOne(int pid) {
  ProcSample out;
  if (pid <= 0) return out;
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!f) return out;
  char buf[4096];
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');  // The command name may hold spaces: fields follow its ')'.
  if (!p) return out;
  unsigned long long utime = 0, stime = 0;
  // After ')': state(3) ... utime is field 14, stime 15.
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) return out;
  out.cpu = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  if (std::FILE* st = std::fopen(("/proc/" + std::to_string(pid) + "/status").c_str(), "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, st)) {
      std::sscanf(line, "Threads: %ld", &out.threads);
      std::sscanf(line, "VmRSS: %ld", &out.rssKiB);
    }
    std::fclose(st);
  }
  out.ok = true;
  return out;
}

// The processes' figures added up (--server-pid A,B: a TLS proxy and the server behind it).
ProcSample sampleProcess(const std::vector<int>& pids) {
  ProcSample sum;
  if (pids.empty()) return sum;
  sum.ok = true;
  for (const int pid : pids) {
    const ProcSample one = sampleOne(pid);
    sum.ok = sum.ok && one.ok;
    sum.cpu += one.cpu;
    sum.threads += one.threads;
    sum.rssKiB += one.rssKiB;
  }
  return sum;
}

// --tls: the client context every connection's TLS client is made from.
SSL_CTX* makeTlsContext(const Options& o) {
  if (!o.tls) return nullptr;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    std::fprintf(stderr, "%s: SSL_CTX_new failed\n", kName);
    std::exit(1);
  }
  const int version = o.tlsVersion == 12 ? TLS1_2_VERSION : TLS1_3_VERSION;
  SSL_CTX_set_min_proto_version(ctx, version);
  SSL_CTX_set_max_proto_version(ctx, version);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);  // Loopback, measuring cost: see --tls above.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);  // Every handshake a full one.
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_TICKET);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  return ctx;
}

void sleepUntil(std::uint64_t t) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(t / 1000000000ull);
  ts.tv_nsec = static_cast<long>(t % 1000000000ull);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

std::string errnoName(int err) {
  switch (err) {
    case ECONNREFUSED:
      return "ECONNREFUSED";
    case ETIMEDOUT:
      return "ETIMEDOUT";
    case EADDRNOTAVAIL:
      return "EADDRNOTAVAIL";
    case EADDRINUSE:
      return "EADDRINUSE";
    case ECONNRESET:
      return "ECONNRESET";
    case EMFILE:
      return "EMFILE";
    case ENFILE:
      return "ENFILE";
    case ENETUNREACH:
      return "ENETUNREACH";
    case EHOSTUNREACH:
      return "EHOSTUNREACH";
    case ENOBUFS:
      return "ENOBUFS";
    case EAGAIN:
      return "EAGAIN";
    default:
      return "errno " + std::to_string(err);
  }
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parseArgs(argc, argv);
  checkLimits(opt);
  signal(SIGPIPE, SIG_IGN);

  // Freed after the workers (declared before them), whose connections hold references to it.
  const std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> tlsContext(makeTlsContext(opt), &SSL_CTX_free);
  SSL_CTX* const tls = tlsContext.get();
  // Connection i goes to thread i mod T.
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < opt.threads; ++t) {
    std::vector<std::uint32_t> ids;
    for (std::uint32_t i = static_cast<std::uint32_t>(t); i < opt.connections;
         i += static_cast<std::uint32_t>(opt.threads)) {
      ids.push_back(i);
    }
    workers.push_back(std::make_unique<Worker>(opt, tls, std::move(ids)));
  }
  auto runAll = [&](auto&& body) {
    std::vector<std::thread> threads;
    // The threads outlive this call (and the caller's temporary lambda): copy it into each.
    for (auto& w : workers) threads.emplace_back([body, worker = w.get()] { body(*worker); });
    return threads;
  };
  const Cpu cpuStart = cpuNow();

  const ProcSample serverBefore = sampleProcess(opt.serverPids);  // Before any connection.

  // Phase 1: connect.
  const std::uint32_t window =
      opt.connectWindow == 0
          ? 0
          : (opt.connectWindow + static_cast<std::uint32_t>(opt.threads) - 1) / static_cast<std::uint32_t>(opt.threads);
  const std::uint64_t connectStart = nowNs();
  const std::uint64_t connectDeadline = connectStart + secondsToNs(opt.connectTimeout);
  {
    auto threads = runAll([&](Worker& w) { w.connectPhase(connectDeadline, window); });
    for (auto& t : threads) t.join();
  }
  std::uint64_t connected = 0;
  std::uint64_t connectFailures = 0;
  std::uint64_t connectRetransmits = 0;
  std::uint64_t connectEnd = connectStart;
  std::map<int, std::uint64_t> connectErrors;
  for (auto& w : workers) {
    connected += w->stats.connected;
    connectFailures += w->stats.connectFailures;
    connectRetransmits += w->stats.connectRetransmits;
    connectEnd = std::max(connectEnd, w->stats.lastSettled);
    for (const auto& e : w->stats.connectErrors) connectErrors[e.first] += e.second;
  }
  const double connectSeconds = static_cast<double>(connectEnd - connectStart) / 1e9;
  const double connectRate = connectSeconds > 0 ? static_cast<double>(connected) / connectSeconds : 0.0;
  std::string connectErrorText;
  for (const auto& e : connectErrors) {
    connectErrorText += (connectErrorText.empty() ? "" : ", ") + errnoName(e.first) + " x" + std::to_string(e.second);
  }
  std::fprintf(stderr, "%s: %s:%d, %u connections, size %u, depth %u, %d thread(s), %zu source address(es)%s%s\n",
               kName, opt.host.c_str(), opt.port, opt.connections, opt.size, opt.depth, opt.threads,
               opt.sources.empty() ? std::size_t{1} : opt.sources.size(),
               opt.tls ? (opt.tlsVersion == 12 ? ", TLS 1.2" : ", TLS 1.3") : "",
               opt.handshakes ? ", a new connection per round trip" : "");
  std::fprintf(
      stderr, "connect: %llu/%u connected, %llu failed%s%s%s in %.3f s = %.0f connections/s, %llu SYN retransmits\n",
      static_cast<unsigned long long>(connected), opt.connections, static_cast<unsigned long long>(connectFailures),
      connectErrorText.empty() ? "" : " (", connectErrorText.c_str(), connectErrorText.empty() ? "" : ")",
      connectSeconds, connectRate, static_cast<unsigned long long>(connectRetransmits));
  if (connectErrors.count(EADDRNOTAVAIL)) {
    std::fprintf(stderr, "  (EADDRNOTAVAIL: out of local ports; spread the connections with --sources)\n");
  }

  // Phase 2: warmup, measurement, drain.
  Cpu cpuMeasureStart{};
  Cpu cpuMeasureEnd{};
  ProcSample serverStart, serverEnd;  // --server-pid, at the measurement's start and end.
  if (connected > 0 && opt.idle) {  // No traffic: let the server settle, then look at it.
    const std::uint64_t idleEnd = nowNs() + secondsToNs(opt.warmup + opt.duration);
    serverStart = sampleProcess(opt.serverPids);
    sleepUntil(idleEnd);
    serverEnd = sampleProcess(opt.serverPids);
  } else if (connected > 0) {
    const std::uint64_t trafficStart = nowNs();
    const std::uint64_t measureStart = trafficStart + secondsToNs(opt.warmup);
    const std::uint64_t measureEnd = measureStart + secondsToNs(opt.duration);
    const std::uint64_t drainEnd = measureEnd + secondsToNs(opt.drain);
    auto threads = runAll([&](Worker& w) { w.trafficPhase(measureStart, measureEnd, drainEnd); });
    sleepUntil(measureStart);
    cpuMeasureStart = cpuNow();
    serverStart = sampleProcess(opt.serverPids);
    sleepUntil(measureEnd);
    cpuMeasureEnd = cpuNow();
    serverEnd = sampleProcess(opt.serverPids);
    for (auto& t : threads) t.join();
  }
  const Cpu cpuEnd = cpuNow();

  Stats total;
  for (auto& w : workers) {
    const Stats& s = w->stats;
    total.roundTrips += s.roundTrips;
    total.resets += s.resets;
    total.eofs += s.eofs;
    total.otherErrors += s.otherErrors;
    total.mismatches += s.mismatches;
    total.longEchoes += s.longEchoes;
    total.shortEchoes += s.shortEchoes;
    total.stalled += s.stalled;
    total.minPerConn = std::min(total.minPerConn, s.minPerConn);
    total.maxPerConn = std::max(total.maxPerConn, s.maxPerConn);
    total.latency.merge(s.latency);
    for (const auto& n : s.notes) {
      if (total.notes.size() < 12) total.notes.push_back(n);
    }
  }
  if (total.minPerConn == UINT64_MAX) total.minPerConn = 0;
  const std::uint64_t errors = total.resets + total.eofs + total.otherErrors;
  const std::uint64_t validationErrors = total.mismatches + total.longEchoes + total.shortEchoes;
  const double duration = connected > 0 ? opt.duration : 0.0;
  const double rtPerSecond = duration > 0 ? static_cast<double>(total.roundTrips) / duration : 0.0;
  const double bytesPerSecond = rtPerSecond * opt.size;
  const double cpuUser = cpuMeasureEnd.user - cpuMeasureStart.user;
  const double cpuSys = cpuMeasureEnd.sys - cpuMeasureStart.sys;
  const double cpuMeasure = cpuUser + cpuSys;
  const double cpuTotal = (cpuEnd.user + cpuEnd.sys) - (cpuStart.user + cpuStart.sys);
  const double cpuPerRt = total.roundTrips > 0 ? cpuMeasure / static_cast<double>(total.roundTrips) * 1e6 : 0.0;
  const Histogram& h = total.latency;
  const double p50 = static_cast<double>(h.percentile(0.50)) / 1e3;
  const double p99 = static_cast<double>(h.percentile(0.99)) / 1e3;
  const double p999 = static_cast<double>(h.percentile(0.999)) / 1e3;
  const double pmax = static_cast<double>(h.max()) / 1e3;
  const double pmean = h.mean() / 1e3;

  std::vector<std::string> reasons;
  if (connected < opt.connections) {
    reasons.push_back(std::to_string(opt.connections - connected) + " of " + std::to_string(opt.connections) +
                      " connections failed to connect (" + connectErrorText + ")");
  }
  if (errors > 0) {
    reasons.push_back(std::to_string(errors) + " connection error(s) during traffic (resets " +
                      std::to_string(total.resets) + ", EOFs " + std::to_string(total.eofs) + ", other " +
                      std::to_string(total.otherErrors) + ")");
  }
  if (validationErrors > 0) {
    reasons.push_back(std::to_string(validationErrors) + " validation error(s) (wrong bytes " +
                      std::to_string(total.mismatches) + ", echo longer than sent " + std::to_string(total.longEchoes) +
                      ", short echo " + std::to_string(total.shortEchoes) + ")");
  }
  if (connected > 0 && total.roundTrips == 0 && !opt.idle)
    reasons.push_back("no round trip completed during the measurement");
  const bool ok = reasons.empty();

  if (connected > 0) {
    std::fprintf(stderr, "measure: %.3f s after %.3f s warmup: %llu round trips = %.0f rt/s, %.2f MB/s each way\n",
                 duration, opt.warmup, static_cast<unsigned long long>(total.roundTrips), rtPerSecond,
                 bytesPerSecond / 1e6);
    std::fprintf(stderr, "  per connection: min %llu, max %llu round trips; %llu connection(s) without any\n",
                 static_cast<unsigned long long>(total.minPerConn), static_cast<unsigned long long>(total.maxPerConn),
                 static_cast<unsigned long long>(total.stalled));
    std::fprintf(stderr,
                 "latency (us): p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f"
                 "  (log-linear histogram, bucket upper bound, <= 0.79%% high)\n",
                 p50, p99, p999, pmax, pmean);
    std::fprintf(stderr, "errors: %llu (resets %llu, EOFs %llu, other %llu); validation errors: %llu\n",
                 static_cast<unsigned long long>(errors), static_cast<unsigned long long>(total.resets),
                 static_cast<unsigned long long>(total.eofs), static_cast<unsigned long long>(total.otherErrors),
                 static_cast<unsigned long long>(validationErrors));
    std::fprintf(stderr,
                 "client CPU: %.3f s during the measurement (user %.3f, sys %.3f) = %.2f us per round trip;"
                 " %.3f s in all\n",
                 cpuMeasure, cpuUser, cpuSys, cpuPerRt, cpuTotal);
  }
  if (duration > 0 && cpuMeasure > 0.9 * duration * opt.threads) {
    std::fprintf(stderr,
                 "  warning: the client was busy %.0f%% of the measurement on %d thread(s); it may limit the result"
                 " (more --threads, if there are cores for them)\n",
                 100.0 * cpuMeasure / (duration * opt.threads), opt.threads);
  }
  for (const auto& n : total.notes) std::fprintf(stderr, "  %s\n", n.c_str());

  if (opt.json) {
    const bool hasLatency = h.count() > 0;
    auto lat = [&](double v) { return hasLatency ? fmt("%.1f", v) : std::string("null"); };
    std::string j = "{";
    auto add = [&j](const std::string& key, const std::string& value) {
      j += (j.size() > 1 ? "," : "") + ("\"" + key + "\":") + value;
    };
    auto num = [](std::uint64_t v) { return std::to_string(v); };
    add("host", "\"" + opt.host + "\"");
    add("port", num(static_cast<std::uint64_t>(opt.port)));
    add("connections", num(opt.connections));
    add("size", num(opt.size));
    add("depth", num(opt.depth));
    add("rate", fmt("%.0f", opt.rate));
    add("threads", num(static_cast<std::uint64_t>(opt.threads)));
    add("sources", num(opt.sources.empty() ? 1 : opt.sources.size()));
    add("connected", num(connected));
    add("connect_failures", num(connectFailures));
    add("connect_seconds", fmt("%.6f", connectSeconds));
    add("connect_rate", fmt("%.1f", connectRate));
    add("connect_retransmits", num(connectRetransmits));
    add("warmup_s", fmt("%.3f", opt.warmup));
    add("duration_s", fmt("%.3f", duration));
    add("round_trips", num(total.roundTrips));
    add("rt_per_s", fmt("%.1f", rtPerSecond));
    add("bytes_per_s", fmt("%.1f", bytesPerSecond));
    add("latency_p50_us", lat(p50));
    add("latency_p99_us", lat(p99));
    add("latency_p999_us", lat(p999));
    add("latency_max_us", lat(pmax));
    add("latency_mean_us", lat(pmean));
    add("latency_method",
        "\"log-linear histogram, 128 sub-buckets per power of two, nearest rank, bucket upper "
        "bound: at most 0.79% above; max and mean exact\"");
    add("rt_per_conn_min", num(total.minPerConn));
    add("rt_per_conn_max", num(total.maxPerConn));
    add("stalled_connections", num(total.stalled));
    add("errors", num(errors));
    add("resets", num(total.resets));
    add("eofs", num(total.eofs));
    add("other_errors", num(total.otherErrors));
    add("validation_errors", num(validationErrors));
    add("validation_mismatch", num(total.mismatches));
    add("validation_long", num(total.longEchoes));
    add("validation_short", num(total.shortEchoes));
    add("client_cpu_s", fmt("%.3f", cpuMeasure));
    add("client_cpu_user_s", fmt("%.3f", cpuUser));
    add("client_cpu_sys_s", fmt("%.3f", cpuSys));
    add("client_cpu_us_per_rt", fmt("%.3f", cpuPerRt));
    add("client_cpu_total_s", fmt("%.3f", cpuTotal));
    add("tls", opt.tls ? (opt.tlsVersion == 12 ? "\"1.2\"" : "\"1.3\"") : "null");
    add("handshakes", opt.handshakes ? "true" : "false");
    if (!opt.serverPids.empty()) {
      const bool have = serverStart.ok && serverEnd.ok;
      const double serverCpu = have ? serverEnd.cpu - serverStart.cpu : 0;
      std::string pids;
      for (const int pid : opt.serverPids) pids += (pids.empty() ? "" : ",") + std::to_string(pid);
      add("server_pid", "\"" + pids + "\"");
      add("server_cpu_s", have ? fmt("%.3f", serverCpu) : std::string("null"));
      add("server_cpu_us_per_rt",
          have && total.roundTrips > 0 ? fmt("%.3f", serverCpu * 1e6 / static_cast<double>(total.roundTrips))
                                       : std::string("null"));
      add("server_threads", have ? num(static_cast<std::uint64_t>(serverEnd.threads)) : std::string("null"));
      add("server_rss_kb", have ? num(static_cast<std::uint64_t>(serverEnd.rssKiB)) : std::string("null"));
      add("server_rss_before_kb", serverBefore.ok ? num(static_cast<std::uint64_t>(serverBefore.rssKiB)) : std::string("null"));
      add("server_rss_per_conn_bytes",
          have && serverBefore.ok && connected > 0
              ? fmt("%.0f", static_cast<double>(serverEnd.rssKiB - serverBefore.rssKiB) * 1024.0 / static_cast<double>(connected))
              : std::string("null"));
      add("idle", opt.idle ? "true" : "false");
    }
    add("ok", ok ? "true" : "false");
    j += "}\n";
    std::fputs(j.c_str(), stdout);
    std::fflush(stdout);
  }

  if (!ok) {
    std::string text;
    for (const auto& r : reasons) text += (text.empty() ? "" : "; ") + r;
    std::fprintf(stderr, "%s: FAIL: %s\n", kName, text.c_str());
    return 1;
  }
  std::fprintf(stderr, "%s: OK\n", kName);
  return 0;
}
