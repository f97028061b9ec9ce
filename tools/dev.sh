#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine: installs missing packages, configures, builds, then
#   tools/dev.sh demo [echo_server options]   runs the echo demo (default: --io iocp --port 9000)
#   tools/dev.sh test [ctest options]         runs the whole test suite
# Environment: BUILD_PRESET=release|debug (default release).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-}"
case "$mode" in
  demo|test) shift ;;
  *) echo "usage: tools/dev.sh demo [echo_server options] | tools/dev.sh test [ctest options]" >&2; exit 2 ;;
esac
preset="${BUILD_PRESET:-release}"

# Debian packages the build needs (see README "Dependencies" for why each is there).
packages=(g++ cmake make libgtest-dev libboost-context-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "dev.sh: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"

if [ "$mode" = demo ]; then
  [ $# -gt 0 ] || set -- --io iocp --port 9000
  exec "build/$preset/demos/echo_server" "$@"
fi
exec ctest --preset "$preset" "$@"
