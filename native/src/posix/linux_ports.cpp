// What the epoll and io_uring ports share: wake-ups, the timer and accepting.
#include "linux_ports.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace iocp_native {

void signalEventFd(int fd) {
  const uint64_t one = 1;
  (void)!::write(fd, &one, sizeof one);
}

void armTimerFd(int fd, Clock::time_point when) {
  itimerspec spec{};
  if (when != Clock::time_point::max()) {
    // timerfd and steady_clock both count CLOCK_MONOTONIC on Linux.
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count();
    spec.it_value.tv_sec = ns / 1000000000;
    spec.it_value.tv_nsec = ns % 1000000000;
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  }
  timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void takeListenerNumbers(const std::vector<int>& fds, const std::vector<net::OpenListener>& listeners) {
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    if (i >= fds.size() || ::dup2(static_cast<int>(listeners[i].socket), fds[i]) < 0) {
      const int err = i >= fds.size() ? EINVAL : errno;
      for (std::size_t k = i; k < listeners.size(); ++k) net::closeSocket(listeners[k].socket);
      throw std::runtime_error("cannot listen again: " + net::errorText(err));
    }
    net::closeSocket(listeners[i].socket);
  }
}

void acceptUntilEmpty(int listener, std::size_t binding, const std::atomic<bool>& accepting,
                      PortEvents& events) {
  for (;;) {
    if (!accepting) return;
    Endpoint peer, local;
    int err = 0;
    const net::SocketHandle s = net::acceptOne(listener, true, &peer, &local, &err);
    if (s == net::kInvalidSocket) {
      if (net::wouldBlock(err) || !accepting) return;
      if (net::interrupted(err) || err == ECONNABORTED) continue;
      events.onAcceptFailed(binding, err);
      return;
    }
    events.onAccepted(binding, s, peer, local);
  }
}

}  // namespace iocp_native
