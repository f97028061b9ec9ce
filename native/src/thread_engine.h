// Factory for the thread-per-connection engine (iohDefault). Shared by every platform.
#pragma once

#include <memory>

#include "iocp/engine.h"

namespace iocp {

std::unique_ptr<Engine> makeThreadEngine(const EngineOptions& options, EngineHandler& handler);

// The platform's completion engine: posix/epoll_engine.cpp on Linux, win/iocp_engine.cpp on Windows.
std::unique_ptr<Engine> makeCompletionEngine(const EngineOptions& options, EngineHandler& handler);

}  // namespace iocp
