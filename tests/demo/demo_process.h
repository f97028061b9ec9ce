// The echo demo as a user starts it, for the demo's tests: a child process whose stdout the test
// reads (demo_test.cpp, demo_tls_test.cpp).
#pragma once

#include <signal.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

namespace {

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

  // The listening line's engine, handler model and backend ("iohIOCP", "OnMessage", "epoll").
  std::string engine, model, backend;

  // Start `path args...` and wait for its listening line,
  //   echo server (ENGINE, MODEL, backend BACKEND) listening on 127.0.0.1:PORT
  // False if it never says so.
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
    readUntil(out, std::regex("echo server \\(([^,]*), ([^,]*), backend (.*)\\) listening on 127\\.0\\.0\\.1:([0-9]+)"),
              &m, text);
    if (m.empty()) return false;
    engine = m[1].str();
    model = m[2].str();
    backend = m[3].str();
    port = static_cast<uint16_t>(std::stoi(m[4].str()));
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

}  // namespace
