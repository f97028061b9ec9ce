#include <gtest/gtest.h>

#include <string>

#include "iocp_native/buffer.h"

using iocp_native::Buffer;

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
  for (int i = 0; i < 1000; ++i) {  // 1 MB appended in all, never more than 2 KB readable.
    b.append(std::string(1000, static_cast<char>('a' + i % 26)));
    b.consume(999);
  }
  // What is left: the last 1,000 bytes appended, in order.
  EXPECT_EQ(b.view(), std::string(1000, static_cast<char>('a' + 999 % 26)));
  // Consumed space was reused: the storage stayed near the readable size instead of growing
  // towards the megabyte that passed through.
  EXPECT_LE(b.capacity(), 4000u);
}

TEST(Buffer, PrepareCommitAppendsInPlace) {
  Buffer b;
  char* p = b.prepare(3);
  p[0] = 'a'; p[1] = 'b'; p[2] = 'c';
  b.commit(2);
  EXPECT_EQ(b.view(), "ab");
}

TEST(Buffer, AnEmptyBufferHoldsNoStorage) {
  const std::size_t before = Buffer::allocatedBytes();
  {
    Buffer b;
    b.append("hello\r\n");
    EXPECT_GE(b.capacity(), 7u);
    EXPECT_EQ(Buffer::allocatedBytes(), before + b.capacity());
    b.consume(3);
    EXPECT_GT(b.capacity(), 0u);  // Still holds "lo\r\n".
    b.consume(4);
    EXPECT_EQ(b.capacity(), 0u);  // Consuming the last byte frees the storage.
    EXPECT_EQ(Buffer::allocatedBytes(), before);
    b.append(std::string(100000, 'x'));
    b.clear();
    EXPECT_EQ(b.capacity(), 0u);
    b.append("again");
    EXPECT_EQ(b.view(), "again");
  }
  EXPECT_EQ(Buffer::allocatedBytes(), before);  // The destructor gives back what was left.
}
