// The server options through the C ABI, as a C or Pascal user sees them (iocp.h only): the table
// iocp_server_option_info lists, each option's range enforced by iocp_server_set_int with a text
// naming it, strings both ways, and the XML configuration.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

#include "iocp.h"

namespace {

struct Server {
  iocp_server* s = iocp_server_create();
  ~Server() { iocp_server_destroy(s); }
};

struct Info {
  int id = 0, kind = 0;
  std::string path;
  int64_t lo = 0, hi = 0;
};

Info info(int index) {
  Info i;
  const char* path = nullptr;
  EXPECT_EQ(iocp_server_option_info(index, &i.id, &i.kind, &path, &i.lo, &i.hi), IOCP_OK) << index;
  i.path = path ? path : "";
  return i;
}

TEST(ServerOptions, TheTableListsEveryOptionOnceWithItsRange) {
  const int n = iocp_server_option_count();
  ASSERT_GE(n, 28);
  std::set<int> ids;
  std::set<std::string> paths;
  for (int k = 0; k < n; ++k) {
    const Info i = info(k);
    EXPECT_TRUE(ids.insert(i.id).second) << "id " << i.id << " twice";
    EXPECT_TRUE(paths.insert(i.path).second) << i.path << " twice";
    EXPECT_TRUE(i.kind >= IOCP_OPTION_NUMBER && i.kind <= IOCP_OPTION_SET) << i.path;
    EXPECT_LE(i.lo, i.hi) << i.path;
    EXPECT_EQ(i.kind == IOCP_OPTION_STRING, i.id >= 100) << i.path << ": strings have ids from 100";
  }
  // A few rows as iocp.h's constants name them.
  EXPECT_TRUE(ids.count(IOCP_SERVER_FIBER_STACK_SIZE) && paths.count("IOHandlerOptions.IOCP.FiberStackSize"));
  EXPECT_TRUE(ids.count(IOCP_SERVER_FRAMING_DELIMITER) && paths.count("Framing.Delimiter"));
  EXPECT_EQ(iocp_server_option_info(n, nullptr, nullptr, nullptr, nullptr, nullptr), IOCP_ERR_ARGUMENT);
  EXPECT_EQ(iocp_server_option_info(-1, nullptr, nullptr, nullptr, nullptr, nullptr), IOCP_ERR_ARGUMENT);
}

// Every number, boolean and choice takes its lowest and highest value, reads them back, and
// refuses the values just outside with IOCP_ERR_ARGUMENT and a text naming the option.
TEST(ServerOptions, EveryNumberTakesItsRangeAndRefusesTheValuesOutside) {
  Server srv;
  for (int k = 0; k < iocp_server_option_count(); ++k) {
    const Info i = info(k);
    if (i.kind == IOCP_OPTION_STRING) continue;
    for (const int64_t v : {i.lo, i.hi}) {
      ASSERT_EQ(iocp_server_set_int(srv.s, i.id, v), IOCP_OK) << i.path << " = " << v << ": " << iocp_last_error();
      int64_t back = -12345;
      ASSERT_EQ(iocp_server_get_int(srv.s, i.id, &back), IOCP_OK) << i.path;
      EXPECT_EQ(back, v) << i.path;
    }
    for (const int64_t v : {i.lo - 1, i.hi + 1}) {
      EXPECT_EQ(iocp_server_set_int(srv.s, i.id, v), IOCP_ERR_ARGUMENT) << i.path << " = " << v;
      const std::string text = iocp_last_error();
      EXPECT_NE(text.find(i.path + " = " + std::to_string(v) + " is not allowed; allowed "), std::string::npos)
          << text;
    }
  }
}

TEST(ServerOptions, ARefusedValueSaysWhatIsAllowedAndChangesNothing) {
  Server srv;
  EXPECT_EQ(iocp_server_set_int(srv.s, IOCP_SERVER_FIBER_STACK_SIZE, 4096), IOCP_ERR_ARGUMENT);
  EXPECT_STREQ(iocp_last_error(),
               "IOHandlerOptions.IOCP.FiberStackSize = 4096 is not allowed; allowed range: 16384..1073741824");
  int64_t v = 0;
  ASSERT_EQ(iocp_server_get_int(srv.s, IOCP_SERVER_FIBER_STACK_SIZE, &v), IOCP_OK);
  EXPECT_EQ(v, 262144);
  // A choice between its lowest and highest value that is none of its values.
  EXPECT_EQ(iocp_server_set_int(srv.s, IOCP_SERVER_FRAMING_LENGTH_BYTES, 3), IOCP_ERR_ARGUMENT);
  EXPECT_STREQ(iocp_last_error(), "Framing.LengthBytes = 3 is not allowed; allowed values: 1 (1), 2 (2), 4 (4), 8 (8)");
  EXPECT_EQ(iocp_server_set_int(srv.s, IOCP_SERVER_USE_NAGLE, 2), IOCP_ERR_ARGUMENT);
  // Unknown ids, and an option of the other type.
  EXPECT_EQ(iocp_server_set_int(srv.s, 99, 0), IOCP_ERR_ARGUMENT);
  EXPECT_STREQ(iocp_last_error(), "unknown server option 99");
  EXPECT_EQ(iocp_server_get_int(srv.s, 0, &v), IOCP_ERR_ARGUMENT);
  EXPECT_EQ(iocp_server_set_int(srv.s, IOCP_SERVER_HEARTBEAT_PAYLOAD, 1), IOCP_ERR_ARGUMENT);
  EXPECT_NE(std::string(iocp_last_error()).find("Heartbeat.Payload (option 101) is a string"), std::string::npos);
  EXPECT_EQ(iocp_server_set_str(srv.s, IOCP_SERVER_DEFAULT_PORT, "1", 1), IOCP_ERR_ARGUMENT);
}

TEST(ServerOptions, StringsGoInAndComeOutAsBytes) {
  Server srv;
  const char* out = nullptr;
  size_t n = 0;
  ASSERT_EQ(iocp_server_get_str(srv.s, IOCP_SERVER_FRAMING_DELIMITER, &out, &n), IOCP_OK);
  EXPECT_EQ(std::string(out, n), "\n");
  const char payload[] = "PI\0NG\r\n";
  ASSERT_EQ(iocp_server_set_str(srv.s, IOCP_SERVER_HEARTBEAT_PAYLOAD, payload, sizeof payload - 1), IOCP_OK);
  ASSERT_EQ(iocp_server_get_str(srv.s, IOCP_SERVER_HEARTBEAT_PAYLOAD, &out, &n), IOCP_OK);
  EXPECT_EQ(std::string(out, n), std::string(payload, sizeof payload - 1));
}

TEST(ServerOptions, XmlConfigurationThroughTheAbi) {
  Server a, b;
  const char* xml = nullptr;
  size_t n = 0;
#if IOCP_TEST_XML
  ASSERT_EQ(iocp_server_set_int(a.s, IOCP_SERVER_HEARTBEAT_INTERVAL, 1234), IOCP_OK);
  ASSERT_EQ(iocp_server_set_int(a.s, IOCP_SERVER_FRAMING_KIND, 1), IOCP_OK);
  ASSERT_EQ(iocp_server_add_binding(a.s, "127.0.0.1", 9, 7000), 0);
  ASSERT_EQ(iocp_server_save_xml(a.s, &xml, &n), IOCP_OK) << iocp_last_error();
  const std::string saved(xml, n);
  EXPECT_NE(saved.find("<Interval>1234</Interval>"), std::string::npos) << saved;
  ASSERT_EQ(iocp_server_load_xml(b.s, saved.data(), saved.size()), IOCP_OK) << iocp_last_error();
  int64_t v = 0;
  ASSERT_EQ(iocp_server_get_int(b.s, IOCP_SERVER_HEARTBEAT_INTERVAL, &v), IOCP_OK);
  EXPECT_EQ(v, 1234);
  ASSERT_EQ(iocp_server_get_int(b.s, IOCP_SERVER_FRAMING_KIND, &v), IOCP_OK);
  EXPECT_EQ(v, 1);
  EXPECT_EQ(iocp_server_binding_count(b.s), 1);
  const std::string bad = "<TIocpTCPServer><Heartbeat><Interval>0</Interval></Heartbeat></TIocpTCPServer>";
  EXPECT_EQ(iocp_server_load_xml(b.s, bad.data(), bad.size()), IOCP_ERR_CONFIG);
  EXPECT_NE(std::string(iocp_last_error()).find("TIocpTCPServer/Heartbeat/Interval"), std::string::npos)
      << iocp_last_error();
  ASSERT_EQ(iocp_server_get_int(b.s, IOCP_SERVER_HEARTBEAT_INTERVAL, &v), IOCP_OK);
  EXPECT_EQ(v, 1234) << "a refused document changes nothing";
#else
  // Built without pugixml (the Windows DLL): both say so.
  EXPECT_EQ(iocp_server_save_xml(a.s, &xml, &n), IOCP_ERR_CONFIG);
  EXPECT_EQ(iocp_server_load_xml(a.s, "<x/>", 4), IOCP_ERR_CONFIG);
#endif
}

}  // namespace
