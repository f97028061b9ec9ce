// Windows: OpenSSL 3's DLLs are delay-loaded (cmake/IocpOpenSslWindows.cmake); loading them here
// first turns a missing or wrong DLL into a TlsError with the reason. The delay-load helper then
// finds the modules already loaded (same names) and binds to them.
#include <windows.h>

#include <cstdio>
#include <mutex>
#include <string>

#include "iocp_native/tls.h"
#include "socket_ops.h"  // net::errorText: the OS's message for an error code.
#include "tls_library.h"

namespace iocp_native {

namespace {

#ifdef _WIN64
constexpr const char* kCrypto = "libcrypto-3-x64.dll";
constexpr const char* kSsl = "libssl-3-x64.dll";
#else
constexpr const char* kCrypto = "libcrypto-3.dll";
constexpr const char* kSsl = "libssl-3.dll";
#endif

// "" once both DLLs are loaded and are OpenSSL 3; else why not. The modules stay loaded.
std::string load() {
  HMODULE crypto = LoadLibraryA(kCrypto);
  if (!crypto) return std::string("cannot load ") + kCrypto + ": " + net::errorText(static_cast<int>(GetLastError()));
  using VersionNum = unsigned long (*)();
  const auto version = reinterpret_cast<VersionNum>(reinterpret_cast<void*>(GetProcAddress(crypto, "OpenSSL_version_num")));
  if (!version) return std::string(kCrypto) + " is not OpenSSL 3 (it has no OpenSSL_version_num)";
  const unsigned long v = version();
  if (v < 0x30000000UL) {
    char found[16];
    std::snprintf(found, sizeof found, "%lx", v);
    return std::string(kCrypto) + " is not OpenSSL 3 (its version number is 0x" + found + ")";
  }
  if (!LoadLibraryA(kSsl)) return std::string("cannot load ") + kSsl + ": " + net::errorText(static_cast<int>(GetLastError()));
  return "";
}

}  // namespace

void requireTlsLibrary() {
  static std::mutex mutex;
  static bool loaded = false;
  std::lock_guard<std::mutex> lock(mutex);
  if (loaded) return;
  const std::string why = load();
  if (!why.empty())
    throw TlsError("TLS needs OpenSSL 3 (" + std::string(kSsl) + " and " + kCrypto +
                   " beside the program or on PATH): " + why);
  loaded = true;
}

}  // namespace iocp_native
