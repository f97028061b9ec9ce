// Running out of descriptors (POSIX: Windows has no per-process descriptor-number limit).
#include <atomic>
#include <exception>

#include "server_fixture.h"

using namespace Iocp;
using namespace testing_support;

namespace {

class DescriptorLimits : public ServerTest {};
INSTANTIATE_FOR_BOTH_ENGINES(DescriptorLimits);

// A connection that arrives while the process is out of descriptors waits in the backlog; once
// descriptors are free again the server must pick it up by itself (with edge-triggered epoll
// nothing re-announces it).
TEST_P(DescriptorLimits, AcceptRecoversAfterRunningOutOfDescriptors) {
  std::atomic<int> listenErrors{0};
  const auto stop = stopAtEnd();
  server->OnListenException = [&](TIocpSocketHandle*, const std::exception&) { ++listenErrors; };
  echo();
  const uint16_t port = start();
  const int lowestFree = lowestFreeDescriptor();
  {
    DescriptorLimit limit(lowestFree + 1);  // The client's socket takes the last allowed number.
    RawSocket s("127.0.0.1", port, RawSocket::HandshakeLater{});  // Not accepted until the limit goes.
    ASSERT_TRUE(s.valid());
    s.send("waited\r\n");
    ASSERT_TRUE(waitUntil([&] { return listenErrors.load() > 0; }));  // accept hit EMFILE.
    limit.restore();
    EXPECT_EQ(s.recvLine(kEventuallyMs), "waited");
  }
  auto c = client();
  c->IOHandler->WriteLn("after");
  EXPECT_EQ(c->IOHandler->ReadLn(), "after");
}

}  // namespace
