#!/usr/bin/env bash
# A C++Builder unit (demos/migration/cbuilder) migrated by iocp-migrate compiles with g++ against
# the C++ component through IocpIndyCompat.h, and serves in both engines.
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
