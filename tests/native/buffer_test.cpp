#include <gtest/gtest.h>

#include "iocp/buffer.h"

using iocp::Buffer;

TEST(Buffer, AppendConsumeKeepsOrder) {
  Buffer b;
  b.append("hello ");
  b.append("world");
  EXPECT_EQ(b.size(), 11u);
  EXPECT_EQ(b.take(6), "hello ");
  EXPECT_EQ(b.view(), "world");
  b.consume(5);
  EXPECT_TRUE(b.empty());
}

TEST(Buffer, FindLocatesNeedleAfterOffset) {
  Buffer b;
  b.append("ab\r\ncd\r\n");
  EXPECT_EQ(b.find("\r\n"), 2u);
  EXPECT_EQ(b.find("\r\n", 3), 6u);
  EXPECT_EQ(b.find("zz"), Buffer::npos);
}

TEST(Buffer, ReusesConsumedSpaceBeforeGrowing) {
  Buffer b;
  std::string chunk(1000, 'x');
  for (int i = 0; i < 1000; ++i) {
    b.append(chunk);
    b.consume(999);
  }
  EXPECT_EQ(b.size(), 1000u);
}

TEST(Buffer, PrepareCommitAppendsInPlace) {
  Buffer b;
  char* p = b.prepare(3);
  p[0] = 'a'; p[1] = 'b'; p[2] = 'c';
  b.commit(2);
  EXPECT_EQ(b.view(), "ab");
}
