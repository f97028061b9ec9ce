// For language bridges (the C ABI and the Pascal units over it): the per-fiber state of a host
// language's runtime. C++ handlers need none of this.
#pragma once

#include <cstddef>

namespace Iocp {

// iohIOCP runs handlers on fibers, and a runtime that keeps state per thread (Free Pascal's
// chain of exception frames and raised objects, Delphi's raise list) must keep it per fiber
// instead. The hook runs on the resuming thread right before a fiber runs (entering = true) and
// right after it parks or finishes (false), with that fiber's own zeroed block of
// IocpFiberHostStateSize bytes to save the runtime's state in. Set once, before any server is
// activated; nullptr = none. Any thread.
using TIocpFiberSwitchHook = void (*)(void* AState, bool AEntering);
constexpr std::size_t IocpFiberHostStateSize = 64;
void SetFiberSwitchHook(TIocpFiberSwitchHook AHook);

}  // namespace Iocp
