// The completion engine's ports on Linux; makePort (make_port.cpp) picks one.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "../completion_port.h"

namespace iocp_native {

std::unique_ptr<Port> makeEpollPort(PortEvents& events);  // Throws std::runtime_error.
// io_uring with `rings` rings (one per I/O thread). Returns null, with the reason in *why, where
// the kernel refuses it (too old, disabled, out of locked memory, a feature missing).
std::unique_ptr<Port> makeUringPort(PortEvents& events, int rings, std::string* why);

// What both ports do alike (linux_ports.cpp).
void signalEventFd(int fd);                             // Add 1 to an eventfd: its reader wakes.
void armTimerFd(int fd, Clock::time_point when);        // One-shot at `when`; max() disarms.
// Accept on `listener` until its backlog is empty (a readiness report comes once), reporting each
// socket to events.onAccepted, and a lack of resources to events.onAcceptFailed; stops at once
// when `accepting` turns false.
void acceptUntilEmpty(int listener, std::size_t binding, const std::atomic<bool>& accepting,
                      PortEvents& events);
// resumeListening: each new listener takes its binding's descriptor number in `fds` (dup2), so an
// I/O thread still inside acceptUntilEmpty with that number accepts from the new socket and never
// from a number reused meanwhile. Closes the new descriptors; throws std::runtime_error (the rest
// closed) if a number cannot be taken.
void takeListenerNumbers(const std::vector<int>& fds, const std::vector<net::OpenListener>& listeners);

}  // namespace iocp_native
