// Indy's bytes on the wire: every case of indy_wire.txt (recorded from real Indy 10) is played
// against our server in both engines. A "write" case: the handler makes the Write call the case
// names and closes; the client must receive exactly Indy's bytes. A "read" case: the client sends
// Indy's bytes; the handler's read call must return what Indy's returned.
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>

#include "server_fixture.h"
#include "wait_until.h"

using namespace Iocp;
using namespace testing_support;

namespace {

struct WireCase {
  std::string kind, name, bytes, result;
  bool peerCloses = false;
};

std::string fromHex(const std::string& hex) {
  std::string out;
  if (hex == "-") return out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

std::string toHex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) out += digits[c >> 4], out += digits[c & 15];
  return out;
}

std::vector<WireCase> loadCases() {
  std::vector<WireCase> cases;
  std::ifstream in(IOCP_INDY_WIRE);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    WireCase c;
    fields >> c.kind >> c.name >> c.bytes;
    if (c.kind == "read") {
      int closes = 0;
      fields >> closes;
      c.peerCloses = closes != 0;
      std::getline(fields >> std::ws, c.result);
      // The file writes CR and LF inside a result as \r and \n.
      for (std::size_t at; (at = c.result.find("\\r")) != std::string::npos;) c.result.replace(at, 2, "\r");
      for (std::size_t at; (at = c.result.find("\\n")) != std::string::npos;) c.result.replace(at, 2, "\n");
    }
    cases.push_back(c);
  }
  return cases;
}

// What the stream cases start from: 'ABCDEFGHIJ' at position 3 (as the recording did).
std::istringstream sampleStream() {
  std::istringstream s("ABCDEFGHIJ");
  s.seekg(3);
  return s;
}

// The Write call of each write case. Cases about text encodings are the Pascal units' (C++ strings
// carry bytes): they are listed, so a new case cannot go untested by accident.
const std::map<std::string, std::function<void(TIocpIOHandler&)>>& writeCalls() {
  static const std::map<std::string, std::function<void(TIocpIOHandler&)>> calls = {
      {"write_string_plain", [](TIocpIOHandler& io) { io.Write("plain text"); }},
      {"write_string_utf8", [](TIocpIOHandler& io) { io.Write("caf\xC3\xA9 ok"); }},
      {"write_string_8bit", [](TIocpIOHandler& io) { io.Write("caf\xE9 ok"); }},
      {"writeln", [](TIocpIOHandler& io) { io.WriteLn("line"); }},
      {"writeln_utf8", [](TIocpIOHandler& io) { io.WriteLn("caf\xC3\xA9"); }},
      {"write_int16", [](TIocpIOHandler& io) { io.Write(int16_t{-2}); }},
      {"write_uint16", [](TIocpIOHandler& io) { io.Write(uint16_t{65534}); }},
      {"write_int32", [](TIocpIOHandler& io) { io.Write(int32_t{-2}); }},
      {"write_uint32", [](TIocpIOHandler& io) { io.Write(uint32_t{0xDEADBEEF}); }},
      {"write_int64", [](TIocpIOHandler& io) { io.Write(int64_t{-2}); }},
      {"write_uint64", [](TIocpIOHandler& io) { io.Write(uint64_t{0x0102030405060708}); }},
      {"write_int32_noconvert", [](TIocpIOHandler& io) { io.Write(int32_t{0x01020304}, false); }},
      {"write_int16_noconvert", [](TIocpIOHandler& io) { io.Write(int16_t{0x0102}, false); }},
      {"write_byte", [](TIocpIOHandler& io) { io.Write(uint8_t{0x7F}); }},
      {"write_bytes", [](TIocpIOHandler& io) { io.Write(TIdBytes{'x', 'y', 'z', '1', '2', '3'}); }},
      {"write_bytes_len_offset", [](TIocpIOHandler& io) { io.Write(TIdBytes{'x', 'y', 'z', '1', '2', '3'}, 3, 2); }},
      {"stream_all", [](TIocpIOHandler& io) { auto s = sampleStream(); io.Write(s); }},
      {"stream_all_count", [](TIocpIOHandler& io) { auto s = sampleStream(); io.Write(s, 0, true); }},
      {"stream_all_count_large",
       [](TIocpIOHandler& io) { auto s = sampleStream(); io.LargeStream = true; io.Write(s, 0, true); }},
      {"stream_rest", [](TIocpIOHandler& io) { auto s = sampleStream(); io.Write(s, -1); }},
      {"stream_rest_count", [](TIocpIOHandler& io) { auto s = sampleStream(); io.Write(s, -1, true); }},
      {"stream_size4", [](TIocpIOHandler& io) { auto s = sampleStream(); io.Write(s, 4); }},
      {"stream_size4_count", [](TIocpIOHandler& io) { auto s = sampleStream(); io.Write(s, 4, true); }},
      {"stream_size4_count_large",
       [](TIocpIOHandler& io) { auto s = sampleStream(); io.LargeStream = true; io.Write(s, 4, true); }},
      {"stream_empty_count", [](TIocpIOHandler& io) { std::istringstream s; io.Write(s, 0, true); }},
      {"strings", [](TIocpIOHandler& io) { io.Write(std::vector<std::string>{"one", "", "three"}); }},
      {"strings_count", [](TIocpIOHandler& io) { io.Write(std::vector<std::string>{"one", "", "three"}, true); }},
      {"writelnrfc_dot", [](TIocpIOHandler& io) { io.WriteLnRFC(".dot"); }},
      {"writelnrfc_plain", [](TIocpIOHandler& io) { io.WriteLnRFC("plain"); }},
      {"buffered_writes",
       [](TIocpIOHandler& io) {
         io.WriteBufferOpen();
         io.Write("a");
         io.WriteLn("b");
         io.Write(int32_t{1});
         io.WriteBufferClose();
       }},
      {"write_string_utf8_as_ascii", nullptr},  // Pascal: a source and a byte encoding.
      {"write_string_utf8_as_8bit", nullptr},
  };
  return calls;
}

// A stream the read cases fill: bytes in a string, a position, a size (Indy's TMemoryStream).
class MemoryStream final : public TIocpStreamAccess {
 public:
  std::string data;
  int64_t pos = 0;
  int64_t Size() override { return static_cast<int64_t>(data.size()); }
  int64_t Position() override { return pos; }
  void Seek(int64_t APosition) override { pos = APosition; }
  int64_t Read(void* ADst, int64_t ACount) override {
    const int64_t n = std::max<int64_t>(0, std::min<int64_t>(ACount, Size() - pos));
    std::memcpy(ADst, data.data() + pos, static_cast<std::size_t>(n));
    pos += n;
    return n;
  }
  void Write(const void* ASrc, int64_t ACount) override {
    if (pos + ACount > Size()) data.resize(static_cast<std::size_t>(pos + ACount));
    std::memcpy(data.data() + pos, ASrc, static_cast<std::size_t>(ACount));
    pos += ACount;
  }
  void SetSize(int64_t ASize) override { data.resize(static_cast<std::size_t>(ASize)); }
  std::string described() const { return toHex(data) + " pos=" + std::to_string(pos); }
};

std::string commaText(const std::vector<std::string>& lines) {
  std::string out = std::to_string(lines.size()) + ":";
  for (std::size_t i = 0; i < lines.size(); ++i) out += (i ? "," : "") + lines[i];
  return out;
}

// The read call of each read case, returning what the recording printed for Indy's.
const std::map<std::string, std::function<std::string(TIocpIOHandler&)>>& readCalls() {
  static const std::map<std::string, std::function<std::string(TIocpIOHandler&)>> calls = {
      {"readstream_count", [](TIocpIOHandler& io) { MemoryStream m; io.ReadStream(m); return m.described(); }},
      {"readstream_count_large",
       [](TIocpIOHandler& io) { MemoryStream m; io.LargeStream = true; io.ReadStream(m); return m.described(); }},
      {"readstream_fixed", [](TIocpIOHandler& io) { MemoryStream m; io.ReadStream(m, 4); return m.described(); }},
      {"readstream_into_existing",
       [](TIocpIOHandler& io) {
         MemoryStream m;
         m.data = "ZZZZZZZZZZZZ";
         m.pos = 2;
         io.ReadStream(m, 4);
         return m.described();
       }},
      {"readstream_until_close", [](TIocpIOHandler& io) { MemoryStream m; io.ReadStream(m, -1, true); return m.described(); }},
      {"readstream_negative_count", [](TIocpIOHandler& io) { MemoryStream m; io.ReadStream(m); return m.described(); }},
      {"readstream_short", [](TIocpIOHandler& io) { MemoryStream m; io.ReadStream(m); return toHex(m.data); }},
      {"readstrings_count", [](TIocpIOHandler& io) { std::vector<std::string> l; io.ReadStrings(l); return commaText(l); }},
      {"readstrings_two", [](TIocpIOHandler& io) { std::vector<std::string> l; io.ReadStrings(l, 2); return commaText(l); }},
      {"readint16", [](TIocpIOHandler& io) { return std::to_string(io.ReadInt16()); }},
      {"readuint16", [](TIocpIOHandler& io) { return std::to_string(io.ReadUInt16()); }},
      {"readint32", [](TIocpIOHandler& io) { return std::to_string(io.ReadInt32()); }},
      {"readuint32", [](TIocpIOHandler& io) { return std::to_string(io.ReadUInt32()); }},
      {"readint64", [](TIocpIOHandler& io) { return std::to_string(io.ReadInt64()); }},
      {"readint32_noconvert", [](TIocpIOHandler& io) { return std::to_string(io.ReadInt32(false)); }},
      {"readln_crlf", [](TIocpIOHandler& io) { return "[" + io.ReadLn() + "]"; }},
      {"readln_lf", [](TIocpIOHandler& io) { return "[" + io.ReadLn() + "]"; }},
      {"readln_terminator", [](TIocpIOHandler& io) { return "[" + io.ReadLn("##") + "]"; }},
      {"readln_split",
       [](TIocpIOHandler& io) {
         bool split = false;
         const std::string line = io.ReadLnSplit(split, LF, IdTimeoutDefault, 5);
         return "[" + line + "] split=" + (split ? "True" : "False");
       }},
      {"readln_utf8", [](TIocpIOHandler& io) { return "[" + io.ReadLn() + "]"; }},
      {"capture", [](TIocpIOHandler& io) { std::vector<std::string> l; io.Capture(l); return commaText(l); }},
  };
  return calls;
}

class IndyWire : public ServerTest {};
INSTANTIATE_FOR_BOTH_ENGINES(IndyWire);

TEST_P(IndyWire, EveryWriteSendsIndysBytes) {
  const auto cases = loadCases();
  ASSERT_GT(cases.size(), 40u) << "indy_wire.txt not found or cut short: " << IOCP_INDY_WIRE;
  server->OnExecute = [](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    const auto& call = writeCalls().at(io->ReadLn());
    call(*io);
    c->Connection->Disconnect();
  };
  start();
  int played = 0;
  for (const WireCase& wc : cases) {
    if (wc.kind != "write") continue;
    const auto call = writeCalls().find(wc.name);
    ASSERT_NE(call, writeCalls().end()) << "no Write call for the recorded case " << wc.name;
    if (!call->second) continue;
    RawSocket s("127.0.0.1", server->Bindings[0].Port);
    s.send(wc.name + "\n");
    std::string got;
    RawSocket::Received r;
    while ((r = s.receive(kEventuallyMs, got)) == RawSocket::Received::Bytes) {
    }
    EXPECT_EQ(r, RawSocket::Received::End) << wc.name;
    EXPECT_EQ(toHex(got), toHex(fromHex(wc.bytes))) << wc.name;
    ++played;
  }
  EXPECT_GE(played, 30);
}

TEST_P(IndyWire, EveryReadReturnsWhatIndysReturns) {
  const auto cases = loadCases();
  ASSERT_GT(cases.size(), 40u) << "indy_wire.txt not found or cut short: " << IOCP_INDY_WIRE;
  std::mutex mu;
  std::map<std::string, std::string> results;
  const auto stop = stopAtEnd();
  server->OnExecute = [&](TIocpContext* c) {
    auto* io = c->Connection->IOHandler;
    const std::string name = io->ReadLn();
    std::string result;
    try {
      result = readCalls().at(name)(*io);
    } catch (const EIdConnClosedGracefully&) {
      result = "raised EIdConnClosedGracefully";
    } catch (const std::exception& e) {
      result = std::string("raised ") + e.what();
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      results[name] = result;
    }
    c->Connection->Disconnect();
  };
  start();
  int played = 0;
  for (const WireCase& wc : cases) {
    if (wc.kind != "read") continue;
    ASSERT_TRUE(readCalls().count(wc.name)) << "no read call for the recorded case " << wc.name;
    RawSocket s("127.0.0.1", server->Bindings[0].Port);
    s.send(wc.name + "\r\n" + fromHex(wc.bytes));
    if (wc.peerCloses) s.close();
    ASSERT_TRUE(waitUntil([&] {
      std::lock_guard<std::mutex> lock(mu);
      return results.count(wc.name) > 0;
    })) << wc.name;
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(results[wc.name], wc.result) << wc.name;
    ++played;
  }
  EXPECT_GE(played, 20);
}

}  // namespace
