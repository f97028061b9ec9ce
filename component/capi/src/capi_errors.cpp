// The C ABI's results: per-thread error texts, exception classes -> IOCP_ERR_* codes, the
// version functions and the fiber hook of host runtimes (iocp.h "Results", "Host runtimes").
#include "capi.h"

#include <atomic>

#include "IocpHost.h"

namespace iocp_capi {

// Per-thread error texts, kept in fixed arrays (longer texts are cut, ending in "..."): a
// thread_local with a destructor is destroyed through the C++ runtime's thread-exit list, and
// with the mingw-w64 runtime inside iocp64.dll that list was seen corrupted at the exit of
// connection threads that had run Pascal handlers (a crash under Wine in about one run of six;
// none in 24 runs with plain arrays).
constexpr std::size_t kErrorText = 2048;
struct ErrorText {
  char text[kErrorText];
  void set(const char* s, std::size_t n) {
    if (n >= kErrorText) {
      std::memcpy(text, s, kErrorText - 4);
      std::memcpy(text + kErrorText - 4, "...", 4);
    } else {
      if (n) std::memcpy(text, s, n);
      text[n] = '\0';
    }
  }
};
thread_local ErrorText tLastError{};
thread_local int tLastOsError = 0;
// Set by iocp_set_handler_error inside a callback, read right after it returns (no park between).
thread_local int tHandlerCode = 0;
thread_local ErrorText tHandlerMessage{};

int fail(int code, const std::string& text, int osError) {
  tLastError.set(text.data(), text.size());
  tLastOsError = osError;
  return code;
}


int codeOf(const std::exception& e) {
  if (auto* h = dynamic_cast<const HandlerRaised*>(&e)) return h->Code;
  if (dynamic_cast<const EIdConnClosedGracefully*>(&e)) return IOCP_ERR_CLOSED_GRACEFULLY;
  if (dynamic_cast<const EIdSocketError*>(&e)) return IOCP_ERR_SOCKET;
  if (dynamic_cast<const EIdReadTimeout*>(&e)) return IOCP_ERR_READ_TIMEOUT;
  if (dynamic_cast<const EIdReadLnMaxLineLengthExceeded*>(&e)) return IOCP_ERR_MAX_LINE_LENGTH;
  if (dynamic_cast<const EIdReadLnWaitMaxAttemptsExceeded*>(&e)) return IOCP_ERR_READLN_MAX_ATTEMPTS;
  if (dynamic_cast<const EIdNotConnected*>(&e)) return IOCP_ERR_NOT_CONNECTED;
  if (dynamic_cast<const EIdCouldNotBindSocket*>(&e)) return IOCP_ERR_BIND;
  if (dynamic_cast<const EIdConnectTimeout*>(&e)) return IOCP_ERR_CONNECT_TIMEOUT;
  if (dynamic_cast<const EIdTCPNoOnExecute*>(&e)) return IOCP_ERR_NO_ON_EXECUTE;
  if (dynamic_cast<const EIdNoDataToRead*>(&e)) return IOCP_ERR_NO_DATA_TO_READ;
  if (dynamic_cast<const EIdIOHandlerRequiresLargeStream*>(&e)) return IOCP_ERR_REQUIRES_LARGE_STREAM;
  if (dynamic_cast<const EIdIOHandlerStreamDataTooLarge*>(&e)) return IOCP_ERR_STREAM_TOO_LARGE;
  if (dynamic_cast<const EIocpConfigError*>(&e)) return IOCP_ERR_CONFIG;
  return IOCP_ERR_FAILED;
}


// A callback's result: IOCP_ERR_HANDLER becomes the C++ exception the component expects.
void raiseIfHandlerFailed(int result) {
  if (result == IOCP_OK) return;
  const int code = result == IOCP_ERR_HANDLER && tHandlerCode != 0 ? tHandlerCode : IOCP_ERR_FAILED;
  std::string message = tHandlerCode != 0 ? std::string(tHandlerMessage.text)
                                          : "a handler failed (code " + std::to_string(result) + ")";
  tHandlerCode = 0;
  tHandlerMessage.set("", 0);
  throw HandlerRaised(code, message);
}

int intValue(int64_t v, int64_t lo, int64_t hi, const char* what, int* out) {
  if (v < lo || v > hi) {
    return fail(IOCP_ERR_ARGUMENT, std::string(what) + " out of range: " + std::to_string(v));
  }
  *out = static_cast<int>(v);
  return IOCP_OK;
}

}  // namespace iocp_capi

using namespace iocp_capi;

extern "C" {

int iocp_abi_version(void) { return IOCP_HEADER_ABI_VERSION; }
const char* iocp_version_string(void) { return IOCP_VERSION_STRING; }
const char* iocp_last_error(void) { return tLastError.text; }
int iocp_last_os_error(void) { return tLastOsError; }

void iocp_set_handler_error(int code, const char* message, size_t length) {
  tHandlerCode = code < 0 ? code : IOCP_ERR_FAILED;
  tHandlerMessage.set(message ? message : "", message ? length : 0);
}

namespace {
std::atomic<iocp_fiber_switch_hook> gHostHook{nullptr};
void hostHook(void* state, bool entering) {
  if (iocp_fiber_switch_hook hook = gHostHook.load(std::memory_order_relaxed)) hook(state, entering ? 1 : 0);
}
}  // namespace

int iocp_set_fiber_switch_hook(iocp_fiber_switch_hook hook) {
  static_assert(IOCP_FIBER_STATE_SIZE == IocpFiberHostStateSize, "one size for the host state");
  gHostHook.store(hook);
  SetFiberSwitchHook(hook ? &hostHook : nullptr);
  return IOCP_OK;
}

int iocp_run_interleaved_fibers(int count, iocp_interleaved_fiber_fn fn, void* user) {
  if (count < 1 || count > 16) return fail(IOCP_ERR_ARGUMENT, "count out of range (1..16): " + std::to_string(count));
  if (!fn) return fail(IOCP_ERR_ARGUMENT, "no fiber function");
  if (!RunInterleavedFibers(count, [fn, user](int index) { fn(user, index); })) {
    return fail(IOCP_ERR_STATE, "iocp_run_interleaved_fibers called from a fiber");
  }
  return IOCP_OK;
}

int iocp_yield_interleaved_fiber(void) {
  if (!YieldInterleavedFiber()) return fail(IOCP_ERR_STATE, "not inside iocp_run_interleaved_fibers");
  return IOCP_OK;
}

}  // extern "C"
