// Fuzz target: the event model's framing (TIocpFrameDecoder, OnMessage's messages). Input: the
// framing (kind; for fkLine the delimiter "\n", "\r\n", "\0" or 1-3 bytes of the input; for
// fkLengthPrefixed 1, 2, 4 or 8 length bytes and their order; MaxFrameSize 1-64), the chunk cut
// offsets, then the stream.
// Properties:
//   - each message is what the framing says: fkLine, the bytes before the first delimiter (less a
//     CR right before an LF delimiter), consumed with it; fkLengthPrefixed, the header's length
//     and that many bytes after it; never longer than MaxFrameSize;
//   - frNeedMore never holds more than one acceptable message could need (bounded buffering);
//   - frNeedMore and frTooLarge agree with the bytes (no delimiter yet; a length or a line over
//     MaxFrameSize);
//   - the messages and the end (waiting for more, or too large at the same offset) are the same
//     whether the decoder sees the whole stream, the chunks of the cut or one byte at a time: in particular
//     fkLine's early frTooLarge (before the delimiter comes) is never said of a message that a
//     later byte would have made acceptable.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "IocpFraming.h"
#include "fuzz_support.h"

using Iocp::TIocpFrameDecoder;
using Iocp::TIocpFraming;

namespace {

struct Outcome {
  std::vector<std::string> messages;
  TIocpFrameDecoder::TResult end = TIocpFrameDecoder::frNeedMore;  // frNeedMore or frTooLarge.
  std::size_t endOffset = 0;     // Stream offset of the bytes not consumed.
  std::size_t tooLargeSize = 0;  // AConsumed of frTooLarge.
};

unsigned long long lengthField(std::string_view header, const TIocpFraming& f) {
  unsigned long long len = 0;
  for (int i = 0; i < f.LengthBytes; ++i)
    len = (len << 8) | static_cast<unsigned char>(header[f.BigEndian ? i : f.LengthBytes - 1 - i]);
  return len;
}

// Decode what `pending` holds (stream offset `offset`), checking each result against the framing.
bool drain(const TIocpFrameDecoder& decoder, std::string& pending, std::size_t& offset, Outcome& o) {
  const TIocpFraming& f = decoder.Framing();
  const std::size_t max = static_cast<std::size_t>(f.MaxFrameSize);
  for (;;) {
    std::string_view message;
    std::size_t consumed = 0;
    const auto r = decoder.Next(pending, message, consumed);
    // fkLine: where the first delimiter is, and the length of the message it would end (less a
    // CR right before an LF delimiter).
    const std::string& d = f.Delimiter;
    const std::size_t at = f.Kind == Iocp::fkLine ? pending.find(d) : std::string::npos;
    const std::size_t lineLength =
        at == std::string::npos ? 0 : at - (d[0] == '\n' && at > 0 && pending[at - 1] == '\r' ? 1 : 0);
    if (r == TIocpFrameDecoder::frNeedMore) {
      if (f.Kind == Iocp::fkLine) {
        FUZZ_CHECK(at == std::string::npos, "waits although a delimiter is there");
        FUZZ_CHECK(pending.size() <= max + d.size(), "waits holding more than a message can need");
      } else {
        const std::size_t head = static_cast<std::size_t>(f.LengthBytes);
        FUZZ_CHECK(pending.size() < head || pending.size() - head < lengthField(pending, f),
                   "waits although the message is whole");
        FUZZ_CHECK(pending.size() < head || lengthField(pending, f) <= max,
                   "waits for a message whose header already says it is too large");
      }
      return true;
    }
    if (r == TIocpFrameDecoder::frTooLarge) {
      if (f.Kind == Iocp::fkLine) {
        FUZZ_CHECK(at == std::string::npos ? pending.size() > max : lineLength > max,
                   "too large, but the message fits (or may still fit) in MaxFrameSize");
      } else {
        const unsigned long long len = lengthField(pending, f);
        FUZZ_CHECK(len > max, "too large, but the header's length is within MaxFrameSize");
        FUZZ_CHECK(consumed == len || (len > SIZE_MAX && consumed == SIZE_MAX), "too large: AConsumed is not the length");
      }
      o.end = r;
      o.endOffset = offset;
      o.tooLargeSize = consumed;
      return false;
    }
    FUZZ_CHECK(consumed > 0 && consumed <= pending.size(), "a message consumed nothing or more than there is");
    FUZZ_CHECK(message.data() >= pending.data() && message.data() + message.size() <= pending.data() + consumed,
               "the message is not inside what it consumed");
    FUZZ_CHECK(message.size() <= max, "a message longer than MaxFrameSize");
    if (f.Kind == Iocp::fkLine) {
      FUZZ_CHECK(at == consumed - d.size(), "the message does not end at the first delimiter");
      FUZZ_CHECK(message.data() == pending.data() && message.size() == lineLength,
                 "the message is not the bytes before the delimiter (less a CR right before an LF delimiter)");
    } else {
      const std::size_t head = static_cast<std::size_t>(f.LengthBytes);
      FUZZ_CHECK(message.data() == pending.data() + head && message.size() == lengthField(pending, f) &&
                     consumed == head + message.size(),
                 "the message is not the header's length of bytes after it");
    }
    o.messages.emplace_back(message);
    pending.erase(0, consumed);
    offset += consumed;
  }
}

Outcome decode(const TIocpFrameDecoder& decoder, const std::vector<std::string>& chunks) {
  Outcome o;
  std::string pending;
  std::size_t offset = 0;
  for (const auto& chunk : chunks) {
    pending += chunk;
    if (!drain(decoder, pending, offset, o)) return o;
  }
  o.endOffset = offset;
  return o;
}

std::string describe(const Outcome& o) {
  return std::to_string(o.messages.size()) + " messages, then " +
         (o.end == TIocpFrameDecoder::frTooLarge ? "too large" : "waiting") + " at offset " +
         std::to_string(o.endOffset);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  iocp_fuzz::Input in(data, size);
  TIocpFraming f;
  const unsigned kind = in.byte();
  if (kind & 1) {
    f.Kind = Iocp::fkLengthPrefixed;
    static const int kLengthBytes[] = {1, 2, 4, 8};
    f.LengthBytes = kLengthBytes[(kind >> 1) % 4];
    f.BigEndian = (kind & 8) == 0;
  } else {
    f.Kind = Iocp::fkLine;
    switch ((kind >> 1) % 4) {
      case 0: f.Delimiter = "\n"; break;
      case 1: f.Delimiter = "\r\n"; break;
      case 2: f.Delimiter = std::string(1, '\0'); break;
      default: f.Delimiter = in.bytes(1 + in.byte() % 3); break;
    }
    if (f.Delimiter.empty()) return 0;  // The input ended inside the settings.
  }
  f.MaxFrameSize = 1 + static_cast<int>(in.byte() % 64);
  const TIocpFrameDecoder decoder(f);
  const std::vector<std::size_t> at = iocp_fuzz::cutOffsets(in);
  const std::string stream = in.rest();

  const Outcome whole = decode(decoder, {stream});
  for (const auto& chunks : {iocp_fuzz::cut(stream, at), iocp_fuzz::bytewise(stream)}) {
    const Outcome chunked = decode(decoder, chunks);
    FUZZ_CHECK(whole.messages == chunked.messages && whole.end == chunked.end && whole.endOffset == chunked.endOffset &&
                   whole.tooLargeSize == chunked.tooLargeSize,
               "whole stream: " + describe(whole) + "; in chunks: " + describe(chunked));
  }
  return 0;
}
