// The life of one connection in handler context, the same for every engine (Indy's event order).
#pragma once

#include "iocp_native/engine.h"
#include "stream_connection.h"

namespace iocp_native {

// onConnect, then onExecute while connected, then close the socket, then onDisconnect (once).
// Runs on the connection's thread or fiber; never throws.
void runHandler(StreamConnection& conn, EngineHandler& handler);

}  // namespace iocp_native
