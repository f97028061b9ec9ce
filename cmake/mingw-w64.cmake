# What the mingw-w64 toolchain files share (mingw-w64-x86_64.cmake, mingw-w64-i686.cmake): Debian's
# mingw-w64 for IOCP_MINGW_TRIPLE (posix threads variant). The executables link the runtime
# statically, so they run under Wine (or on Windows) with no DLL beside them.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_C_COMPILER ${IOCP_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${IOCP_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${IOCP_MINGW_TRIPLE}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${IOCP_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
