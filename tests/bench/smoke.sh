#!/usr/bin/env bash
# The benchmark harness works: the load generator drives one echo server with 200 connections at
# 64 B and 4 KiB, depth 1 and 4, and must get every byte back as sent (exit 0). A behaviour check of
# the harness, not a measurement: each run is short (0.15 s counted from the connects, some twenty
# round trips per connection on a 2-core machine, each validated byte by byte, then the drain).
# A run whose only fault is that no round trip completed inside those 0.15 s runs once more with
# 3 s (a loaded machine; the first echo of 200 new fibers under ThreadSanitizer takes over a second);
# any other fault fails at once. Then a paced run (--rate) must stay under its cap, and a run of
# connection cycles (--handshakes) must complete some, each echo validated.
# --tls MAKE_CERTS: all of it over TLS: the server gets --tls-cert/--tls-key from the test
# certificates MAKE_CERTS (tests/common/make_test_certs.cpp) writes, the load generator --tls.
#   smoke.sh [--tls MAKE_CERTS] LOADGEN SERVER_COMMAND...
set -euo pipefail
tls=()
certs=""
if [ "$1" = --tls ]; then
  certs=$(mktemp -d)
  "$2" "$certs" >/dev/null
  tls=(--tls)
  shift 2
fi
loadgen=$1
shift
log=$(mktemp)
err=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log" "$err"; [ -z "$certs" ] || rm -rf "$certs"' EXIT
# shellcheck source=server.sh
source "$(dirname "$0")/server.sh"
if ((${#tls[@]})); then
  bench_start_server "$log" "$@" --tls-cert "$certs/server.crt" --tls-key "$certs/server.key" || exit 1
else
  bench_start_server "$log" "$@" || exit 1
fi
load() {  # load SIZE DEPTH DURATION
  "$loadgen" --port "$port" --connections 200 --size "$1" --depth "$2" --warmup 0 --duration "$3" \
    --drain 5 --server-pid "$pid" --json ${tls[@]+"${tls[@]}"} 2>"$err" >/dev/null
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
  --drain 5 --json ${tls[@]+"${tls[@]}"} 2>"$err") || { cat "$err" >&2; exit 1; }
rts=$(grep -o '"round_trips":[0-9]*' <<<"$json" | cut -d: -f2)
if [ -z "$rts" ] || [ "$rts" -gt 602 ]; then
  echo "smoke.sh: --rate 2000 for 0.3 s completed ${rts:-no} round trips (at most 602)" >&2
  exit 1
fi
# --handshakes: 20 connections, each one new connection after another (connect, handshake with
# --tls, one validated echo, reset) for 0.3 s; a slow machine may complete none in the window,
# then once more for 3 s.
cycles() {  # cycles DURATION
  "$loadgen" --port "$port" --connections 20 --size 64 --depth 1 --warmup 0 --duration "$1" --handshakes \
    --drain 5 --json ${tls[@]+"${tls[@]}"} 2>"$err"
}
json=$(cycles 0.3) || json=$(cycles 3) || { cat "$err" >&2; exit 1; }
handshakes=$(grep -o '"round_trips":[0-9]*' <<<"$json" | cut -d: -f2)
kill -TERM "$pid"
wait "$pid"
echo "smoke.sh: $(basename "$1")${tls[@]+ over TLS}: every echo validated at 64 B and 4 KiB, depth 1 and 4; --rate 2000 gave $rts round trips in 0.3 s; --handshakes $handshakes new connections"
