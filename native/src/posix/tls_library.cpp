// Linux: libssl is linked at build time, so it is there once the program runs.
#include "tls_library.h"

namespace iocp_native {

void requireTlsLibrary() {}

}  // namespace iocp_native
