// Factory for the thread-per-connection engine (iohDefault). Shared by every platform.
#pragma once

#include <memory>

#include "iocp_native/engine.h"

namespace iocp_native {

std::unique_ptr<Engine> makeThreadEngine(const EngineOptions& options, EngineHandler& handler);

}  // namespace iocp_native
