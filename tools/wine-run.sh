#!/usr/bin/env bash
# How the Windows build's tests run their programs under Wine (CMAKE_CROSSCOMPILING_EMULATOR):
#   tools/wine-run.sh WINE PROGRAM [ARGS...]
# A GoogleTest program (an argument --gtest_...) whose process ends with a failure before
# GoogleTest printed a line runs once more, once: now and then Wine fails to start a process (the
# suite once saw a test fail in 0.02 s with no output at all, the same test passing 900 times
# after). GoogleTest writes its first line before any test runs, so a failed test, a crash or a
# failed assertion in a test is never repeated; a program that cannot start fails twice and so
# still fails. Every other program is simply run by WINE (same process).
set -uo pipefail
wine=$1
shift
gtest=0
for arg in "$@"; do
  case "$arg" in --gtest_*) gtest=1 ;; esac
done
((gtest)) || exec "$wine" "$@"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for attempt in 1 2; do
  "$wine" "$@" | tee "$out"
  rc=${PIPESTATUS[0]}
  if [ "$rc" -eq 0 ] || [ -s "$out" ] || [ "$attempt" -eq 2 ]; then
    exit "$rc"
  fi
  echo "wine-run.sh: $1 ended with code $rc before printing anything (Wine did not start it?);" \
       "running it once more" >&2
done
