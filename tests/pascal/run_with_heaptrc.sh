#!/usr/bin/env bash
# Runs a Pascal test program built with heaptrc and fails if it fails or leaks: heaptrc writes its
# report to a file (HEAPTRC=log=...), which must say "0 unfreed memory blocks".
# A program that failed without writing anything at all (no output, no error, no heaptrc report:
# it never ran) runs once more, once: now and then Wine fails to start a process (seen in CI,
# the same program passing before and after). A program that fails in any other way, or that
# cannot start twice, still fails.
set -uo pipefail
log=$(mktemp)
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$log" "$out" "$err"' EXIT
for attempt in 1 2; do
  HEAPTRC="log=$log" "$@" 2>"$err" | tee "$out"
  rc=${PIPESTATUS[0]}
  cat "$err" >&2
  if [ "$rc" -eq 0 ] || [ -s "$out" ] || [ -s "$err" ] || [ -s "$log" ] || [ "$attempt" -eq 2 ]; then
    break
  fi
  echo "run_with_heaptrc.sh: $* ended with code $rc without writing anything (not started?);" \
       "running it once more" >&2
done
if ! grep -q "unfreed memory blocks" "$log" || grep "unfreed memory blocks" "$log" | grep -qv "^0 unfreed"; then
  echo "run_with_heaptrc.sh: memory leaked, or no heaptrc report:" >&2
  head -20 "$log" >&2
  exit 1
fi
echo "heaptrc: $(grep -m1 "memory blocks allocated" "$log"), 0 unfreed"
exit $rc
