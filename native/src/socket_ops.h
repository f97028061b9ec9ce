// Thin, platform-neutral socket calls. One implementation per platform:
// posix/socket_ops.cpp (BSD sockets) and, later, win/socket_ops.cpp (Winsock).
// Every function is thread safe in the way the underlying OS call is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "iocp/connection.h"
#include "iocp/engine.h"

namespace iocp::net {

using SocketHandle = std::intptr_t;
constexpr SocketHandle kInvalidSocket = -1;

// Create, bind and listen. On failure returns kInvalidSocket and sets *err and *what.
SocketHandle openListener(const BindingSpec& spec, int backlog, bool reuseAddress, bool nonBlocking,
                          Endpoint* bound, int* err, std::string* what);
// The largest listen() backlog the system grants (Linux: net.core.somaxconn; Windows: SOMAXCONN,
// which asks Winsock for its maximum).
int maxListenBacklog();
// Every binding of `options`, opened and listening, in order.
struct OpenListener {
  SocketHandle socket;
  Endpoint bound;  // With the port the OS chose for port 0.
};
// Opens them all or none: on a failure closes those already open and throws BindError.
std::vector<OpenListener> openListeners(const EngineOptions& options, bool nonBlocking);

// Accept one connection. Returns kInvalidSocket with *err set (wouldBlock(*err) when none is pending).
SocketHandle acceptOne(SocketHandle listener, bool nonBlocking, Endpoint* peer, Endpoint* local,
                       int* err);
// Connect with a timeout (blocking socket returned). On failure sets *err and *timedOut.
SocketHandle connectTo(const std::string& host, uint16_t port, int timeoutMs, int* err,
                       bool* timedOut);

// Turn away an accepted connection: send `message` if it fits the socket at once, FIN, close.
void refuseConnection(SocketHandle s, const std::string& message);

void setNoDelay(SocketHandle s, bool on);
// TCP keepalive: probes after timeMs idle, then every intervalMs. False if the OS refused.
bool setKeepAlive(SocketHandle s, bool on, int timeMs, int intervalMs);
// Bound on how long sent data may stay unacknowledged before the OS drops the connection
// (TCP_USER_TIMEOUT; Windows TCP_MAXRT, whole seconds). False if the OS refused or lacks it.
bool setUserTimeout(SocketHandle s, int ms);
// What every engine applies to an accepted socket: TCP_NODELAY, keepalive, user timeout.
void configureAccepted(SocketHandle s, const EngineOptions& options);
bool setNonBlocking(SocketHandle s, bool on);  // False if the OS refused.
// The socket's own address, and its peer's for a connected socket ({} if the OS cannot tell).
Endpoint localEndpoint(SocketHandle s);
Endpoint peerEndpoint(SocketHandle s);
// Wait until s is readable (or has an error/EOF). Returns 1 ready, 0 timeout, -1 error (*err set).
int waitReadable(SocketHandle s, int timeoutMs, int* err);
// recv/send without SIGPIPE. Return bytes moved, 0 for EOF (recv), -1 with *err set.
long recvSome(SocketHandle s, void* dst, std::size_t n, int* err);
long sendSome(SocketHandle s, const void* src, std::size_t n, int* err);
// Wait until s can take more output. Returns 1 ready, 0 timeout, -1 error (*err set).
int waitWritable(SocketHandle s, int timeoutMs, int* err);

void shutdownBoth(SocketHandle s);   // Wake any thread blocked on s; the handle stays valid.
void shutdownWrite(SocketHandle s);  // Send FIN after queued data.
void closeSocket(SocketHandle s);

// Sockets this library has opened (listeners, accepted, client) and not yet closed. Thread safe.
std::size_t openSocketCount();
void countSocket(int delta);  // Platform files: +1 for each socket created, -1 in closeSocket.

bool wouldBlock(int err);      // EAGAIN/EWOULDBLOCK (WSAEWOULDBLOCK).
bool interrupted(int err);     // EINTR: retry the call.
bool tooManyFiles(int err);    // EMFILE/ENFILE/ENOBUFS/ENOMEM: accept should back off.
std::string errorText(int err);  // The OS's message for err.

}  // namespace iocp::net
