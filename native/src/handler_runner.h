// The life of one connection in handler context, the same for every engine (Indy's event order).
#pragma once

#include "iocp/engine.h"

namespace iocp {

// onConnect, then onExecute while connected, then close the socket, then onDisconnect (once).
// Runs on the connection's thread or fiber; never throws.
void runHandler(Connection& conn, EngineHandler& handler);

}  // namespace iocp
