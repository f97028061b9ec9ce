#!/usr/bin/env bash
# Builds and runs a user's project against this library, the two ways users take it:
#   run.sh install      SRC BUILD WORK   cmake --install BUILD into WORK/prefix, then find_package
#   run.sh subdirectory SRC BUILD WORK   add_subdirectory(SRC)
# The project (tests/consumer) is main.cpp plus the README's example program, copied from the
# README between its readme-example markers, so the README's code is compiled as shown.
# The install case installs into an empty WORK/prefix every run (nothing left from an earlier
# install). WORK/build is kept between runs, like a user's build directory: a run configures again
# (always) and compiles what changed since the last run (make's dependencies; cmake --install keeps
# the files' times, so an unchanged header is not newer than what was built from it). The
# subdirectory case compiles the whole library again, as a user's build does, the first time.
# Delete WORK (or the build tree) for a build from nothing.
set -euo pipefail
mode=$1 src=$2 build=$3 work=$4
case "$mode" in
  install) rm -rf "$work/prefix" ;;
  subdirectory) ;;
  *) echo "usage: run.sh install|subdirectory SRC BUILD WORK" >&2; exit 2 ;;
esac
mkdir -p "$work"
example="$work/readme_example.cpp"
awk '/<!-- readme-example:start/ {on = 1; next} /<!-- readme-example:end/ {on = 0} on' \
  "$src/README.md" | sed '/^```/d' > "$example.new"
grep -q "int main" "$example.new" || { echo "run.sh: no example program between the markers in README.md" >&2; exit 1; }
# Replaced only when the README's program changed (a kept build recompiles it only then).
cmp -s "$example.new" "$example" && rm "$example.new" || mv "$example.new" "$example"

config=(-S "$src/tests/consumer" -B "$work/build" -DCMAKE_BUILD_TYPE=Debug -DREADME_EXAMPLE="$example")
case "$mode" in
  install)
    cmake --install "$build" --prefix "$work/prefix" >/dev/null
    # iocp-migrate is installed with the package (where it was built: pugixml found).
    if [ -x "$build/tools/migrate/iocp-migrate" ]; then
      help=$("$work/prefix/bin/iocp-migrate" --help 2>&1 || true)  # --help exits 2 (usage).
      grep -q '^usage: iocp-migrate' <<<"$help" ||
        { echo "run.sh: iocp-migrate is not installed in the prefix's bin" >&2; exit 1; }
    fi
    # The headers a user includes, and only those: every one the component's sources have but
    # IocpHost.h (the language bridges'), and iocp.h for C.
    expected=$(cd "$src/component/cpp" && ls *.h | grep -vx IocpHost.h | sed 's|^|IocpBridge/|'; echo iocp.h)
    installed=$(cd "$work/prefix/include" && find . -type f | sed 's|^\./||' | sort)
    [ "$installed" = "$(sort <<<"$expected")" ] ||
      { echo "run.sh: installed headers differ from the expected ones:" >&2;
        diff <(sort <<<"$expected") <(echo "$installed") >&2; exit 1; }
    cmake "${config[@]}" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null ;;
  subdirectory)
    cmake "${config[@]}" -DIOCP_SOURCE_DIR="$src" >/dev/null ;;
esac
# Every target the project has (the library's own included, as a user's `cmake --build` builds them).
cmake --build "$work/build" -j "$(nproc)" >/dev/null
"$work/build/consumer"
# The README's program listens until Enter (stdin at its end here); port 0 = any free port.
"$work/build/readme_example" 0 </dev/null
echo "run.sh: $mode: built and ran both programs"
