#!/usr/bin/env bash
# The Pascal echo demo (demos/pascal/echo_server.pas) as a user runs it, on Linux or under Wine:
#   echo_demo.sh default|iocp CLIENTS COMMAND...
# starts COMMAND --io ENGINE --port 0 --threads 2, reads where it listens, holds CLIENTS connections
# open, each echoing a line, so every handler is parked in ReadLn again; counts the server's
# threads (/proc/PID/task; Wine's threads are the process's threads); then Ctrl-C (SIGINT, which
# Wine hands to the console control handler) must stop it with "stopped" and exit code 0.
# iohIOCP must hold them on a few threads, iohDefault runs a thread per connection.
set -uo pipefail
. "$(dirname "$0")/../common/listening.sh"
engine=$1 clients=$2
shift 2
fail() { echo "echo_demo.sh: $*" >&2; [ -n "${out:-}" ] && sed 's/^/  demo: /' "$out" >&2; exit 1; }
threads() { ls "/proc/$pid/task" 2>/dev/null | wc -l; }

out=$(mktemp)
trap 'kill -9 $pid 2>/dev/null; rm -f "$out"' EXIT
exec "$@" --io "$engine" --port 0 --threads 2 >"$out" 2>&1 </dev/null &
pid=$!
# Bounds below (60 s) only stop a broken demo: a slow machine never waits that long.
port=$(wait_listening "$out" $pid 60) || fail "no port: see above"
idle=$(threads)

fds=()
for ((i = 0; i < clients; i++)); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$port" || fail "connect $i failed"
  fds+=("$fd")
  printf 'hello %d\r\n' "$i" >&"$fd"
  IFS= read -r -t 60 line <&"$fd" || fail "no echo on connection $i"
  [ "${line%$'\r'}" = "hello $i" ] || fail "connection $i got '$line'"
done
busy=$(threads)
echo "[ figures  ] Pascal echo demo, $engine: $clients connections parked in ReadLn, $busy threads ($idle idle)"
if [ "$engine" = iocp ]; then
  ((busy <= idle + 3)) || fail "iohIOCP added $((busy - idle)) threads for $clients connections"
else
  ((busy >= idle + clients)) || fail "iohDefault runs a thread per connection, but has $busy threads"
fi
middle=${fds[$((clients / 2))]}
printf 'still there\r\n' >&"$middle"
IFS= read -r -t 60 line <&"$middle" || fail "no echo from a parked connection"
[ "${line%$'\r'}" = "still there" ] || fail "the parked connection got '$line'"
for fd in "${fds[@]}"; do exec {fd}>&-; done

kill -INT $pid
for _ in $(seq 600); do
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
kill -0 $pid 2>/dev/null && fail "Ctrl-C did not stop the demo within 60 s"
wait $pid
rc=$?
[ $rc -eq 0 ] || fail "the demo exited with $rc after Ctrl-C"
grep -q "^stopped" "$out" || fail "the demo did not say it stopped"
echo "echo_demo.sh: $clients echoed, stopped cleanly on Ctrl-C"
