// What a running server's backend text (ActiveBackend, iocp_server_active_backend, the demo's
// listening line) must say for the completion engine: shared by the suites (no dependency on the
// library, so the C ABI tests use it too).
#pragma once

#include <cstdlib>
#include <string>

namespace testing_support {

// True if `active` names what serves iohIOCP when io_uring was asked for (`ioUring`) or not:
// Windows has its completion port only; on Linux the environment variable IOCP_BACKEND, when set,
// overrides the option (a suite run on io_uring), and io_uring refused by the kernel is epoll
// with the reason, except where IOCP_REQUIRE_IO_URING=1 says this kernel serves io_uring (the
// test command's io_uring pass sets it after asking the kernel).
inline bool namesTheCompletionBackend(const std::string& active, bool ioUring) {
#if defined(_WIN32)
  (void)ioUring;
  return active == "IOCP";
#else
  if (const char* env = std::getenv("IOCP_BACKEND")) {
    if (std::string(env) == "io_uring") ioUring = true;
    if (std::string(env) == "epoll") ioUring = false;
  }
  if (!ioUring) return active == "epoll";
  const char* required = std::getenv("IOCP_REQUIRE_IO_URING");
  if (required != nullptr && std::string(required) == "1") return active == "io_uring";
  const std::string refused = "epoll (io_uring unavailable: ";
  return active == "io_uring" || (active.size() > refused.size() + 1 &&
                                  active.compare(0, refused.size(), refused) == 0 && active.back() == ')');
#endif
}

}  // namespace testing_support
