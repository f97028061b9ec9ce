#!/usr/bin/env bash
# The benchmark harness works: the load generator drives one echo server with 200 connections at
# 64 B and 4 KiB, depth 1 and 4, and must get every byte back as sent (exit 0). A behaviour check of
# the harness, not a measurement: each run is short (0.05 s of warmup, 0.1 s measured, some twenty
# round trips per connection on this 2-core machine, each validated byte by byte, then the drain).
#   smoke.sh LOADGEN SERVER_COMMAND...
set -euo pipefail
loadgen=$1
shift
log=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
# shellcheck source=server.sh
source "$(dirname "$0")/server.sh"
bench_start_server "$log" "$@" || exit 1
for size in 64 4096; do
  for depth in 1 4; do
    "$loadgen" --port "$port" --connections 200 --size "$size" --depth "$depth" --duration 0.1 --warmup 0.05 \
      --drain 5 --server-pid "$pid" --json >/dev/null
  done
done
kill -TERM "$pid"
wait "$pid"
echo "smoke.sh: $(basename "$1"): every echo validated at 64 B and 4 KiB, depth 1 and 4"
