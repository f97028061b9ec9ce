// Thin, platform-neutral socket calls. One implementation per platform:
// posix/socket_ops.cpp (BSD sockets) and win/socket_ops.cpp (Winsock).
// Every function is thread safe in the way the underlying OS call is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "iocp_native/connection.h"
#include "iocp_native/engine.h"
#include "open_sockets.h"

namespace iocp_native::net {

using SocketHandle = std::intptr_t;
constexpr SocketHandle kInvalidSocket = -1;

// A listening socket and the address it is bound to.
struct OpenListener {
  SocketHandle socket;
  Endpoint bound;  // With the port the OS chose for port 0.
};
// The largest listen() backlog the system grants (Linux: net.core.somaxconn; Windows: SOMAXCONN,
// which asks Winsock for its maximum).
int maxListenBacklog();

// Accept one connection. Returns kInvalidSocket with *err set (wouldBlock(*err) when none is pending).
SocketHandle acceptOne(SocketHandle listener, bool nonBlocking, Endpoint* peer, Endpoint* local,
                       int* err);
// Connect with a timeout (blocking socket returned). On failure sets *err and *timedOut.
SocketHandle connectTo(const std::string& host, uint16_t port, int timeoutMs, int* err,
                       bool* timedOut);


void setNoDelay(SocketHandle s, bool on);
// SO_RCVBUF / SO_SNDBUF; a size of 0 leaves that buffer as the OS made it.
void setBufferSizes(SocketHandle s, int receive, int send);
// An integer socket option (level and name as the OS numbers them). 0, or the OS error.
int setIntOption(SocketHandle s, int level, int name, int value);
int getIntOption(SocketHandle s, int level, int name, int* value);
// TCP keepalive: probes after timeMs idle, then every intervalMs. False if the OS refused.
bool setKeepAlive(SocketHandle s, bool on, int timeMs, int intervalMs);
// Bound on how long sent data may stay unacknowledged before the OS drops the connection
// (TCP_USER_TIMEOUT; Windows TCP_MAXRT, whole seconds). False if the OS refused or lacks it.
bool setUserTimeout(SocketHandle s, int ms);
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


bool wouldBlock(int err);      // EAGAIN/EWOULDBLOCK (WSAEWOULDBLOCK).
bool interrupted(int err);     // EINTR: retry the call.
bool tooManyFiles(int err);    // EMFILE/ENFILE/ENOBUFS/ENOMEM: accept should back off.
std::string errorText(int err);  // The OS's message for err.
int lastError();                 // The calling thread's last socket error (errno, WSAGetLastError).
std::string resolverErrorText(int rc);  // The message for a getaddrinfo result.
void startNetworking();          // Ready the socket library (WSAStartup once; nothing on POSIX).

}  // namespace iocp_native::net
