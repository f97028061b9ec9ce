# Cross-build for 32-bit Windows with Debian's mingw-w64 (cmake/mingw-w64.cmake).
set(CMAKE_SYSTEM_PROCESSOR i686)
set(IOCP_MINGW_TRIPLE i686-w64-mingw32)
include(${CMAKE_CURRENT_LIST_DIR}/mingw-w64.cmake)
