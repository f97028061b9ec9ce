// Failures the OS almost never produces, on demand, so the tests can show what the engine does
// when they happen. Internal: only the tests arm them; each costs the engine one relaxed atomic
// load where it is checked.
#pragma once

namespace iocp_native::fault {

// Make the next wait of some completion-engine I/O thread (of any engine in this process) fail
// with `osError` (errno / Windows error code, non-zero; 0 disarms), as if the OS had refused the
// wait for good. Armed once: the first I/O thread that waits after this call takes it. Any thread.
void failNextIoWait(int osError);

// Port side: true, with *osError set, if a failure is armed; takes it. I/O thread, before a wait.
bool takeIoWaitFailure(int* osError);

}  // namespace iocp_native::fault
