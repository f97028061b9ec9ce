// Factory for the thread-per-connection engine (iohDefault). Shared by every platform.
#pragma once

#include <memory>

#include "iocp/engine.h"

namespace iocp {

std::unique_ptr<Engine> makeThreadEngine(const EngineOptions& options, EngineHandler& handler);

}  // namespace iocp
