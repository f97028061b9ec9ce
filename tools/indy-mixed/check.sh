#!/usr/bin/env bash
# Builds tests/pascal/indy_mixed/mixed_test.pas against real Indy 10 (its IdTCPClient, IdGlobal,
# IdException, ...) with IOCP_INDY_TYPES defined, and runs it in both engines: Indy's own client
# and the bridge's server exchanging TIdBytes, IIdTextEncoding, Indy's enums and exceptions. The
# ctest case Pascal.IndyClientWithBridgeServer runs the same program against stand-ins (CI has no
# Indy); this is the check against the real thing.
#   tools/indy-mixed/check.sh INDY_GIT_DIR [BUILD_DIR]
# INDY_GIT_DIR: a git directory of IndySockets/Indy (a bare clone is enough). BUILD_DIR: the
# project's build tree with libiocp.so (default build/release). Needs fpc. Exit 0 when both pass.
# Without heaptrc: real Indy leaves a block of its own unit initialisation unfreed under Free
# Pascal (a program of only TIdTCPClient.Create/Free shows it); the ctest run checks for leaks.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
git_dir=${1:?usage: check.sh INDY_GIT_DIR [BUILD_DIR]}
build=$(cd "${2:-$root/build/release}" && pwd)
lib=$build/component
[ -f "$lib/libiocp.so" ] || { echo "check.sh: no $lib/libiocp.so (build the project first)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git --git-dir="$git_dir" archive HEAD Lib/System Lib/Core Lib/Protocols | tar -x -C "$work"
L=$work/Lib
mkdir -p "$work/units"
fpc -Mdelphi -dIOCP_INDY_TYPES -gl -Fu"$L/System" -Fu"$L/Core" -Fu"$L/Protocols" -Fi"$L/System" -Fi"$L/Core" \
    -Fi"$L/Protocols" -Fu"$root/component/pascal" -Fu"$root/tests/pascal" -Fl"$lib" -k-rpath="$lib" \
    -FU"$work/units" -FE"$work" "$root/tests/pascal/indy_mixed/mixed_test.pas" > "$work/build.log" 2>&1 ||
  { cat "$work/build.log"; exit 1; }
status=0
for engine in default iocp; do
  echo "check.sh: real Indy $(git --git-dir="$git_dir" rev-parse --short HEAD), --io $engine"
  "$work/mixed_test" --io "$engine" || status=1
done
exit $status
