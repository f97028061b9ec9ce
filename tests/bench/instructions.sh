#!/usr/bin/env bash
# User-space instructions per round trip of echo servers, counted by valgrind's callgrind: a
# figure that does not move with the machine's load, for comparing two servers' own code paths
# (a CPU-time benchmark on a shared machine varies by tens of percent from round to round; this
# varies by about one percent). It leaves out the kernel (the system calls), so it is not a
# replacement for run.sh's server CPU per round trip, only a way to see where user-space
# instructions go.
#
#   tests/bench/instructions.sh [--servers "a b"] [--conns N] [--size S] [--duration S]
#                               [--top N] [--out DIR] [--build DIR]
#
# Each server runs under callgrind (with the C++ libraries' and the Pascal program's symbols) for
# --duration seconds of ping-pong from bench_loadgen (default 8 s, 100 connections, 64 bytes);
# prints its instructions per round trip (all instructions of the process, start-up included,
# over the round trips it served) and its --top functions by own instructions per round trip.
# The profiles stay in DIR (default /tmp/iocp-instructions) for callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

servers="ours-execute pascal-execute" conns=100 size=64 duration=8 top=15
out=/tmp/iocp-instructions build=$root/build/release
usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
    --servers) servers=$2; shift 2 ;;
    --conns) conns=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --top) top=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "instructions.sh: unknown option $1" >&2; usage ;;
  esac
done
for tool in valgrind callgrind_annotate jq; do
  command -v "$tool" >/dev/null || { echo "instructions.sh: needs $tool (apt-get install valgrind jq)" >&2; exit 2; }
done

bin=$build/tests/bench
mkdir -p "$out"
# shellcheck source=server.sh
source "$root/tests/bench/server.sh"

for name in $servers; do
  line=$(bench_server_command "$name" "$bin") || exit 2
  read -r -a cmd <<<"$line"
  profile=$out/$name.callgrind
  # Start-up under valgrind is slow: wait up to 60 s (bench_start_server waits 5).
  valgrind --tool=callgrind --callgrind-out-file="$profile" "${cmd[@]}" --port 0 >"$out/$name.log" 2>&1 &
  pid=$!
  bench_wait_port "$out/$name.log" 1200 ||
    { echo "instructions.sh: $name did not start: $(cat "$out/$name.log")" >&2; kill "$pid"; exit 1; }
  json=$("$bin/loadgen/bench_loadgen" --port "$port" --connections "$conns" --size "$size" --depth 1 \
         --duration "$duration" --warmup 0 --json 2>"$out/$name.loadgen.log")
  kill -INT "$pid"
  wait "$pid" || true
  rts=$(jq -r .round_trips <<<"$json")
  [ "$rts" -gt 0 ] || { echo "instructions.sh: $name served no round trips" >&2; exit 1; }
  total=$(callgrind_annotate --auto=no "$profile" | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
  printf '%-16s %6d instructions per round trip (%d round trips, %d connections, %d B)\n' \
    "$name" $((total / rts)) "$rts" "$conns" "$size"
  callgrind_annotate --auto=no --threshold=100 "$profile" |
    awk -v rts="$rts" -v top="$top" '
      /^ *[0-9,]+ \(/ && !/PROGRAM TOTALS/ {
        n = $1; gsub(",", "", n)
        sub(/^ *[0-9,]+ \( *[0-9.]+%\) +/, ""); sub(/ \[.*\]$/, "")
        if (shown++ < top) printf "    %7.0f  %s\n", n / rts, substr($0, 1, 110)
      }'
done
