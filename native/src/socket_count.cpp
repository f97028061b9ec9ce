#include "open_sockets.h"

#include <atomic>

namespace iocp_native::net {

namespace {
std::atomic<long> gOpenSockets{0};
}

std::size_t openSocketCount() { return static_cast<std::size_t>(gOpenSockets.load()); }
void countSocket(int delta) { gOpenSockets.fetch_add(delta); }

}  // namespace iocp_native::net
