# For test scripts that start a server and must learn where it listens (source this file):
#   port=$(wait_listening FILE PID [SECONDS])
# waits until FILE, the server's output, has a line saying where it listens - "listening on
# HOST:PORT" (the demos) or "listening on port PORT" (the benchmark peers, the worked example) -
# and prints PORT. Returns 1 with the reason on stderr when process PID ends first or SECONDS
# (default 20) pass.
wait_listening() {
  local file=$1 pid=$2 seconds=${3:-20} port i
  for ((i = 0; i <= seconds * 10; i++)); do
    port=$(tr -d '\r' <"$file" 2>/dev/null |
      sed -n -e 's/.*listening on port \([0-9][0-9]*\).*/\1/p' -e 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' |
      head -n 1)
    if [ -n "$port" ]; then
      echo "$port"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the server ended before it said where it listens" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "the server did not say where it listens within $seconds s" >&2
  return 1
}
