#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine: installs missing packages, configures, builds, then
#   tools/dev.sh demo [echo_server options]   runs the echo demo (default: --io iocp --port 9000)
#   tools/dev.sh test [ctest options]         runs the whole test suite: Linux (epoll, then the
#                                             engine's tests again on io_uring), then the Windows
#                                             build under Wine
#   tools/dev.sh setup                        installs what `test` needs, builds nothing
#   tools/dev.sh build PRESET...              builds those trees only (release, asan, tsan, fuzz)
#   tools/dev.sh build-windows                the Windows build alone (OpenSSL's DLLs for it, then
#                                             the mingw-w64 cross-builds, x64 and x86); `test` waits
#                                             for one that is running (.ci/run starts it early, in
#                                             the background)
#   tools/dev.sh fuzz [seconds]               the fuzz targets (tests/fuzz) with libFuzzer, all at
#                                             once for that many seconds (default 30) from their
#                                             committed corpus; fails on a finding (build/fuzz/findings)
#   tools/dev.sh test-win32 [ctest options]   the 32-bit Windows build's suite under 32-bit Wine
#                                             (installs wine32:i386; needs a kernel that runs 32-bit
#                                             programs, see docs/development.md)
# Environment: BUILD_PRESET=release|debug|asan|tsan (default release; only release adds Windows).
# Both tiers run (label slow: scale, race and timing tests, builds, the benchmark harness; see
# cmake/IocpTestTiers.cmake); `tools/dev.sh test -LE slow` runs the fast tier alone.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-}"
case "$mode" in
  demo|test|setup|build|build-windows|test-win32|fuzz) shift ;;
  *) echo "usage: tools/dev.sh demo [echo_server options] | test [ctest options] | setup | build PRESET... | build-windows | fuzz [seconds] | test-win32 [ctest options]" >&2
     exit 2 ;;
esac
preset="${BUILD_PRESET:-release}"
windows=0
case "$mode" in
  setup|build-windows|test-win32) preset=release windows=1 ;;
  fuzz) preset=fuzz ;;
  test) [ "$preset" = release ] && windows=1 ;;
esac

# Debian packages the build needs (see README "Dependencies" for why each is there).
packages=(g++ cmake make pkg-config libgtest-dev libboost-context-dev libpugixml-dev liburing-dev libuv1-dev libssl-dev fp-compiler fp-units-rtl)
# The Pascal tests (off under the sanitizers): the IDE packages' checks need xmllint and lazbuild,
# the Indy inventory's check python3, the GStack test's network namespaces ip, the test behind a
# load balancer haproxy.
[ "$mode" != demo ] && case "$preset" in
  asan|tsan|fuzz) ;;
  *) packages+=(libxml2-utils lcl-utils-2.2 lcl-units-2.2 lazarus-src-2.2 python3 iproute2 haproxy) ;;
esac
# The TLS demo's tests talk to it with OpenSSL's s_client and Python's ssl module.
[ "$mode" != demo ] && packages+=(openssl python3)
# The fuzz targets: clang and its libFuzzer (setup installs them too, for CI's single apt-get).
[[ $mode == fuzz || $mode == setup || ($mode == build && " $* " == *" fuzz "*) ]] &&
  packages+=(clang-14 libclang-rt-14-dev)
# Windows: the cross compiler, Wine, GoogleTest's source, Free Pascal's RTL source; make and perl
# build OpenSSL for Windows (tools/openssl-windows.sh).
((windows)) && packages+=(g++-mingw-w64-x86-64-posix g++-mingw-w64-i686-posix wine64 googletest fpc-source-3.2.2 make perl)
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

# The Windows build: OpenSSL 3's DLLs for its TLS, built once from Debian's OpenSSL source (about
# 3 minutes), then the cross-builds: x64 (its suite runs under Wine below) and x86 (iocp32.dll for
# the release zip, and Pascal programs compiled with the i386 cross compiler; the x86 suite is
# built and run by test-win32, where the kernel runs 32-bit programs). One at a time (a lock in
# build/): a second caller waits.
build_windows() {  # build_windows [all32]: all32 builds the x86 tree's tests too
  mkdir -p build
  exec 8>build/.windows-build.lock
  flock 8
  tools/openssl-windows.sh build/openssl-windows
  tools/pugixml-windows.sh build/pugixml-windows  # For iocp-migrate.exe.
  cmake --preset windows >/dev/null
  cmake --build --preset windows -j "$(nproc)"
  cmake --preset windows32 >/dev/null
  if [ "${1:-}" = all32 ]; then
    cmake --build --preset windows32 -j "$(nproc)"
  else  # iocp32.dll for the release zip, and Pascal programs as a check that the units compile
    # for Win32 (test-win32 builds and runs the rest).
    cmake --build --preset windows32 -j "$(nproc)" --target iocp echo_server_pascal fiber_exceptions \
      fiber_selftest design_time_test
  fi
  flock -u 8
}

# The suite of a Windows build (preset windows or windows32) under Wine, in a prefix inside its
# build tree.
wine_suite() {
  local preset=$1
  shift
  export WINEPREFIX="$PWD/build/$preset/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  # One persistent wine server for the whole run (otherwise every test waits for a server to
  # exit), started before anything else uses the prefix; then the prefix is created on first use.
  mkdir -p "$WINEPREFIX"  # The server needs the prefix directory; wine64 below fills it.
  /usr/lib/wine/wineserver64 -k >/dev/null 2>&1 || true
  /usr/lib/wine/wineserver64 -w >/dev/null 2>&1 || true
  /usr/lib/wine/wineserver64 -p >/dev/null 2>&1 </dev/null
  trap '/usr/lib/wine/wineserver64 -k >/dev/null 2>&1 || true' EXIT
  /usr/lib/wine/wine64 cmd /c exit >/dev/null 2>&1 || true
  # A test that times out under Wine runs once more: now and then the wine server stalls and every
  # test process talking to it at that moment hangs (seen with builds of several commits, the same
  # test passing on its own right after). Only a timeout is retried; a failed check still fails.
  ctest --preset "$preset" --repeat after-timeout:2 "$@"
}

# One build at a time per build tree (a lock in build/): a caller that needs a tree another
# process is building (a background build, a second terminal) waits for it, then finds it up to
# date.
build_tree() {  # build_tree PRESET [cmake --build options]
  local preset=$1 lock
  shift
  mkdir -p build
  exec {lock}>"build/.$preset-build.lock"
  flock "$lock"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$(nproc)" "$@"
  exec {lock}>&-
}

# The fuzz targets with libFuzzer (preset fuzz: clang, AddressSanitizer, UndefinedBehaviorSanitizer),
# all at once, each for a bounded time (so each gets about seconds x cores / targets of CPU). A
# run starts from the committed corpus and regressions (tests/fuzz/corpus/<target>,
# tests/fuzz/regressions/<target>, read only) and what earlier runs here added
# (build/fuzz/corpus/<target>). A finding (a broken property, a sanitizer's report, an input
# running over 10 s) fails the run; its input is in build/fuzz/findings: fix the cause, then add
# the input to tests/fuzz/regressions/<target>/ (ctest Fuzz.<target> replays it from then on).
fuzz_one() {  # fuzz_one PROGRAM SECONDS: runs it, writes its verdict to build/fuzz/findings/T.verdict
  local program=$1 seconds=$2 t inputs log
  t=$(basename "$program" _fuzz)
  mkdir -p "build/fuzz/corpus/$t"
  log="build/fuzz/findings/$t.log"
  inputs=("build/fuzz/corpus/$t" "tests/fuzz/corpus/$t")
  [ -d "tests/fuzz/regressions/$t" ] && inputs+=("tests/fuzz/regressions/$t")
  if "$program" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="build/fuzz/findings/$t-" "${inputs[@]}" >"$log" 2>&1; then
    echo "fuzz: $t: $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") inputs in $seconds s," \
         "$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2) edges covered, no finding" \
         >"build/fuzz/findings/$t.verdict"
  else
    { echo "fuzz: $t: FINDING (what $log says of it; the input: build/fuzz/findings/$t-*)"
      { grep -E 'property broken|ERROR|SUMMARY|Test unit written' "$log" || tail -20 "$log"; } | head -20
    } >"build/fuzz/findings/$t.verdict"
    return 1
  fi
}

fuzz() {
  local seconds=${1:-30}
  [[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "dev.sh fuzz: seconds must be a positive number, not '$seconds'" >&2; exit 2; }
  build_tree fuzz --target fuzz_targets  # tests/fuzz/CMakeLists.txt
  mkdir -p build/fuzz/findings
  rm -f build/fuzz/findings/*.verdict
  local failed=0 program pid pids=() programs=(build/fuzz/tests/fuzz/*_fuzz)
  [ -x "${programs[0]}" ] || { echo "dev.sh fuzz: no fuzz target was built (build/fuzz/tests/fuzz)" >&2; exit 1; }
  for program in "${programs[@]}"; do
    fuzz_one "$program" "$seconds" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  cat build/fuzz/findings/*.verdict
  return $failed
}

case "$mode" in
  setup) exit 0 ;;
  fuzz) fuzz "$@"; exit ;;
  build)
    for p in "$@"; do
      if [ "$p" = fuzz ]; then build_tree fuzz --target fuzz_targets; else build_tree "$p"; fi
    done
    exit 0 ;;
  build-windows) build_windows; exit 0 ;;
  test-win32)
    # Debian 12 runs 32-bit Windows programs through Wine's 32-bit loader, an i386 Linux program
    # (wine32:i386; its new WoW64 mode, 32-bit Windows code under the 64-bit loader, is not in
    # Debian's build): the kernel must run 32-bit programs.
    tools/wine32-install.sh
    if ! /usr/lib/wine/wine --version >/dev/null 2>&1; then
      echo "dev.sh: this kernel does not run 32-bit programs (/usr/lib/wine/wine, an i386 program:" \
           "$(/usr/lib/wine/wine --version 2>&1 | head -1)), so 32-bit Wine cannot run here." \
           "The 32-bit build itself is made by tools/dev.sh build-windows (and test)." >&2
      exit 1
    fi
    build_windows all32
    wine_suite windows32 "$@"
    exit 0 ;;
esac

build_tree "$preset"
echo "dev.sh: $preset build ready after ${SECONDS} s"

if [ "$mode" = demo ]; then
  [ $# -gt 0 ] || set -- --io iocp --port 9000
  exec "build/$preset/demos/echo_server" "$@"
fi
ctest --preset "$preset" "$@"

# IOCP_URING_PASS=0 leaves the io_uring pass out (CI does so under the sanitizers, for time).
if [ "${IOCP_URING_PASS:-1}" = 0 ]; then
  echo "io_uring pass: left out (IOCP_URING_PASS=0)"
else
# The engine's tests again with the completion engine on io_uring (IOCP_BACKEND overrides the
# option). Tests labelled backend-independent are left out: they run no completion port (unit
# tests, the tools, builds of other projects, iohDefault servers), so this pass would repeat the
# epoll pass exactly; so are those labelled once (cmake/IocpTestTiers.cmake) and the suite's TLS
# pass (label tls-pass: TLS works above the port; the TLS tests of their own run here). Where the kernel serves io_uring, the tests insist on it; where it refuses,
# they run on the epoll fallback and this says why. The probe is the demo on io_uring: its first
# line says what serves; then it is stopped (SIGTERM) rather than left to a timeout.
probe_out=$(mktemp)
"build/$preset/demos/echo_server" --io iocp --backend io_uring --port 0 >"$probe_out" 2>&1 </dev/null &
probe_pid=$!
for _ in $(seq 100); do  # 10 s at most
  [ "$(wc -l <"$probe_out")" -gt 0 ] && break
  kill -0 "$probe_pid" 2>/dev/null || break
  sleep 0.1
done
kill -TERM "$probe_pid" 2>/dev/null || true
wait "$probe_pid" 2>/dev/null || true
probe=$(head -1 "$probe_out")
rm -f "$probe_out"
if [[ $probe == *"backend io_uring)"* ]]; then
  echo "io_uring pass: this kernel serves io_uring"
  export IOCP_REQUIRE_IO_URING=1
else
  echo "io_uring pass: THE KERNEL REFUSES io_uring, the pass runs on the fallback: $probe"
fi
# A -LE of the caller's is joined to this pass's exclusion with "or" (several -LE options would
# only exclude the tests matching all of them).
uring_args=()
excluded=0
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  uring_args+=("${args[i]}")
  if [[ ${args[i]} == -LE || ${args[i]} == --label-exclude ]] && ((i + 1 < ${#args[@]})); then
    uring_args+=("backend-independent|once|tls-pass|${args[i + 1]}")
    excluded=1
    ((++i))
  fi
done
((excluded)) || uring_args+=(-LE "backend-independent|once|tls-pass")
IOCP_BACKEND=io_uring ctest --preset "$preset" "${uring_args[@]}"
unset IOCP_REQUIRE_IO_URING
fi
((windows)) || exit 0

# Windows: cross-build with mingw-w64, run the x64 suite under Wine.
build_windows
echo "dev.sh: windows build ready after ${SECONDS} s"
wine_suite windows "$@"
