// The echo demo as a user runs it: start the binary, read where it listens, echo a line, Ctrl-C.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <vector>
#include <cstdio>
#include <regex>
#include <string>

#include "Iocp.h"

namespace {

class EchoDemo : public ::testing::TestWithParam<const char*> {};

// Reads the child's stdout until `pattern` matches or 10 s pass.
std::string readUntil(int fd, const std::regex& pattern, std::smatch* m, std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  char buf[256];
  while (!std::regex_search(text, *m, pattern) && std::chrono::steady_clock::now() < deadline) {
    fd_set set;
    FD_ZERO(&set);
    FD_SET(fd, &set);
    timeval tv{0, 100000};
    if (select(fd + 1, &set, nullptr, nullptr, &tv) <= 0) continue;
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

// A demo server started as a user starts it, with its stdout read by the test.
struct Demo {
  pid_t pid = -1;
  int out = -1;       // The demo's stdout.
  std::string text;   // What it printed so far.
  uint16_t port = 0;  // Where it said it listens.

  // Start `path args...` and wait for "listening on 127.0.0.1:PORT". False if it never says so.
  bool start(const char* path, std::vector<const char*> args) {
    int fds[2];
    if (pipe(fds) != 0) return false;
    pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      args.insert(args.begin(), path);
      args.push_back(nullptr);
      execv(path, const_cast<char* const*>(args.data()));
      _exit(127);
    }
    close(fds[1]);
    out = fds[0];
    std::smatch m;
    readUntil(out, std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)"), &m, text);
    if (m.empty()) return false;
    port = static_cast<uint16_t>(std::stoi(m[1].str()));
    return true;
  }
  // Ctrl-C, then wait for `stoppedLine` and the exit; true if it printed it and exited with 0.
  bool stop(const char* stoppedLine) {
    kill(pid, SIGINT);
    std::smatch stopped;
    readUntil(out, std::regex(stoppedLine), &stopped, text);
    int status = 0;
    waitpid(pid, &status, 0);
    close(out);
    return !stopped.empty() && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
};

TEST_P(EchoDemo, EchoesALineAndStopsOnCtrlC) {
  Demo demo;
  ASSERT_TRUE(demo.start(ECHO_DEMO_PATH, {"--io", GetParam(), "--port", "0"})) << "demo printed: " << demo.text;
  const uint16_t port = demo.port;

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

INSTANTIATE_TEST_SUITE_P(Modes, EchoDemo, ::testing::Values("default", "iocp"),
                         [](const ::testing::TestParamInfo<const char*>& p) { return std::string(p.param); });

}  // namespace
