// The option table's one check at SetActive: a value out of its range, set on the C++ members,
// is refused with the same text as the C ABI and the XML loader give, and nothing listens.
#include <gtest/gtest.h>

#include <string>

#include "IocpTCPServer.h"

using namespace Iocp;

namespace {

std::string refusal(TIocpTCPServer& s) {
  s.OnExecute = [](TIocpContext*) {};
  try {
    s.SetActive(true);
  } catch (const EIdException& e) {
    EXPECT_FALSE(s.GetActive());
    return e.what();
  }
  s.SetActive(false);
  return "(accepted)";
}

TEST(ServerOptions, SetActiveRefusesAValueOutOfItsRange) {
  TIocpTCPServer s;
  s.IOHandlerOptions.IOCP.FiberStackSize = 4096;
  EXPECT_EQ(refusal(s), "IOHandlerOptions.IOCP.FiberStackSize = 4096 is not allowed; allowed range: 16384..1073741824");
}

TEST(ServerOptions, SetActiveRefusesAChoiceThatIsNoneOfItsValues) {
  TIocpTCPServer s;
  s.Framing.LengthBytes = 3;
  EXPECT_EQ(refusal(s), "Framing.LengthBytes = 3 is not allowed; allowed values: 1, 2, 4, 8");
  s.Framing.LengthBytes = 4;
  s.Framing.Kind = static_cast<TIocpFramingKind>(3);
  EXPECT_EQ(refusal(s), "Framing.Kind = 3 is not allowed; allowed values: fkNone, fkLine, fkLengthPrefixed");
}

TEST(ServerOptions, ValuesInRangeStart) {
  TIocpTCPServer s;
  s.IOHandlerOptions.IOCP.FiberStackSize = 16384;
  s.Heartbeat.Interval = 1;
  s.Bindings.Add().IP = "127.0.0.1";
  EXPECT_EQ(refusal(s), "(accepted)");
}

}  // namespace
