// The life of one connection in handler context, the same for every engine (Indy's event order).
#pragma once

#include "iocp_native/engine.h"
#include "stream_connection.h"

namespace iocp_native {

// onConnect (TLS from the first byte: then the handshake), then onExecute while connected (the
// event model: a receive, then onData, while connected), then close the socket, then
// onDisconnect (once). Runs on the connection's thread or fiber; never throws.
void runHandler(StreamConnection& conn, EngineHandler& handler, bool events = false);

// The reason a connection ends with when nothing set one yet: its handler's error, a protocol
// limit hit by its last read, or a local disconnect. Handler context.
void setEndReason(StreamConnection& conn, const std::exception_ptr& error);

}  // namespace iocp_native
