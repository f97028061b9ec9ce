// Fuzz target: the blocking-style line reader (StreamConnection::readLine, behind ReadLn in both
// engines). Input: the terminator ("\n", "\r\n", "" = LF, or 1-4 bytes of the input), MaxLength
// (0 = none, else 1-39), MaxLineAction, the chunk cut offsets, then the bytes the peer sends
// before it closes.
// Properties: the lines (status, text, split) and what is left unread are the same
//   - whether the bytes arrive at once, in the chunks of the cut or one byte at a time (a line found too long may be
//     found so before later chunks are read: then what is unread is a prefix of the rest), and
//   - as the specification's plain model below says (the reader's incremental search, its
//     skipping of bytes already searched, must not change what it finds);
// and every read that returns Ok consumes at least one byte (no read that makes no progress).
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "scripted_connection.h"

using iocp_native::IoStatus;
using iocp_native::MaxLineAction;

namespace {

struct Read {
  IoStatus status;
  std::string line;
  bool split;
  bool operator==(const Read& o) const { return status == o.status && line == o.line && split == o.split; }
};

struct Outcome {
  std::vector<Read> reads;  // Up to and including the first read that is not Ok.
  std::string unread;
};

Outcome readAll(const std::vector<std::string>& chunks, const std::string& terminator, std::size_t maxLength,
                MaxLineAction action, std::size_t streamSize) {
  iocp_test::ScriptedConnection c(std::deque<std::string>(chunks.begin(), chunks.end()), true);
  Outcome o;
  for (;;) {
    Read r{IoStatus::Ok, {}, false};
    r.status = c.readLine(r.line, terminator, maxLength, action, 1000, &r.split);
    o.reads.push_back(r);
    if (r.status != IoStatus::Ok) break;
    FUZZ_CHECK(o.reads.size() <= streamSize + 1, "a read returned Ok without consuming a byte");
  }
  o.unread.assign(c.input().data(), c.input().size());
  return o;
}

// The specification, over the whole stream at once (iocp_native::Connection::readLine's contract:
// a line is acceptable when its terminator starts within maxLength bytes, a CR before an LF
// terminator counted among them; Indy's ReadLn with AMaxLineLength). The event model's framing
// (frame_decoder_fuzz.cpp) differs on purpose: there MaxFrameSize counts the message without
// that CR.
Outcome model(std::string rest, std::string terminator, std::size_t maxLength, MaxLineAction action) {
  const bool lf = terminator.empty() || terminator == "\n";
  if (terminator.empty()) terminator = "\n";
  Outcome o;
  for (;;) {
    const std::size_t pos = rest.find(terminator);
    if (pos != std::string::npos && (maxLength == 0 || pos <= maxLength)) {
      std::size_t len = pos;
      if (lf && len > 0 && rest[len - 1] == '\r') --len;
      o.reads.push_back({IoStatus::Ok, rest.substr(0, len), false});
      rest.erase(0, pos + terminator.size());
    } else if (maxLength > 0 && rest.size() >= maxLength + terminator.size()) {
      if (action == MaxLineAction::Exception) {
        o.reads.push_back({IoStatus::LineTooLong, {}, false});
        break;
      }
      o.reads.push_back({IoStatus::Ok, rest.substr(0, maxLength), true});
      rest.erase(0, maxLength);
    } else {
      o.reads.push_back({IoStatus::ClosedGracefully, {}, false});  // The peer closed first.
      break;
    }
  }
  o.unread = rest;
  return o;
}

std::string describe(const Outcome& o) {
  std::string s = std::to_string(o.reads.size()) + " reads, " + std::to_string(o.unread.size()) + " bytes unread";
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  iocp_fuzz::Input in(data, size);
  std::string terminator;
  switch (in.byte() % 4) {
    case 0: terminator = "\n"; break;
    case 1: terminator = "\r\n"; break;
    case 2: break;  // Empty: LF.
    default: terminator = in.bytes(1 + in.byte() % 4); break;
  }
  if (terminator.empty() && size > 0 && (data[0] % 4) == 3) return 0;  // Input ended inside the settings.
  const std::size_t maxLength = in.byte() % 40;
  const MaxLineAction action = (in.byte() & 1) ? MaxLineAction::Split : MaxLineAction::Exception;
  const std::vector<std::size_t> at = iocp_fuzz::cutOffsets(in);
  const std::string stream = in.rest();

  const Outcome expected = model(stream, terminator, maxLength, action);
  const Outcome whole = readAll({stream}, terminator, maxLength, action, stream.size());
  FUZZ_CHECK(whole.reads == expected.reads && whole.unread == expected.unread,
             "one chunk: " + describe(whole) + "; the model: " + describe(expected));
  for (const auto& chunks : {iocp_fuzz::cut(stream, at), iocp_fuzz::bytewise(stream)}) {
    const Outcome chunked = readAll(chunks, terminator, maxLength, action, stream.size());
    FUZZ_CHECK(chunked.reads == expected.reads, "chunks: " + describe(chunked) + "; the model: " + describe(expected));
    if (expected.reads.back().status == IoStatus::LineTooLong) {
      // Known too long as soon as a whole terminator fits past MaxLength: what came after that
      // chunk is not read.
      const std::size_t enough = maxLength + (terminator.empty() ? 1 : terminator.size());
      FUZZ_CHECK(chunked.unread.size() >= enough &&
                     expected.unread.compare(0, chunked.unread.size(), chunked.unread) == 0,
                 "too long: " + describe(chunked) + "; the model: " + describe(expected));
    } else {
      FUZZ_CHECK(chunked.unread == expected.unread, "chunks: " + describe(chunked) + "; the model: " + describe(expected));
    }
  }
  return 0;
}
