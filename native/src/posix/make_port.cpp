// Which port serves the completion engine on Linux: epoll unless io_uring is asked for (by the
// option, or by the environment variable IOCP_BACKEND, which overrides it), and epoll again where
// the kernel refuses io_uring.
#include <cstdlib>
#include <cstring>

#include "linux_ports.h"

namespace iocp_native {

std::unique_ptr<Port> makePort(PortEvents& events, CompletionBackend backend, int ioThreads,
                               std::string* description) {
  if (const char* env = std::getenv("IOCP_BACKEND")) {
    if (std::strcmp(env, "io_uring") == 0) backend = CompletionBackend::IoUring;
    else if (std::strcmp(env, "epoll") == 0) backend = CompletionBackend::Default;
  }
  if (backend == CompletionBackend::IoUring) {
    std::string why;
    if (auto port = makeUringPort(events, ioThreads, &why)) {
      *description = "io_uring";
      return port;
    }
    *description = "epoll (io_uring unavailable: " + why + ")";
    return makeEpollPort(events);
  }
  *description = "epoll";
  return makeEpollPort(events);
}

}  // namespace iocp_native
