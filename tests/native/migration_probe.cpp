// Built into a shared library together with the fiber code, the way the C ABI library is built:
// position-independent, link-time optimised, only entry points exported (so calls inside it are
// inlined). There the compiler sees a thread-local's address as constant within a function and
// may keep it across Fiber::park(); after the fiber resumes on another thread that would be the
// previous thread's slot. This library's one entry point runs a fiber across two threads and
// counts how often Fiber::current() was wrong after a park.
#include "fiber.h"
#include "two_threads.h"

namespace iocp_native {

namespace {
// On a fiber: park `turns` times, counting the resumptions after which Fiber::current() was not
// this fiber.
int countWrongCurrent(int turns) {
  Fiber* const self = Fiber::current();
  int wrong = 0;
  for (int i = 0; i < turns; ++i) {
    Fiber::park();
    if (Fiber::current() != self) ++wrong;
  }
  return wrong;
}
}  // namespace

// Two threads that stay alive resume one fiber in turns until it has parked `turns` times.
// Returns the wrong Fiber::current() results seen, or -1 if the fiber did not finish.
__attribute__((visibility("default"))) int migrationProbe(int turns) {
  int wrong = -1;
  Fiber f(64 * 1024, [&] { wrong = countWrongCurrent(turns); });
  resumeFromTwoThreadsInTurn(f);
  return f.finished() ? wrong : -1;
}

}  // namespace iocp_native
