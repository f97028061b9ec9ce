// The event model's decoders (IocpFraming.h): split frames, many frames per read, oversized
// frames, zero length, and the checks of a bad Framing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "Iocp.h"
#include "length_prefix.h"

using namespace Iocp;
using testing_support::prefixed;

namespace {

// Feeds `stream` in pieces of `step` bytes, decoding after each, as the server does.
std::vector<std::string> decodeAll(const TIocpFraming& f, const std::string& stream, std::size_t step,
                                   bool* tooLarge = nullptr) {
  TIocpFrameDecoder d(f);
  std::vector<std::string> out;
  std::string input;
  for (std::size_t at = 0; at < stream.size(); at += step) {
    input += stream.substr(at, step);
    for (;;) {
      std::string_view msg;
      std::size_t used = 0;
      const auto r = d.Next(input, msg, used);
      if (r == TIocpFrameDecoder::frNeedMore) break;
      if (r == TIocpFrameDecoder::frTooLarge) {
        if (tooLarge) *tooLarge = true;
        return out;
      }
      out.emplace_back(msg);
      input.erase(0, used);
    }
  }
  return out;
}

TIocpFraming lines(int max = 1024) {
  TIocpFraming f;
  f.Kind = fkLine;
  f.MaxFrameSize = max;
  return f;
}

TIocpFraming lengths(int bytes, bool bigEndian = true, int max = 1024) {
  TIocpFraming f;
  f.Kind = fkLengthPrefixed;
  f.LengthBytes = bytes;
  f.BigEndian = bigEndian;
  f.MaxFrameSize = max;
  return f;
}

}  // namespace

TEST(Framing, LinesSplitAcrossReadsComeOutWhole) {
  const std::string stream = "hello\nworld, a longer line\r\n\nlast\n";
  for (std::size_t step : {1u, 2u, 3u, 7u, 100u}) {
    EXPECT_EQ(decodeAll(lines(), stream, step),
              (std::vector<std::string>{"hello", "world, a longer line", "", "last"}))
        << "step " << step;
  }
}

TEST(Framing, ManyLinesInOneReadAreAllDelivered) {
  std::string stream;
  for (int i = 0; i < 1000; ++i) stream += "m" + std::to_string(i) + "\n";
  const auto out = decodeAll(lines(), stream, stream.size());
  ASSERT_EQ(out.size(), 1000u);
  EXPECT_EQ(out.front(), "m0");
  EXPECT_EQ(out.back(), "m999");
}

TEST(Framing, AMultiByteDelimiterKeepsItsCarriageReturns) {
  TIocpFraming f = lines();
  f.Delimiter = "\r\n.\r\n";
  EXPECT_EQ(decodeAll(f, "a\r\nb\r\n.\r\nc\r\n.\r\n", 3), (std::vector<std::string>{"a\r\nb", "c"}));
}

TEST(Framing, AnOverlongLineIsRejectedWithoutWaitingForItsEnd) {
  bool tooLarge = false;
  // 10 bytes allowed: "0123456789\n" passes, eleven bytes without a newline do not.
  EXPECT_EQ(decodeAll(lines(10), "0123456789\r\n0123456789A", 1, &tooLarge), (std::vector<std::string>{"0123456789"}));
  EXPECT_TRUE(tooLarge);
  tooLarge = false;
  EXPECT_EQ(decodeAll(lines(10), "0123456789A\n", 100, &tooLarge), (std::vector<std::string>{}));
  EXPECT_TRUE(tooLarge);
}

TEST(Framing, LengthPrefixedFramesSplitAnywhereComeOutWhole) {
  for (int bytes : {1, 2, 4, 8}) {
    for (bool big : {true, false}) {
      const std::string stream = prefixed("first", bytes, big) + prefixed("", bytes, big) +
                                 prefixed(std::string(200, 'x'), bytes, big);
      for (std::size_t step : {1u, 3u, 64u, 1000u}) {
        EXPECT_EQ(decodeAll(lengths(bytes, big), stream, step),
                  (std::vector<std::string>{"first", "", std::string(200, 'x')}))
            << bytes << " bytes, big endian " << big << ", step " << step;
      }
    }
  }
}

// The length's byte order, against bytes written out by hand (the test's own prefixed() could share
// a mistake with the decoder): 0x0102 = 258 bytes big endian, 0x0201 = 513 little endian.
TEST(Framing, TheLengthIsReadInTheByteOrderAsked) {
  const std::string body(258, 'b');
  EXPECT_EQ(prefixed("abc", 2, true), std::string("\x00\x03" "abc", 5));
  EXPECT_EQ(prefixed("abc", 4, false), std::string("\x03\x00\x00\x00" "abc", 7));
  EXPECT_EQ(decodeAll(lengths(2, true, 1000), std::string("\x01\x02", 2) + body, 7), (std::vector<std::string>{body}));
  bool tooLarge = false;  // Read the other way round, the same two bytes say 513: over the maximum.
  EXPECT_EQ(decodeAll(lengths(2, false, 300), std::string("\x01\x02", 2) + body, 7, &tooLarge), (std::vector<std::string>{}));
  EXPECT_TRUE(tooLarge);
  const std::string eight = std::string("\x00\x00\x00\x00\x00\x00\x01\x02", 8) + body;
  EXPECT_EQ(decodeAll(lengths(8, true, 1000), eight, 64), (std::vector<std::string>{body}));
}

TEST(Framing, ALengthAboveTheMaximumIsRejectedAsSoonAsTheHeaderArrives) {
  TIocpFrameDecoder d(lengths(4, true, 100));
  std::string_view msg;
  std::size_t used = 0;
  EXPECT_EQ(d.Next(prefixed(std::string(100, 'a'), 4, true), msg, used), TIocpFrameDecoder::frMessage);
  const std::string header = prefixed(std::string(101, 'a'), 4, true).substr(0, 4);
  EXPECT_EQ(d.Next(header, msg, used), TIocpFrameDecoder::frTooLarge);
  EXPECT_EQ(used, 101u);
  EXPECT_EQ(d.Next(std::string("\xFF\xFF\xFF\xFF", 4), msg, used), TIocpFrameDecoder::frTooLarge);
}

TEST(Framing, ZeroLengthFramesAreEmptyMessages) {
  EXPECT_EQ(decodeAll(lengths(2), std::string(6, '\0'), 1), (std::vector<std::string>{"", "", ""}));
}

TEST(Framing, ABadFramingIsRefusedNamingWhatIsWrong) {
  auto message = [](const TIocpFraming& f) {
    try {
      TIocpFrameDecoder d(f);
    } catch (const EIdException& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message(TIocpFraming{}).find("fkNone"), std::string::npos);
  TIocpFraming f = lines();
  f.Delimiter.clear();
  EXPECT_NE(message(f).find("Delimiter is empty"), std::string::npos);
  EXPECT_NE(message(lengths(3)).find("allowed: 1, 2, 4 or 8"), std::string::npos);
  EXPECT_NE(message(lines(0)).find("MaxFrameSize is 0"), std::string::npos);
}
