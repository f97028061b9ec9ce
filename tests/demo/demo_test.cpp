// The echo demo as a user runs it: start the binary, read where it listens, echo a line, Ctrl-C.
#include <algorithm>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <vector>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>

#include "Iocp.h"
#include "backend_names.h"
#include "demo_process.h"
#include "files.h"

namespace {

using testing_support::TempDir;

class EchoDemo : public ::testing::TestWithParam<const char*> {};

// --backend io_uring: the listening line names what serves, and it serves.
TEST(EchoDemoBackend, NamesTheBackendItServesOnInTheListeningLine) {
  Demo demo;
  ASSERT_TRUE(demo.start(ECHO_DEMO_PATH, {"--io", "iocp", "--backend", "io_uring", "--port", "0"}))
      << "demo printed: " << demo.text;
  EXPECT_EQ(demo.engine, "iohIOCP") << demo.text;
  EXPECT_TRUE(testing_support::namesTheCompletionBackend(demo.backend, true)) << demo.text;
  {
    Iocp::TIocpTCPClient client;
    client.ReadTimeout = 5000;
    client.Connect("127.0.0.1", demo.port);
    client.IOHandler->WriteLn("over the chosen backend");
    EXPECT_EQ(client.IOHandler->ReadLn(), "over the chosen backend");
  }
  EXPECT_TRUE(demo.stop("echo server stopped")) << "demo printed: " << demo.text;
}

TEST_P(EchoDemo, EchoesALineAndStopsOnCtrlC) {
  Demo demo;
  // "io" or "io+event": the engine, and the event model instead of OnExecute.
  const std::string mode = GetParam();
  const std::string io = mode.substr(0, mode.find('+'));
  std::vector<std::string> args = {"--io", io, "--port", "0"};
  if (mode.find("+event") != std::string::npos) args.insert(args.end(), {"--model", "event"});
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  ASSERT_TRUE(demo.start(ECHO_DEMO_PATH, argv)) << "demo printed: " << demo.text;
  const uint16_t port = demo.port;
  // It serves as asked: the engine and the model it names, and the backend the running server
  // reports (threads for iohDefault, the completion backend for iohIOCP).
  EXPECT_EQ(demo.engine, io == "iocp" ? "iohIOCP" : "iohDefault") << demo.text;
  EXPECT_EQ(demo.model, mode.find("+event") != std::string::npos ? "OnMessage" : "OnExecute") << demo.text;
  if (io == "iocp") {
    EXPECT_TRUE(testing_support::namesTheCompletionBackend(demo.backend, false)) << demo.text;
  } else {
    EXPECT_EQ(demo.backend, "threads") << demo.text;
  }

  {
    Iocp::TIocpTCPClient client;
    client.ReadTimeout = 5000;
    client.Connect("127.0.0.1", port);
    client.IOHandler->WriteLn("hello demo");
    EXPECT_EQ(client.IOHandler->ReadLn(), "hello demo");
  }
  // The demo's own client, as the README has a newcomer try it: lines in, echoes out.
  {
    const std::string command = std::string("printf 'first line\\nsecond\\n' | ") + ECHO_DEMO_PATH +
                                " --client --port " + std::to_string(port);
    FILE* p = popen(command.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string echoed;
    char buf[256];
    while (std::fgets(buf, sizeof buf, p)) echoed += buf;
    EXPECT_EQ(pclose(p), 0);
    EXPECT_EQ(echoed, "first line\nsecond\n");
  }

  EXPECT_TRUE(demo.stop("echo server stopped")) << "demo printed: " << demo.text;
}

// Runs `command` (stderr joined to stdout); its output and exit status.
std::string run(const std::string& command, int* exitStatus) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  std::string out;
  if (p == nullptr) return out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int status = pclose(p);
  *exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

const char kConfig[] =
    "<?xml version=\"1.0\"?>\n"
    "<TIocpTCPServer>\n"
    "  <Bindings><Binding IP=\"127.0.0.1\" Port=\"0\"/></Bindings>\n"
    "  <IOHandlerOptions>\n"
    "    <IOHandlerType>iohDefault</IOHandlerType>\n"
    "    <IOCP><IOCPThreads>2</IOCPThreads></IOCP>\n"
    "  </IOHandlerOptions>\n"
    "</TIocpTCPServer>\n";

#define SKIP_WITHOUT_XML_CONFIG() \
  if (!IOCP_XML_CONFIG) GTEST_SKIP() << "built without pugixml: no XML configuration"

TEST(EchoDemoConfig, ServesWithTheEngineAndBindingOfAConfigFile) {
  SKIP_WITHOUT_XML_CONFIG();
  TempDir dir;
  const std::string config = dir.write("echo.xml", kConfig);
  Demo demo;
  ASSERT_TRUE(demo.start(ECHO_DEMO_PATH, {"--config", config.c_str()})) << "demo printed: " << demo.text;
  // The file's engine, not the demo's own default (iohIOCP), and it serves on threads.
  EXPECT_EQ(demo.engine, "iohDefault") << demo.text;
  EXPECT_EQ(demo.backend, "threads") << demo.text;
  {
    Iocp::TIocpTCPClient client;
    client.ReadTimeout = 5000;
    client.Connect("127.0.0.1", demo.port);
    client.IOHandler->WriteLn("configured by XML");
    EXPECT_EQ(client.IOHandler->ReadLn(), "configured by XML");
  }
  EXPECT_TRUE(demo.stop("echo server stopped")) << "demo printed: " << demo.text;
}

TEST(EchoDemoConfig, OptionsOverrideTheConfigFileAndSaveConfigWritesTheResult) {
  SKIP_WITHOUT_XML_CONFIG();
  TempDir dir;
  const std::string config = dir.write("echo.xml", kConfig);
  const std::string saved = (dir.path / "saved.xml").string();
  int status = -1;
  const std::string out = run(std::string(ECHO_DEMO_PATH) + " --config " + config +
                                  " --io iocp --backend io_uring --port 0 --save-config " + saved,
                              &status);
  EXPECT_EQ(status, 0) << out;
  const std::string xml = testing_support::readFile(saved);
  EXPECT_NE(xml.find("<IOHandlerType>iohIOCP</IOHandlerType>"), std::string::npos) << xml;  // --io won.
  EXPECT_NE(xml.find("<IOCPThreads>2</IOCPThreads>"), std::string::npos) << xml;           // From the file.
  EXPECT_NE(xml.find("<Backend>ibIoUring</Backend>"), std::string::npos) << xml;           // --backend.
  EXPECT_NE(xml.find("<Binding IP=\"127.0.0.1\" Port=\"0\" />"), std::string::npos) << xml;
}

TEST(EchoDemoConfig, ABadConfigFileExitsWith2NamingTheElement) {
  SKIP_WITHOUT_XML_CONFIG();
  TempDir dir;
  const std::string bad = dir.write("bad.xml",
                                    "<TIocpTCPServer><IOHandlerOptions><IOHandlerType>iohFast</IOHandlerType>"
                                    "</IOHandlerOptions></TIocpTCPServer>");
  int status = -1;
  std::string out = run(std::string(ECHO_DEMO_PATH) + " --config " + bad + " --port 0", &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("TIocpTCPServer/IOHandlerOptions/IOHandlerType"), std::string::npos) << out;
  EXPECT_NE(out.find("'iohFast'"), std::string::npos) << out;
  EXPECT_NE(out.find("iohDefault, iohIOCP"), std::string::npos) << out;
  EXPECT_EQ(out.find("listening"), std::string::npos) << out;

  out = run(std::string(ECHO_DEMO_PATH) + " --config " + (dir.path / "missing.xml").string(), &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("missing.xml"), std::string::npos) << out;
}

TEST(EchoDemoBackend, AnUnknownBackendIsAUsageError) {
  int status = -1;
  const std::string out = run(std::string(ECHO_DEMO_PATH) + " --backend uring --port 0", &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("--backend is 'default' or 'io_uring'"), std::string::npos) << out;
  EXPECT_EQ(out.find("listening"), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(Modes, EchoDemo, ::testing::Values("default", "iocp", "default+event", "iocp+event"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           std::string name = p.param;
                           std::replace(name.begin(), name.end(), '+', '_');
                           return name;
                         });

}  // namespace
