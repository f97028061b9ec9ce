// A stand-in for the C ABI library (libiocp.so / iocp64.dll) that only counts: every function of
// iocp.h (the list is generated from the header, abi_counter_functions.inc) records that it was
// called and returns 0 (IOCP_OK, or NULL). The design-time test links against it to show that
// designing, streaming and saving a form makes no call into the library.
//
// The functions are declared without parameters: every iocp.h function is cdecl, so the caller
// pushes and removes its own arguments and the callee may ignore them.
#include <atomic>
#include <cstdio>
#include <cstring>

#if defined(_WIN32)
#define COUNTER_EXPORT extern "C" __declspec(dllexport)
#else
#define COUNTER_EXPORT extern "C" __attribute__((visibility("default")))
#endif

namespace {
std::atomic<int> gCalls{0};
char gFirst[64] = "";

long long counted(const char* name) {
  if (gCalls.fetch_add(1) == 0) std::snprintf(gFirst, sizeof gFirst, "%s", name);
  return 0;
}
}  // namespace

#define COUNTED(name) \
  COUNTER_EXPORT long long name() { return counted(#name); }
#include "abi_counter_functions.inc"

// How many calls the program made into "the library", and the first one's name ("" if none).
COUNTER_EXPORT int iocp_counter_calls() { return gCalls.load(); }
COUNTER_EXPORT const char* iocp_counter_first() { return gFirst; }
