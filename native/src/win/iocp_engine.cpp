// iohIOCP on Windows: the completion-port engine is the next step of the Windows port and is not
// built yet. Until then activation with iohIOCP fails with this message instead of misbehaving.
#include <stdexcept>

#include "thread_engine.h"

namespace iocp {

std::unique_ptr<Engine> makeCompletionEngine(const EngineOptions&, EngineHandler&) {
  throw std::runtime_error(
      "iohIOCP is not available on Windows in this version (the completion-port backend is "
      "pending); use iohDefault");
}

}  // namespace iocp
