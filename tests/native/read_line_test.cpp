// readLine with every option, without sockets: a connection whose "socket" delivers scripted
// chunks, so line assembly is checked across every split point.
#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "scripted_connection.h"
#include "stream_connection.h"

using namespace iocp_native;

namespace {

using iocp_test::ScriptedConnection;

struct Read {
  IoStatus status;
  std::string line;
  bool split = false;
};

Read readLine(StreamConnection& c, std::string_view terminator = "\n", std::size_t maxLength = 0,
              MaxLineAction action = MaxLineAction::Exception) {
  Read r;
  r.status = c.readLine(r.line, terminator, maxLength, action, 1000, &r.split);
  return r;
}

}  // namespace

TEST(ReadLine, SplitsOnLfAndStripsOnlyACrRightBeforeIt) {
  ScriptedConnection c({"abc\ndef\r\ng\rh\n\n"});
  EXPECT_EQ(readLine(c).line, "abc");
  EXPECT_EQ(readLine(c).line, "def");
  EXPECT_EQ(readLine(c).line, "g\rh");
  const Read empty = readLine(c);
  EXPECT_EQ(empty.status, IoStatus::Ok);
  EXPECT_EQ(empty.line, "");
  EXPECT_TRUE(c.input().empty());
}

TEST(ReadLine, AnEmptyTerminatorMeansLf) {
  ScriptedConnection c({"x\r\n"});
  EXPECT_EQ(readLine(c, "").line, "x");
}

TEST(ReadLine, AssemblesALineFromEveryPossibleSplit) {
  const std::string wire = "hello, world\r\nnext\r\n";
  for (std::size_t cut = 1; cut < wire.size(); ++cut) {
    ScriptedConnection c({wire.substr(0, cut), wire.substr(cut)});
    EXPECT_EQ(readLine(c).line, "hello, world") << "cut at " << cut;
    EXPECT_EQ(readLine(c).line, "next") << "cut at " << cut;
  }
}

TEST(ReadLine, ACustomTerminatorMaySpanChunksAndKeepsCrAsData) {
  ScriptedConnection c({"x|", "|y\r", "||"});
  EXPECT_EQ(readLine(c, "||").line, "x");
  EXPECT_EQ(readLine(c, "||").line, "y\r");
}

TEST(ReadLine, ByteAtATimeIsReadOncePerByte) {  // The terminator search does not restart.
  std::deque<std::string> bytes;
  for (char ch : std::string("0123456789abcdef\n")) bytes.emplace_back(1, ch);
  ScriptedConnection c(bytes);
  EXPECT_EQ(readLine(c).line, "0123456789abcdef");
  EXPECT_EQ(c.fills, 17);
}

TEST(ReadLine, MaxLengthAllowsALineOfExactlyThatLength) {
  ScriptedConnection c({"0123456789", "\n"});
  EXPECT_EQ(readLine(c, "\n", 10).line, "0123456789");
}

TEST(ReadLine, ACrBeforeTheLfCountsTowardsMaxLengthAsInIndy) {
  ScriptedConnection c({"0123456789", "\r\n"});
  EXPECT_EQ(readLine(c, "\n", 10).status, IoStatus::LineTooLong);
  EXPECT_EQ(readLine(c, "\n", 11).line, "0123456789");
}

TEST(ReadLine, MaxLengthExceptionLeavesTheBytesAndMarksTheProtocolLimit) {
  ScriptedConnection c({"0123456789A", "BCDEF\n"});
  const Read r = readLine(c, "\n", 10);
  EXPECT_EQ(r.status, IoStatus::LineTooLong);
  EXPECT_EQ(r.line, "");
  EXPECT_TRUE(c.protocolLimitHit());
  EXPECT_EQ(c.input().view(), "0123456789A");  // Nothing consumed.
  std::string raw(11, '\0');
  EXPECT_EQ(c.readExact(raw.data(), raw.size(), 0), IoStatus::Ok);  // Reading past it clears the mark.
  EXPECT_FALSE(c.protocolLimitHit());
}

TEST(ReadLine, MaxLengthWaitsUntilAWholeTerminatorCouldHaveFit) {
  // 10 bytes and a CR: the LF may still come, so the line is not yet too long.
  ScriptedConnection c({"0123456789\r", "\n"});
  const Read r = readLine(c, "\r\n", 10);
  EXPECT_EQ(r.status, IoStatus::Ok);
  EXPECT_EQ(r.line, "0123456789");
}

TEST(ReadLine, SplitReturnsTheFirstMaxLengthBytesAndThenTheRest) {
  ScriptedConnection c({"0123456789ABCDEFG\n"});
  const Read first = readLine(c, "\n", 10, MaxLineAction::Split);
  EXPECT_EQ(first.status, IoStatus::Ok);
  EXPECT_EQ(first.line, "0123456789");
  EXPECT_TRUE(first.split);
  const Read rest = readLine(c, "\n", 10, MaxLineAction::Split);
  EXPECT_EQ(rest.line, "ABCDEFG");
  EXPECT_FALSE(rest.split);
}

TEST(ReadLine, ZeroMaxLengthIsUnlimited) {
  const std::string big(100000, 'b');
  ScriptedConnection c({big, "\n"});
  EXPECT_EQ(readLine(c, "\n", 0).line, big);
}

TEST(ReadLine, ATimeoutReturnsNothingAndKeepsThePartialLine) {
  ScriptedConnection c({"partial"});
  const Read r = readLine(c);
  EXPECT_EQ(r.status, IoStatus::Timeout);
  EXPECT_EQ(r.line, "");
  EXPECT_EQ(c.input().view(), "partial");
}

TEST(ReadLine, ThePeersCloseComesOnlyAfterEveryCompleteLine) {
  ScriptedConnection c({"one\ntwo\ntail"}, true);
  EXPECT_EQ(readLine(c).line, "one");
  EXPECT_EQ(readLine(c).line, "two");
  EXPECT_EQ(readLine(c).status, IoStatus::ClosedGracefully);
  EXPECT_TRUE(c.peerHasClosed());
  EXPECT_EQ(c.reason(), CloseReason::PeerClosed);
  EXPECT_TRUE(c.connected());  // "tail" is still there to be read.
  c.input().clear();
  EXPECT_FALSE(c.connected());
}

TEST(ReadLine, AfterDisconnectEveryReadFailsAtOnceButBufferedLinesRemain) {
  ScriptedConnection c({"ready\n"});
  EXPECT_EQ(c.waitFor(6, 1000), IoStatus::Ok);
  c.disconnect();
  EXPECT_EQ(c.reason(), CloseReason::LocalDisconnect);
  EXPECT_EQ(readLine(c).line, "ready");  // Already buffered.
  EXPECT_EQ(readLine(c).status, IoStatus::NotConnected);
}
