// Socket options on a connection's OS socket (Connection::handle()), for Indy's
// TIdSocketHandle.SetSockOpt / GetSockOpt / SetKeepAliveValues / SetNagleOpt. Any thread, while
// the socket is open.
#pragma once

#include <cstdint>

namespace iocp_native {

// An integer option, level and name as the OS numbers them. 0, or the OS error.
int setSocketOption(std::intptr_t socket, int level, int name, int value);
int getSocketOption(std::intptr_t socket, int level, int name, int* value);
// TCP keepalive: probes after timeMs idle, then every intervalMs. False if the OS refused.
bool setSocketKeepAlive(std::intptr_t socket, bool on, int timeMs, int intervalMs);
// TCP_NODELAY off (Nagle on) or on.
void setSocketNagle(std::intptr_t socket, bool nagle);

}  // namespace iocp_native
