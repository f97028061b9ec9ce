// Fiber::current() stays right across migrations in code built as the C ABI library is built
// (see migration_probe.cpp).
#include <gtest/gtest.h>

namespace iocp_native {
int migrationProbe(int turns);
}

TEST(FiberInSharedLibrary, CurrentIsRightAfterEveryMigration) {
  EXPECT_EQ(iocp_native::migrationProbe(2000), 0);
}
