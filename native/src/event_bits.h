// The pending-event bits of a completion-engine connection, in one place: a port reports the
// first three (IoEvent::bits, completion_port.h), the connection's strand collects all of them
// (strand.h; they must stay below Strand::kOwned).
#pragma once

namespace iocp_native {

enum : unsigned {
  kEvIn = 1,         // Port: input (or EOF, or an error) may be there: retry receive().
  kEvOut = 2,        // Port: output may move again: retry send().
  kEvTimer = 4,      // A deadline the fiber waits for may have passed.
  kEvClose = 8,      // disconnect() was called.
  kEvStart = 16,     // Accepted and registered: the fiber may start.
  kEvForeign = 32,   // Bytes were queued from outside the handler (another connection's broadcast).
  kEvLiveness = 64,  // The liveness deadline (heartbeat, idle timeout) may have passed.
  // Port, with kEvIn where shortReceiveArms(): the peer has closed or the socket failed, so no
  // later edge will announce it: from now on every read asks the OS.
  kEvInEnded = 128,
};

}  // namespace iocp_native
