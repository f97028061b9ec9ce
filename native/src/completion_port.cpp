// What the ports share (completion_port.h): a receive through a per-thread scratch area.
#include "completion_port.h"

#include <algorithm>
#include <array>

#include "stream_connection.h"  // kReadChunk

namespace iocp_native {

// The caller may be a fiber that later resumes on another thread: the scratch area's address is
// taken inside this function, which never parks, and never kept. noinline (and the empty asm,
// which makes the address opaque) keeps a compiler from hoisting it into a caller's loop that
// parks.
__attribute__((noinline)) long receiveThroughScratch(net::SocketHandle s, Buffer& into, std::size_t max, int* err) {
  thread_local std::array<char, kReadChunk> area;
  char* chunk = area.data();
  asm volatile("" : "+r"(chunk));
  const long n = net::recvSome(s, chunk, std::min(max, area.size()), err);
  if (n > 0) into.append(chunk, static_cast<std::size_t>(n));
  return n;
}

}  // namespace iocp_native
