#!/usr/bin/env bash
# The C++Builder units of demos/migration/cbuilder migrated by iocp-migrate compile with g++ against
# the C++ component through IocpIndyCompat.h, and serve in both engines: EchoModule, and (with
# MAKE_TEST_CERTS) SecureModule, whose TLS is set up in code.
#   run.sh IOCP_MIGRATE CXX COMPONENT_INCLUDE COMPONENT_LIB WORK_DIR [LINK_FLAGS...]
set -euo pipefail
tool=$1 cxx=$2 include=$3 lib=$4 work=$5
shift 5
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
cp -a "$here/../../../demos/migration/cbuilder/." "$work/"
"$tool" --write "$work"
"$tool" --write "$work" 2>&1 | grep -q ' 0 changed, .*nothing to change'
"$cxx" -std=c++17 -Wall -Werror -I"$include" -I"$work" "$work/EchoModule.cpp" "$here/echo_main.cpp" "$lib" "$@" \
  -o "$work/echo_main"
for engine in default iocp; do
  timeout 30 "$work/echo_main" "$engine"
done
# TLS set up in code (SecureModule: an OpenSSL server IOHandler made and assigned in code), where
# the build has TLS: MAKE_TEST_CERTS names the program that writes the run's certificates.
if [ -n "${MAKE_TEST_CERTS:-}" ]; then
  "$cxx" -std=c++17 -Wall -Werror -I"$include" -I"$work" "$work/SecureModule.cpp" "$here/secure_main.cpp" "$lib" "$@" \
    -o "$work/secure_main"
  "$MAKE_TEST_CERTS" "$work/certs" >/dev/null
  for engine in default iocp; do
    timeout 30 "$work/secure_main" "$work/certs" "$engine"
  done
fi
