#!/usr/bin/env bash
# Runs a Pascal test program built with heaptrc and fails if it fails or leaks: heaptrc writes its
# report to a file (HEAPTRC=log=...), which must say "0 unfreed memory blocks".
set -uo pipefail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
HEAPTRC="log=$log" "$@"
rc=$?
if ! grep -q "unfreed memory blocks" "$log" || grep "unfreed memory blocks" "$log" | grep -qv "^0 unfreed"; then
  echo "run_with_heaptrc.sh: memory leaked, or no heaptrc report:" >&2
  head -20 "$log" >&2
  exit 1
fi
echo "heaptrc: $(grep -m1 "memory blocks allocated" "$log"), 0 unfreed"
exit $rc
