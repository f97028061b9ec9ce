#!/usr/bin/env bash
# CPU of idle connections whose handlers poll (Indy's polling idiom: InputBufferIsEmpty, then
# IndySleep(10)), side by side in one run: ours with iohIOCP, ours with iohDefault and, given a
# local Indy checkout, real Indy 10 built from the same source (polling_server.pas).
#   tests/bench/polling/polling.sh [--indy INDY_GIT_DIR] [--conns N] [--duration S]
# Needs fpc and a release build (build/release: libiocp, the load generator). Prints, per server,
# its CPU time over the idle period, as a share of one core and per connection.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=$root/build/release
indy="" conns=1000 duration=10
while [ $# -gt 0 ]; do
  case $1 in
    --indy) indy=$2; shift 2 ;;
    --conns) conns=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    *) echo "polling.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
loadgen=$build/tests/bench/loadgen/bench_loadgen
lib=$(dirname "$(find "$build/component" -name 'libiocp.so' | head -1)")
cmake --build "$build" --target bench_loadgen iocp > /dev/null
[ -n "$lib" ] || { echo "polling.sh: build build/release first (tools/dev.sh build)" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/ours-units" "$work/indy-units"
fpc -Mdelphi -O2 -Fu"$root/component/pascal" -Fl"$lib" -FU"$work/ours-units" -o"$work/ours" "$here/polling_server.pas" > "$work/ours.build" 2>&1 ||
  { cat "$work/ours.build"; exit 1; }
servers=("ours-iocp:$work/ours --io iocp" "ours-default:$work/ours --io default")
if [ -n "$indy" ]; then
  git --git-dir="$indy" archive HEAD Lib/System Lib/Core Lib/Protocols | tar -x -C "$work"
  L=$work/Lib
  fpc -Mdelphi -O2 -dREAL_INDY -Fu"$L/System" -Fu"$L/Core" -Fu"$L/Protocols" -Fi"$L/System" -Fi"$L/Core" \
      -Fi"$L/Protocols" -FU"$work/indy-units" -o"$work/indy" "$here/polling_server.pas" > "$work/indy.build" 2>&1 ||
    { cat "$work/indy.build"; exit 1; }
  servers+=("real-indy:$work/indy")
fi
ulimit -n 20000 2>/dev/null || true
printf '%-14s %8s %12s %12s %16s\n' server threads "cpu s" "% of a core" "us/s per conn"
for entry in "${servers[@]}"; do
  name=${entry%%:*}
  cmd=${entry#*:}
  log=$work/$name.log
  (sleep $((duration + 60)) | LD_LIBRARY_PATH=$lib $cmd --port 0 > "$log" 2>&1) &
  port=""
  for _ in $(seq 200); do
    port=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$log")
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { echo "polling.sh: $name did not start: $(cat "$log")" >&2; exit 1; }
  pid=$(pgrep -n -f "$work/$( [ "$name" = real-indy ] && echo indy || echo ours ) .*--port 0")
  json=$("$loadgen" --port "$port" --connections "$conns" --size 64 --depth 1 --duration "$duration" --warmup 2 \
         --idle --server-pid "$pid" --json 2>"$work/$name.loadgen.err" | tail -1)
  cpu=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["server_cpu_s"])' "$json")
  threads=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["server_threads"])' "$json")
  secs=$((duration + 2))
  python3 -c 'import sys; n,t,c,s,k=sys.argv[1:]; c=float(c); s=float(s); k=int(k); print("%-14s %8s %12.3f %12.1f %16.1f" % (n, t, c, 100*c/s, 1e6*c/s/k))' \
    "$name" "$threads" "$cpu" "$secs" "$conns"
  kill "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  echo >&2
done
