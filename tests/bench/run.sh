#!/usr/bin/env bash
# The benchmark matrix: each echo server (tests/bench/peers) against the load generator
# (tests/bench/loadgen), side by side in one run, server pinned to one core and the load
# generator to another. See tests/bench/README.md for the method.
#
#   tests/bench/run.sh [--duration S] [--warmup S] [--servers "a b"] [--conns "100 1000"]
#                      [--sizes "64 4096"] [--depth D] [--repeat R] [--idle N] [--scale N]
#                      [--rate R] [--tls] [--handshakes] [--out DIR] [--build DIR]
#
# Each point runs R times (--repeat, default 3), the servers in turn, and reports the medians.
# --rate R offers a fixed load of R round trips per second (the load generator's --rate; default
# 0 = as fast as the server answers): below every server's capacity the servers then batch alike
# and server CPU per round trip compares their cost per message; without it, both sides run
# near saturation and the figure also reflects how each reacts to that.
# Then each server holds N idle connections (--idle, default 10000; 0 = skip) for its memory per
# connection, and serves N connections at once (--scale, default 19000: the per-process file
# limit here is 20000; 0 = skip) from three source addresses. Writes DIR/results.csv (one row per
# point), DIR/idle.csv, DIR/scale.csv, DIR/results.md (the table with ratios against
# Boost.Asio and the bare epoll loop, machine and settings at the top) and DIR/results.png
# (server CPU per round trip, gnuplot). Default DIR: tests/bench/results.
# --tls: every connection TLS 1.3 (the load generator's --tls; a fresh ECDSA P-256 certificate in
# DIR/.tls), the servers those that serve TLS: asio (asio::ssl), nginx-epoll (nginx's stream
# module terminating TLS in front of the epoll loop; installs nginx-light and
# libnginx-mod-stream if missing) and ours-* (SSLOptions); default servers "asio nginx-epoll
# ours-execute ours-event". --handshakes: every connection cycles connect, handshake, one echo,
# reset (the load generator's --handshakes): round trips/s is then new connections (handshakes)
# per second and server µs/rt the server's CPU per handshake.
set -euo pipefail
command_line="tests/bench/run.sh$(printf " %q" "$@")"  # For the report.
cd "$(dirname "$0")/../.."
root=$PWD

duration=2 warmup=1 depth=1 repeat=3 idle=10000 scale=19000 rate=0 tls=0 handshakes=0
servers=""
conns="100 1000 10000"
sizes="64 4096"
out=$root/tests/bench/results
build=$root/build/release
usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --servers) servers=$2; shift 2 ;;
    --conns) conns=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --depth) depth=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --tls) tls=1; shift ;;
    --handshakes) handshakes=1; shift ;;
    --repeat) repeat=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown option $1" >&2; usage ;;
  esac
done

if [ -z "$servers" ]; then
  servers="epoll asio libuv ours-execute ours-event ours-execute-uring ours-event-uring ours-default pascal-execute"
  ((tls)) && servers="asio nginx-epoll ours-execute ours-event"
fi
loadgen_mode=()
((tls)) && loadgen_mode+=(--tls)
((handshakes)) && loadgen_mode+=(--handshakes)

# What the run needs from Debian: jq (reads the load generator's JSON), gnuplot (the chart),
# util-linux's taskset (pinning), nginx with its stream module (the nginx-epoll peer); the
# build's own packages come with tools/dev.sh.
needed=(jq gnuplot-nox util-linux libuv1-dev)
[[ " $servers " == *" nginx-epoll "* ]] && needed+=(nginx-light libnginx-mod-stream)
missing=()
for p in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j "$(nproc)" --target bench_loadgen bench_echo_epoll bench_echo_asio bench_echo_libuv \
  bench_echo_ours bench_echo_pascal >/dev/null

if ((tls)); then  # The servers' certificate: ECDSA P-256, made for this run.
  bench_tls_dir=$out/.tls
  mkdir -p "$bench_tls_dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -keyout "$bench_tls_dir/server.key" -out "$bench_tls_dir/server.pem" 2>/dev/null
fi

cores=$(nproc)
server_core=0
client_core=$((cores > 1 ? 1 : 0))
bin=$build/tests/bench
mkdir -p "$out"
csv=$out/results.csv
echo "server,connections,size,depth,rt_per_s,server_cpu_us_per_rt,p50_us,p99_us,p999_us,peak_rss_kb,threads,connect_rate,client_cpu_us_per_rt,round_trips,errors,validation_errors,runs" >"$csv"


ulimit -n "$(ulimit -Hn)"
log=$out/.server.log
# shellcheck source=server.sh
source "$root/tests/bench/server.sh"
start_server() {  # start_server NAME: sets pid, pids (what the load generator samples) and port
  local cmd
  cmd=$(bench_server_command "$1") || exit 2
  # shellcheck disable=SC2086
  bench_start_server "$log" taskset -c $server_core $cmd || { echo "run.sh: $1" >&2; exit 1; }
  if [[ $1 == *-uring ]] && ! grep -qx "backend io_uring" "$log"; then
    echo "run.sh: $1 is not served by io_uring: $(grep '^backend' "$log")" >&2
    exit 1
  fi
  pids=$(sed -n 's/^pids //p' "$log")  # A proxy and the server behind it (nginx-epoll).
  [ -n "$pids" ] || pids=$pid
}
stop_server() {
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
# measure SERVER WHAT LOADGEN_OPTIONS...: one run of the load generator against a fresh SERVER
# (with --server-pid and --json); sets json (the result) and rss (the server's peak RSS in KiB).
# Returns 1, naming WHAT, when there is no result.
measure() {
  local server=$1 what=$2
  shift 2
  start_server "$server"
  json=$(taskset -c $client_core "$bin/loadgen/bench_loadgen" --port "$port" --server-pid "$pids" --json \
           ${loadgen_mode[@]+"${loadgen_mode[@]}"} "$@" \
           2>"$out/.loadgen.err") || true
  rss=0  # Peak resident KiB, added up over the sampled processes.
  for p in ${pids//,/ }; do
    rss=$((rss + $(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)))
  done
  stop_server
  [ -n "$json" ] && return 0
  echo "run.sh: $server, $what: no result: $(tail -3 "$out/.loadgen.err")" >&2
  return 1
}
# The matrix, in rounds: every server once per round, so drift on a shared machine hits all of
# them alike; each point of results.csv is the median of its rounds (raw runs: raw.jsonl).
raw=$out/raw.jsonl
: >"$raw"
start=$(date +%s)
points=0
for n in $conns; do
  for size in $sizes; do
    for round in $(seq "$repeat"); do
      for server in $servers; do
        measure "$server" "$n x $size B (round $round)" --connections "$n" --size "$size" --depth "$depth" --rate "$rate" \
          --duration "$duration" --warmup "$warmup" || continue
        jq -c --arg s "$server" --argjson r "$round" --argjson rss "${rss:-0}" \
          '{server: $s, round: $r, peak_rss_kb: $rss} + .' <<<"$json" >>"$raw"
        points=$((points + 1))
        printf '%-13s %6s conns %5s B round %s: %s\n' "$server" "$n" "$size" "$round" \
          "$(jq -r '"\(.rt_per_s|floor) rt/s, server \(.server_cpu_us_per_rt*100|floor/100) us/rt, p99 \(.latency_p99_us) us"' <<<"$json")"
      done
    done
  done
done
# Medians per (server, connections, size), in the order the servers and points ran.
jq -rs --arg servers "$servers" '
  def median: map(select(. != null)) | sort | if length == 0 then null
    elif length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  ($servers | split(" ") | map(select(length > 0))) as $order
  | group_by([.connections, .size]) | sort_by(.[0].connections, .[0].size) | .[]
  | group_by(.server) | sort_by(.[0].server as $s | $order | index($s)) | .[]
  | [.[0].server, .[0].connections, .[0].size, .[0].depth, (map(.rt_per_s) | median),
     (map(.server_cpu_us_per_rt) | median), (map(.latency_p50_us) | median), (map(.latency_p99_us) | median),
     (map(.latency_p999_us) | median), (map(.peak_rss_kb) | max), (map(.server_threads) | max),
     (map(.connect_rate) | median), (map(.client_cpu_us_per_rt) | median), (map(.round_trips) | add),
     (map(.errors) | add), (map(.validation_errors) | add), length] | @csv' "$raw" | tr -d '"' >>"$csv"
# Idle memory: each server holds $idle connections without traffic.
idle_csv=$out/idle.csv
echo "server,connections,rss_before_kb,rss_kb,bytes_per_connection,threads" >"$idle_csv"
if [ "$idle" -gt 0 ]; then
  for server in $servers; do
    measure "$server" "$idle idle connections" --connections "$idle" --size 64 --depth 1 --idle --duration 2 \
      --warmup 1 || continue
    jq -r --arg s "$server" '[$s, .connected, .server_rss_before_kb, .server_rss_kb, .server_rss_per_conn_bytes,
            .server_threads] | @csv' <<<"$json" | tr -d '"' >>"$idle_csv"
    printf '%-13s %6s idle connections: %s bytes each\n' "$server" "$idle" "$(jq -r .server_rss_per_conn_bytes <<<"$json")"
  done
fi
# Scale: every server with $scale connections at once, from three loopback source addresses.
scale_csv=$out/scale.csv
echo "server,connections,connected,connect_rate,rt_per_s,server_cpu_us_per_rt,p99_us,rss_kb,threads" >"$scale_csv"
if [ "$scale" -gt 0 ]; then
  for server in $servers; do
    if ! measure "$server" "$scale connections" --connections "$scale" --size 64 --depth 1 --duration "$duration" \
      --warmup "$warmup" --sources 127.0.0.1,127.0.0.2,127.0.0.3 --connect-timeout 60; then
      echo "$server,$scale,,,,,,," >>"$scale_csv"
      continue
    fi
    jq -r --arg s "$server" '[$s, .connections, .connected, .connect_rate, .rt_per_s, .server_cpu_us_per_rt,
            .latency_p99_us, .server_rss_kb, .server_threads] | @csv' <<<"$json" | tr -d '"' >>"$scale_csv"
    printf '%-13s %6s connections: %s\n' "$server" "$scale" \
      "$(jq -r '"\(.connected) connected, \(.rt_per_s|floor) rt/s, server \(.server_cpu_us_per_rt) us/rt, RSS \(.server_rss_kb/1024|floor) MiB"' <<<"$json")"
  done
fi
rm -f "$out/.server.log" "$out/.loadgen.err"
rm -rf "$out/.tls"
elapsed=$(( $(date +%s) - start ))

mode=""
((tls)) && mode="TLS 1.3 (ECDSA P-256 certificate, full handshakes, no session reuse); "
((handshakes)) && mode+="a new connection per round trip (connect, handshake, one echo, reset): round trips/s = handshakes/s, server µs/rt = server CPU per handshake; "
bash "$root/tests/bench/report.sh" "$csv" "$out" "${mode}each point the median of $repeat runs of ${duration} s after ${warmup} s warm-up, servers in turn; depth $depth, $( ((rate)) && echo "offered load $rate rt/s" || echo "unpaced load"), server on core $server_core, load generator on core $client_core; $points runs in ${elapsed} s" "$command_line"
echo "run.sh: $points runs in ${elapsed} s: $out/results.md, $out/results.csv, $out/results.png"
