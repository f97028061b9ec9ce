# Sourced by run.sh and smoke.sh: start an echo server on a free port and wait for it.
#   bench_start_server LOG COMMAND...   runs COMMAND --port 0 in the background, output to LOG;
#                                       sets pid and port, or returns 1 with the server's output
bench_start_server() {
  local log=$1
  shift
  "$@" --port 0 >"$log" 2>&1 &
  pid=$!
  port=""
  for _ in $(seq 100); do
    port=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$log")
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  echo "the server did not start: $(cat "$log")" >&2
  kill "$pid" 2>/dev/null || true
  return 1
}
