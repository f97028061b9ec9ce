# OpenSSL 3 for the Windows build, from tools/openssl-windows.sh (IOCP_OPENSSL_WINDOWS_DIR): the
# targets OpenSSL::Crypto and OpenSSL::SSL as Linux's FindOpenSSL gives them, but linking the
# delay-load import libraries, so that iocp64.dll and the programs load libssl-3-x64.dll and
# libcrypto-3-x64.dll at their first TLS call (native/src/win/tls_library.cpp checks them first)
# and run without them otherwise. Sets OPENSSL_FOUND and IOCP_OPENSSL_WINDOWS_BIN (the DLLs, which
# the tests under Wine find through WINEPATH).
set(IOCP_OPENSSL_WINDOWS_DIR "" CACHE PATH
    "OpenSSL 3 for Windows as tools/openssl-windows.sh installs it (empty: no TLS in this build)")
if(NOT IOCP_OPENSSL_WINDOWS_DIR)
  return()
endif()
if(NOT EXISTS ${IOCP_OPENSSL_WINDOWS_DIR}/.complete)
  message(WARNING "No OpenSSL for Windows in ${IOCP_OPENSSL_WINDOWS_DIR}: this build has no TLS "
                  "(tools/openssl-windows.sh ${IOCP_OPENSSL_WINDOWS_DIR} makes it; tools/dev.sh test does)")
  return()
endif()
file(READ ${IOCP_OPENSSL_WINDOWS_DIR}/.complete IOCP_OPENSSL_WINDOWS_VERSION)
string(STRIP "${IOCP_OPENSSL_WINDOWS_VERSION}" IOCP_OPENSSL_WINDOWS_VERSION)
message(STATUS "TLS: ${IOCP_OPENSSL_WINDOWS_VERSION} for Windows, delay-loaded (${IOCP_OPENSSL_WINDOWS_DIR})")
add_library(OpenSSL::Crypto INTERFACE IMPORTED)
set_target_properties(OpenSSL::Crypto PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES ${IOCP_OPENSSL_WINDOWS_DIR}/include
  INTERFACE_LINK_LIBRARIES ${IOCP_OPENSSL_WINDOWS_DIR}/lib/libcrypto.delay.a)
add_library(OpenSSL::SSL INTERFACE IMPORTED)
set_target_properties(OpenSSL::SSL PROPERTIES
  INTERFACE_LINK_LIBRARIES "${IOCP_OPENSSL_WINDOWS_DIR}/lib/libssl.delay.a;OpenSSL::Crypto")
set(OPENSSL_FOUND TRUE)
set(IOCP_OPENSSL_WINDOWS_BIN ${IOCP_OPENSSL_WINDOWS_DIR}/bin)
