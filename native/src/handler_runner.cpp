#include "handler_runner.h"

namespace iocp_native {

void setEndReason(StreamConnection& conn, const std::exception_ptr& error) {
  // An I/O failure has already recorded its own reason; these only apply when none is set.
  conn.setReason(!error                     ? CloseReason::LocalDisconnect
                 : conn.protocolLimitHit() ? CloseReason::ProtocolLimit
                                           : CloseReason::HandlerError);
}

namespace {

// onConnect, then the handler's loop while connected. Throws what the handler throws.
void serve(StreamConnection& conn, EngineHandler& handler, bool events) {
  // TLS from the first byte (EngineOptions::tlsImplicit): the session starts before onConnect
  // (what it writes goes out once the handshake is done; a read drives the handshake), and the
  // loop starts once the handshake is done. One that fails or times out ends the connection with
  // its reason: onDisconnect follows onConnect as always.
  // Behind a load balancer: its PROXY protocol header names the client before onConnect; a
  // connection without an acceptable one ends here, before onConnect.
  if (conn.proxyExpected() && conn.readProxyHeader() != IoStatus::Ok) return;
  const bool tlsFirst = conn.tlsBeforeConnect();
  if (tlsFirst && conn.openTls() != IoStatus::Ok) return;
  handler.onConnect(conn, conn.state());
  if (tlsFirst && conn.awaitHandshake() != IoStatus::Ok) return;
  if (events) {
    // Bytes that came behind a PROXY protocol header are here already.
    if (!conn.input().empty() && conn.connected()) handler.onData(conn, conn.state());
    while (conn.connected() && conn.readAvailable(-1) == IoStatus::Ok) handler.onData(conn, conn.state());
  } else if (conn.connected()) {
    // As Indy's loop (Connected() after each OnExecute): pending input moves into the buffer,
    // so a handler that polls InputBufferIsEmpty sees it. A handler may run this loop itself
    // (Connection::executeAgain); then its one OnExecute returns when the loop has ended.
    conn.startExecute();
    do {
      handler.onExecute(conn, conn.state());
    } while (conn.executeAgain());
  }
}

}  // namespace

void runHandler(StreamConnection& conn, EngineHandler& handler, bool events) {
  std::exception_ptr error;
  try {
    serve(conn, handler, events);
  } catch (...) {
    // Only remember the exception here: nothing may park inside a catch block (see fiber.h).
    error = std::current_exception();
  }
  setEndReason(conn, error);
  try {
    conn.close();
  } catch (...) {  // E.g. out of memory while flushing; the socket is closed regardless.
  }
  conn.countClose();
  handler.onDisconnect(conn, conn.state(), error);  // Declared must-not-throw; the component catches user errors.
}

}  // namespace iocp_native
