#!/usr/bin/env bash
# Soak: one of our echo servers serves N connections at full speed for a long time while its RSS,
# threads and open file descriptors are sampled every 10 s. Outside ctest (it takes half an hour).
#
#   tests/bench/soak.sh [--server ours-execute] [--conns 19000] [--duration 1800] [--warmup 120]
#                       [--out DIR] [--build DIR]
#
# The load generator (tests/bench/loadgen) keeps every connection busy (64-byte messages, one in
# flight per connection, each echo validated) from three loopback source addresses; the server is
# pinned to one core and the load generator to the other. A progress line every 10 s on stderr.
# Writes DIR/soak-SERVER.csv (elapsed_s,phase,rss_kib,threads,fds; phase: before, load, after),
# DIR/soak-SERVER.png (gnuplot) and DIR/soak-SERVER.md (the figures and the verdict). Default DIR:
# tests/bench/results/soak.
#
# Verdict: RSS growth under 1 % from the end of the warm-up to the end of the load; threads and
# descriptors back to their values before the load within 30 s after it; the load generator
# reports no failed or invalid echo. Exit 0 only when all hold.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
server=ours-execute conns=19000 duration=1800 warmup=120 out=$root/tests/bench/results/soak build=$root/build/release
while [ $# -gt 0 ]; do
  case $1 in
    --server) server=$2; shift 2 ;;
    --conns) conns=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) echo "usage: tests/bench/soak.sh [--server NAME] [--conns N] [--duration S] [--warmup S] [--out DIR] [--build DIR]" >&2
       exit 2 ;;
  esac
done
for tool in jq gnuplot taskset; do
  command -v $tool >/dev/null || { echo "soak.sh: needs $tool (jq, gnuplot-nox, util-linux)" >&2; exit 2; }
done
cmake --build "$build" -j "$(nproc)" --target bench_loadgen bench_echo_ours bench_echo_epoll >/dev/null
bin=$build/tests/bench
mkdir -p "$out"
ulimit -n "$(ulimit -Hn)"
# shellcheck source=server.sh
source "$root/tests/bench/server.sh"
cmd=$(bench_server_command "$server") || exit 2
log=$out/.server-$server.log
# shellcheck disable=SC2086
bench_start_server "$log" taskset -c 0 $cmd || exit 1
trap 'kill -TERM "$pid" 2>/dev/null || true' EXIT

csv=$out/soak-$server.csv
echo "elapsed_s,phase,rss_kib,threads,fds" >"$csv"
start=$SECONDS
sample() {  # sample PHASE: one row; sets rss, threads, fds
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status")
  fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
  echo "$((SECONDS - start)),$1,$rss,$threads,$fds" >>"$csv"
}
sample before
base_threads=$threads base_fds=$fds base_rss=$rss

json=$out/.loadgen-$server.json
taskset -c 1 "$bin/loadgen/bench_loadgen" --port "$port" --connections "$conns" --size 64 --depth 1 \
  --duration "$duration" --warmup "$warmup" --sources 127.0.0.1,127.0.0.2,127.0.0.3 --connect-timeout 120 \
  --drain 30 --server-pid "$pid" --json >"$json" 2>"$out/.loadgen-$server.log" &
load=$!
warm_rss=""
while kill -0 "$load" 2>/dev/null; do
  sleep 10
  kill -0 "$load" 2>/dev/null || break
  sample load
  t=$((SECONDS - start))
  [ -z "$warm_rss" ] && [ "$t" -ge "$warmup" ] && warm_rss=$rss warm_t=$t
  echo "soak.sh: $server ${t}/$((duration + warmup)) s: RSS $((rss / 1024)) MiB, threads $threads, fds $fds" >&2
done
end_rss=$rss
wait "$load" && load_ok=1 || load_ok=0
# After the load: threads and descriptors must come back to where they were.
back=0
for _ in 1 2 3; do
  sleep 10
  sample after
  if [ "$threads" -le "$base_threads" ] && [ "$fds" -le "$base_fds" ]; then back=1; break; fi
done

errors=$(jq -r '(.errors // 0) + (.validation_errors // 0) + (.connect_failures // 0) + (.stalled_connections // 0)' "$json" 2>/dev/null || echo "?")
rt=$(jq -r '.round_trips // "?"' "$json" 2>/dev/null || echo "?")
growth=$(awk -v a="${warm_rss:-0}" -v b="$end_rss" 'BEGIN { if (a > 0) printf "%.2f", (b - a) * 100 / a; else print "?" }')
verdict=pass
reasons=()
awk -v g="$growth" 'BEGIN { exit !(g != "?" && g < 1.0) }' || { verdict=fail; reasons+=("RSS grew ${growth} % after the warm-up"); }
((back)) || { verdict=fail; reasons+=("threads/fds not back to ${base_threads}/${base_fds} 30 s after the load: ${threads}/${fds}"); }
((load_ok)) && [ "$errors" = 0 ] || { verdict=fail; reasons+=("the load generator failed or saw $errors errors (see .loadgen-$server.log)"); }

gnuplot <<EOF
set terminal pngcairo size 1000,560 font ",10"
set output "$out/soak-$server.png"
set datafile separator ","
set key top left
set xlabel "elapsed (s)"
set ylabel "RSS (MiB)"
set y2label "threads, open fds / 1000"
set y2tics
set ytics nomirror
set title "$server: $conns connections at full speed for $duration s (+$warmup s warm-up), sampled every 10 s"
plot "$csv" using 1:(\$3/1024) skip 1 with lines lw 2 title "RSS (MiB)", \
     "$csv" using 1:4 skip 1 axes x1y2 with lines title "threads", \
     "$csv" using 1:(\$5/1000) skip 1 axes x1y2 with lines title "open fds / 1000"
EOF

{
  echo "# Soak: $server, $conns connections, $duration s at full speed"
  echo
  echo "Machine: $(nproc) cores, $(uname -r); $(date -u +%Y-%m-%d). Command: \`tests/bench/soak.sh --server $server --conns $conns --duration $duration --warmup $warmup\`."
  echo
  echo "| | before | end of warm-up ($warm_t s) | end of load | after |"
  echo "|---|---|---|---|---|"
  echo "| RSS (KiB) | $base_rss | $warm_rss | $end_rss | $rss |"
  echo "| threads | $base_threads | | | $threads |"
  echo "| open fds | $base_fds | | | $fds |"
  echo
  echo "Round trips: $rt, errors: $errors. RSS growth after the warm-up: ${growth} % (target < 1 %)."
  echo "Verdict: **$verdict**${reasons[*]:+ (${reasons[*]})}."
  echo
  echo "![RSS, threads and descriptors over time](soak-$server.png)"
} >"$out/soak-$server.md"
cat "$out/soak-$server.md" >&2
[ "$verdict" = pass ]
