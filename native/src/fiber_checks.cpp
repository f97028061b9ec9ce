// Checks every platform's Fiber::park() makes before it switches away.
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "fiber.h"
#include "iocp/engine.h"

namespace iocp {

void Fiber::checkCanPark(const Fiber* self) {
  if (self == nullptr) {
    std::fputs("iocp: Fiber::park called outside a fiber\n", stderr);
    std::abort();
  }
  // Cheap (one thread-local read) next to a context switch, so checked in every build: parking
  // here would corrupt the runtime's per-thread exception state later, far from the cause.
  if (std::current_exception() != nullptr) {
    std::fputs("iocp: a handler parked (blocking read/write) inside a catch block; "
               "move the I/O after the catch block\n", stderr);
    std::abort();
  }
  if (self->inNoWait()) {
    std::fputs("iocp: a handler waited for its connection (blocking read or write) while holding a lock "
               "such as Contexts->LockList(); read before locking or after unlocking\n", stderr);
    std::abort();
  }
}

void enterNoWaitRegion() {
  if (Fiber* f = Fiber::current()) f->enterNoWait();
}

void leaveNoWaitRegion() {
  if (Fiber* f = Fiber::current()) f->leaveNoWait();
}

}  // namespace iocp
