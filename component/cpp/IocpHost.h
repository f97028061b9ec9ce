// For language bridges (the C ABI and the Pascal units over it): the per-fiber state of a host
// language's runtime. C++ handlers need none of this.
#pragma once

#include <cstddef>
#include <functional>

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
// A bridge's self-test of its runtime's per-fiber state (the Pascal units run one at the first
// activation with iohIOCP): runs ACount fibers on the calling thread in turn, each ABody(index)
// until it returns; inside, YieldInterleavedFiber() parks that fiber and the next one runs. The
// switch hook runs on every switch, as for handlers. ABody must not throw. False (nothing runs)
// when called from a fiber. Any other thread.
bool RunInterleavedFibers(int ACount, const std::function<void(int)>& ABody);
// From a body of RunInterleavedFibers: let the next fiber run. False (no effect) elsewhere.
bool YieldInterleavedFiber();

class TIocpContext;
// A bridge's own per-connection objects (e.g. the Pascal context, connection and IOHandler that
// wrap AContext), up to IocpCacheHintCount of them: with iohIOCP the engine fetches them into the
// cache just before it resumes the connection's handler, as it does the context itself, so a
// handler that touches them first does not wait for memory. Only a hint; a later call replaces the
// set. From OnContextCreated or the connection's handler.
constexpr std::size_t IocpCacheHintCount = 4;
void SetCacheHints(TIocpContext& AContext, const void* const* AAddresses, std::size_t ACount);

// Indy's execute loop run by the bridge itself, so that its OnExecute callback sets up its
// exception handling once per connection instead of once per round: after each round of the
// user's OnExecute, true = run it again, false = the loop has ended (return from OnExecute; it
// stays false). Without calling it, each OnExecute call is one round, as in C++. Only from
// AContext's handler, inside OnExecute.
bool ExecuteAgain(TIocpContext& AContext);

}  // namespace Iocp
