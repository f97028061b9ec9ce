#!/usr/bin/env bash
# Passes only when COMMAND fails in the one way it is meant to: for runs that show what goes wrong
# without a mechanism. The command must end with exit code EXIT_CODE and print MESSAGE (stdout or
# stderr); any other outcome fails this test, success included: another exit code or a crash, a
# watchdog, a missing program or runner, a runner (Wine) that does not start, a command that does
# not end within EXPECT_FAILURE_TIMEOUT seconds (default 120; its output so far is shown).
#   expect_failure.sh EXIT_CODE MESSAGE [--or-crash] [--or-stuck-exit] COMMAND...
# --or-crash also accepts death by SIGSEGV or SIGBUS (exit status 139, 135): for a run whose
# corruption may crash before the program can report it (a crash handler cannot run on an
# overflowed stack).
# --or-stuck-exit also accepts a command that printed MESSAGE and then did not end within 10 s:
# for a program that prints it right before ending itself at once (TerminateProcess), which under
# Wine, with the process's other threads in a corrupted state, was seen to stall (once in many
# runs): the program's part was done. It is killed then.
set -uo pipefail
want=${1:?usage: expect_failure.sh EXIT_CODE MESSAGE COMMAND...}
message=${2:?usage: expect_failure.sh EXIT_CODE MESSAGE COMMAND...}
shift 2
or_crash=0
or_stuck_exit=0
while :; do
  case "${1:-}" in
    --or-crash) or_crash=1 ;;
    --or-stuck-exit) or_stuck_exit=1 ;;
    *) break ;;
  esac
  shift
done
[ $# -gt 0 ] || { echo "expect_failure.sh: no command" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
limit=${EXPECT_FAILURE_TIMEOUT:-120}
if ((or_stuck_exit)); then
  timeout -k 5 "$limit" "$@" >"$out" 2>&1 &
  pid=$!
  seen=""
  while kill -0 "$pid" 2>/dev/null; do
    if [ -z "$seen" ] && grep -qF -- "$message" "$out"; then
      seen=$SECONDS
    fi
    if [ -n "$seen" ] && ((SECONDS - seen >= 10)); then
      pkill -KILL -P "$pid" 2>/dev/null
      kill -KILL "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      echo "expect_failure.sh: printed the expected message, then did not end within 10 s (killed)," \
           "which --or-stuck-exit accepts: $(grep -m1 -F -- "$message" "$out")"
      exit 0
    fi
    sleep 0.2
  done
  wait "$pid"
  rc=$?
else
  timeout -k 5 "$limit" "$@" >"$out" 2>&1
  rc=$?
fi
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "expect_failure.sh: '$*' did not end within $limit s (killed)" >&2
  echo "--- its output so far (last 20 lines):" >&2
  tail -20 "$out" >&2
  exit 1
fi
if ((or_crash)) && { [ "$rc" -eq 139 ] || [ "$rc" -eq 135 ]; }; then
  echo "expect_failure.sh: crashed (exit status $rc) before it could report the corruption, which --or-crash accepts"
  exit 0
fi
if [ "$rc" -eq "$want" ] && grep -qF -- "$message" "$out"; then
  echo "expect_failure.sh: failed as it must (exit code $rc): $(grep -m1 -F -- "$message" "$out")"
  exit 0
fi
if [ "$rc" -eq 0 ]; then
  echo "expect_failure.sh: '$*' succeeded, but it must fail with exit code $want and '$message'" >&2
elif [ "$rc" -ne "$want" ]; then
  echo "expect_failure.sh: '$*' failed with exit code $rc, not the expected failure (exit code $want, '$message')" >&2
else
  echo "expect_failure.sh: '$*' exited with $rc but did not print '$message'" >&2
fi
echo "--- its output (last 20 lines):" >&2
tail -20 "$out" >&2
exit 1
