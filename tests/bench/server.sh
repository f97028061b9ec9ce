# Sourced by run.sh, smoke.sh and instructions.sh: start an echo server on a free port and wait
# for it; the peers' command lines.
#   bench_start_server LOG COMMAND...   runs COMMAND --port 0 in the background, output to LOG;
#                                       sets pid and port, or returns 1 with the server's output
bench_start_server() {
  local log=$1
  shift
  "$@" --port 0 >"$log" 2>&1 &
  pid=$!
  bench_wait_port "$log" 100 && return 0
  echo "the server did not start: $(cat "$log")" >&2
  kill "$pid" 2>/dev/null || true
  return 1
}

# bench_wait_port LOG TRIES: wait (TRIES x 50 ms at most) for the server's "listening on port N"
# line in LOG; sets port, or returns 1.
bench_wait_port() {
  port=""
  for _ in $(seq "$2"); do
    port=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$1")
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  return 1
}

# bench_server_command NAME [BIN]: the command line of the peer NAME (tests/bench/README.md's
# table), BIN the build's tests/bench folder (default $bin); nothing and status 2 for an unknown
# NAME (check the status: inside $(...) the caller's exit is its own to do). With bench_tls_dir
# set (a folder holding server.pem and server.key), the peer serves TLS; status 2 for a peer that
# cannot.
bench_server_command() {
  local b=${2:-$bin}
  if [ -n "${bench_tls_dir:-}" ]; then
    local cert=$bench_tls_dir/server.pem key=$bench_tls_dir/server.key
    case $1 in
      asio|ours-*) echo "$(bench_tls_dir="" bench_server_command "$1" "$b") --tls-cert $cert --tls-key $key" ;;
      nginx-epoll) echo "bash $(dirname "${BASH_SOURCE[0]}")/peers/nginx_tls.sh $b/peers/bench_echo_epoll $cert $key" ;;
      *) echo "$1 does not serve TLS (TLS peers: asio, nginx-epoll, ours-*)" >&2; return 2 ;;
    esac
    return 0
  fi
  case $1 in
    epoll) echo "$b/peers/bench_echo_epoll" ;;
    asio) echo "$b/peers/bench_echo_asio --threads 1" ;;
    libuv) echo "$b/peers/bench_echo_libuv" ;;
    ours-execute) echo "$b/peers/bench_echo_ours --mode execute --threads 1" ;;
    ours-event) echo "$b/peers/bench_echo_ours --mode event --threads 1" ;;
    ours-execute-uring) echo "env IOCP_BACKEND=io_uring $b/peers/bench_echo_ours --mode execute --threads 1" ;;
    ours-event-uring) echo "env IOCP_BACKEND=io_uring $b/peers/bench_echo_ours --mode event --threads 1" ;;
    ours-default) echo "$b/peers/bench_echo_ours --mode default" ;;
    pascal-execute) echo "$b/peers/bench_echo_pascal --mode execute --threads 1" ;;
    *) echo "unknown server $1" >&2; return 2 ;;
  esac
}
