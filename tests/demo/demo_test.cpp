// The echo demo as a user runs it: start the binary, read where it listens, echo a line, Ctrl-C.
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
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

TEST_P(EchoDemo, EchoesALineAndStopsOnCtrlC) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execl(ECHO_DEMO_PATH, ECHO_DEMO_PATH, "--io", GetParam(), "--port", "0", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string text;
  std::smatch m;
  readUntil(out[0], std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)"), &m, text);
  ASSERT_FALSE(m.empty()) << "demo printed: " << text;
  const auto port = static_cast<uint16_t>(std::stoi(m[1].str()));

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

  kill(pid, SIGINT);
  std::smatch stopped;
  readUntil(out[0], std::regex("echo server stopped"), &stopped, text);
  int status = 0;
  waitpid(pid, &status, 0);
  close(out[0]);
  EXPECT_FALSE(stopped.empty()) << "demo printed: " << text;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

INSTANTIATE_TEST_SUITE_P(Modes, EchoDemo, ::testing::Values("default", "iocp"),
                         [](const ::testing::TestParamInfo<const char*>& p) { return std::string(p.param); });

}  // namespace

#ifdef PASCAL_ECHO_DEMO_PATH
namespace {

int threadsOf(pid_t pid) {
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/task").c_str());
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

class PascalEchoDemo : public ::testing::TestWithParam<const char*> {};

// The Pascal echo server (demos/pascal, TIocpTCPServer over the C ABI) holds thousands of
// connections parked in ReadLn on a few threads with iohIOCP; the same program with iohDefault
// needs a thread per connection. Thread counts from /proc/<pid>/task.
TEST_P(PascalEchoDemo, ParksConnectionsInReadLnOnFewThreadsOnlyWithIocp) {
  const bool iocp = std::string(GetParam()) == "iocp";
  const int kClients = iocp ? 5000 : 1000;
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execl(PASCAL_ECHO_DEMO_PATH, PASCAL_ECHO_DEMO_PATH, "--io", GetParam(), "--port", "0", "--threads", "2",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string text;
  std::smatch m;
  readUntil(out[0], std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)"), &m, text);
  ASSERT_FALSE(m.empty()) << "demo printed: " << text;
  const auto port = static_cast<uint16_t>(std::stoi(m[1].str()));
  const int threadsIdle = threadsOf(pid);
  {
    std::vector<std::unique_ptr<Iocp::TIocpTCPClient>> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.push_back(std::make_unique<Iocp::TIocpTCPClient>());
      clients.back()->ReadTimeout = 10000;
      clients.back()->Connect("127.0.0.1", port);
      clients.back()->IOHandler->WriteLn("hello " + std::to_string(i));
      ASSERT_EQ(clients.back()->IOHandler->ReadLn(), "hello " + std::to_string(i));
    }
    // Every connection's handler now waits in ReadLn again.
    const int threadsBusy = threadsOf(pid);
    std::printf("[ figures  ] Pascal echo server, %s: %d connections parked in ReadLn, %d threads (%d idle)\n",
                GetParam(), kClients, threadsBusy, threadsIdle);
    if (iocp) {
      EXPECT_LE(threadsBusy, threadsIdle + 3) << "iohIOCP must not add a thread per connection";
    } else {
      EXPECT_GE(threadsBusy, threadsIdle + kClients) << "iohDefault runs a thread per connection";
    }
    clients[kClients / 2]->IOHandler->WriteLn("still there");
    EXPECT_EQ(clients[kClients / 2]->IOHandler->ReadLn(), "still there");
  }
  kill(pid, SIGINT);
  std::smatch stopped;
  readUntil(out[0], std::regex("stopped"), &stopped, text);
  int status = 0;
  waitpid(pid, &status, 0);
  close(out[0]);
  EXPECT_FALSE(stopped.empty()) << "demo printed: " << text;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

INSTANTIATE_TEST_SUITE_P(Modes, PascalEchoDemo, ::testing::Values("default", "iocp"),
                         [](const ::testing::TestParamInfo<const char*>& p) { return std::string(p.param); });

}  // namespace
#endif
