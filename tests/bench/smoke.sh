#!/usr/bin/env bash
# The benchmark harness works: the load generator drives one echo server with 200 connections at
# 64 B and 4 KiB, depth 1 and 4, and must get every byte back as sent (exit 0). A behaviour check of
# the harness, not a measurement: each run is short (0.15 s counted from the connects, some twenty
# round trips per connection on a 2-core machine, each validated byte by byte, then the drain).
# A run whose only fault is that no round trip completed inside those 0.15 s runs once more with
# 3 s (a loaded machine; the first echo of 200 new fibers under ThreadSanitizer takes over a second);
# any other fault fails at once. Then a paced run (--rate) must stay under its cap.
#   smoke.sh LOADGEN SERVER_COMMAND...
set -euo pipefail
loadgen=$1
shift
log=$(mktemp)
err=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log" "$err"' EXIT
# shellcheck source=server.sh
source "$(dirname "$0")/server.sh"
bench_start_server "$log" "$@" || exit 1
load() {  # load SIZE DEPTH DURATION
  "$loadgen" --port "$port" --connections 200 --size "$1" --depth "$2" --warmup 0 --duration "$3" \
    --drain 5 --server-pid "$pid" --json 2>"$err" >/dev/null
}
for size in 64 4096; do
  for depth in 1 4; do
    if ! load "$size" "$depth" 0.15; then
      cat "$err" >&2
      grep -qx "bench_loadgen: FAIL: no round trip completed during the measurement" "$err" || exit 1
      echo "smoke.sh: size $size, depth $depth: again with a longer measurement" >&2
      load "$size" "$depth" 3 || { cat "$err" >&2; exit 1; }
    fi
    cat "$err" >&2
  done
done
# --rate caps the offered load: at 2000 messages/s for 0.3 s no more than 2000 x 0.3 plus the
# bucket's start (2) can complete, on any machine; and every echo is still validated.
json=$("$loadgen" --port "$port" --connections 200 --size 64 --depth 1 --warmup 0 --duration 0.3 --rate 2000 \
  --drain 5 --json 2>"$err") || { cat "$err" >&2; exit 1; }
rts=$(grep -o '"round_trips":[0-9]*' <<<"$json" | cut -d: -f2)
if [ -z "$rts" ] || [ "$rts" -gt 602 ]; then
  echo "smoke.sh: --rate 2000 for 0.3 s completed ${rts:-no} round trips (at most 602)" >&2
  exit 1
fi
kill -TERM "$pid"
wait "$pid"
echo "smoke.sh: $(basename "$1"): every echo validated at 64 B and 4 KiB, depth 1 and 4; --rate 2000 gave $rts round trips in 0.3 s"
