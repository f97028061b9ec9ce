// The TLS library at run time, one function per platform (posix/, win/). On Linux libssl is linked
// like any library. On Windows iocp64.dll delay-loads OpenSSL 3's DLLs (libssl-3-x64.dll and
// libcrypto-3-x64.dll, the ones Indy's users deploy beside their programs): a program that never
// uses TLS runs without them.
#pragma once

namespace iocp_native {

// Makes sure OpenSSL 3 can be called: on Windows loads its DLLs (beside the program, on PATH: the
// usual DLL search) and checks their version; throws TlsError naming the files and the reason
// where they are missing or too old, instead of the process failing inside a delay-loaded call.
// Called before the first OpenSSL call of a context; any thread.
void requireTlsLibrary();

}  // namespace iocp_native
