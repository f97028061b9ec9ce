#!/usr/bin/env bash
# The TimeChat protocol (indy/ChatProtocol.pas) against a running server binary:
#
#   behaviour_test.sh SERVER_EXE            e.g. the Indy build, or the migrated one
#   behaviour_test.sh RUNNER... SERVER_EXE  e.g. behaviour_test.sh wine64 TimeChatServer.exe
#
# Starts the command with "--port 0" appended, its standard input on a pipe that this script
# holds open, reads the port from the line "listening on port N", then talks to it over
# /dev/tcp on 127.0.0.1 with up to three clients at a time: the greeting, TIME, HELLO (bad,
# taken, repeated names), SAY broadcast to every named user and to nobody unnamed, a burst of
# SAYs in order, JOIN/LEAVE to the others, QUIT answered and closed, a client vanishing, a line
# over 1024 bytes closing its connection. Then it closes the server's standard input: the server
# must close the last connection, print "stopped" and exit 0. Every read and the server itself
# run under timeouts. Exits 0 when every check passed, 1 otherwise.
set -uo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 [RUNNER...] SERVER_EXE" >&2
  exit 2
fi

me=$(basename "$0")
read_timeout=30  # seconds to wait for an expected line (only a broken server waits this long)
quiet_time=0.5  # seconds a client must stay silent when nothing is expected; a line that came
                # later is caught by the next expect on that client, which must see its own reply
checks=0
work=$(mktemp -d "${TMPDIR:-/tmp}/timechat-test.XXXXXX")
server_pid=""
declare -A fd=()

cleanup() {
  local name f
  for name in "${!fd[@]}"; do
    f=${fd[$name]}
    exec {f}>&- 2>/dev/null
  done
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "$me: FAIL: $*" >&2
  echo "--- server output ---" >&2
  cat "$work/out" >&2 2>/dev/null
  echo "---------------------" >&2
  exit 1
}

ok() {
  checks=$((checks + 1))
  echo "ok $checks - $*"
}

# --- the server -------------------------------------------------------------------------------

mkfifo "$work/stdin" || fail "mkfifo"
exec {stdin_fd}<>"$work/stdin"  # held open until the end: closing it is the server's EOF
timeout -k 5 300 "$@" --port 0 <"$work/stdin" >"$work/out" 2>&1 {stdin_fd}>&- &
server_pid=$!

port=""
for _ in $(seq 300); do  # 30 s: only a server that never listens waits this long
  port=$(tr -d '\r' <"$work/out" | sed -n 's/^listening on port \([0-9][0-9]*\)$/\1/p' | head -n 1)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || fail "the server exited before listening"
  sleep 0.1
done
if [ -z "$port" ] || [ "$port" -eq 0 ]; then
  fail "no line 'listening on port N' (N > 0) within 30 s"
fi
ok "server listening on port $port"

# --- clients ----------------------------------------------------------------------------------

connect() {  # connect NAME: a new client, which must be greeted
  local f
  exec {f}<>"/dev/tcp/127.0.0.1/$port" || fail "$1 cannot connect to 127.0.0.1:$port"
  fd[$1]=$f
  expect "$1" "WELCOME TimeChat, say HELLO <name>"
}

disconnect() {  # disconnect NAME: the client closes its socket
  local f=${fd[$1]}
  exec {f}>&-
  unset "fd[$1]"
}

send() {  # send NAME LINE
  printf '%s\r\n' "$2" >&"${fd[$1]}" || fail "$1 cannot send '$2'"
}

line=""
receive() {  # receive NAME: one line into $line (CR removed); returns read's status
  local status
  line=""
  IFS= read -r -t "$read_timeout" -u "${fd[$1]}" line
  status=$?
  line=${line%$'\r'}
  return $status
}

expect() {  # expect NAME LINE: the next line NAME receives is exactly LINE
  local status
  receive "$1"
  status=$?
  if [ $status -gt 128 ]; then
    fail "$1 expected '$2', got nothing within ${read_timeout} s"
  elif [ $status -ne 0 ]; then
    fail "$1 expected '$2', the connection closed${line:+ after \"$line\"}"
  fi
  [ "$line" = "$2" ] || fail "$1 expected '$2', got '$line'"
  ok "$1 <- $2"
}

expect_match() {  # expect_match NAME REGEX
  receive "$1" || fail "$1 expected a line matching '$2', got none"
  [[ $line =~ $2 ]] || fail "$1 expected a line matching '$2', got '$line'"
  ok "$1 <- $line"
}

expect_nothing() {  # expect_nothing NAME: nothing arrives within $quiet_time
  line=""
  if IFS= read -r -t "$quiet_time" -u "${fd[$1]}" line; then
    fail "$1 expected nothing, got '${line%$'\r'}'"
  fi
  [ -z "$line" ] || fail "$1 expected nothing, got '$line'"
  ok "$1 receives nothing"
}

expect_closed() {  # expect_closed NAME: the server closes the connection, with no more lines
  local status
  receive "$1"
  status=$?
  [ $status -gt 128 ] && fail "$1: the server did not close the connection within ${read_timeout} s"
  [ $status -eq 0 ] && fail "$1 expected the connection to close, got '$line'"
  [ -z "$line" ] || fail "$1 expected the connection to close, got '$line'"
  ok "$1: connection closed by the server"
  disconnect "$1"
}

# --- the conversation -------------------------------------------------------------------------

stamp='^TIME [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$'

connect alice
send alice "TIME";                expect_match alice "$stamp"
send alice "time";                expect_match alice "$stamp"
send alice "SAY too early";       expect alice "ERR say HELLO first"
send alice "HELLO al ice";        expect alice "ERR bad name"
send alice "HELLO";               expect alice "ERR bad name"
send alice "HELLO alice";         expect alice "OK HELLO alice"
send alice "HELLO alice2";        expect alice "ERR already HELLO as alice"

connect bob
send bob "HELLO ALICE";           expect bob "ERR name in use ALICE"
send bob "HELLO bob";             expect bob "OK HELLO bob"
expect alice "JOIN bob"

connect carol                     # connected but unnamed: hears no chat
send bob "SAY hello everyone"
expect bob "MSG bob: hello everyone"
expect alice "MSG bob: hello everyone"
expect_nothing carol

for i in 1 2 3 4 5; do send alice "SAY burst $i"; done
for i in 1 2 3 4 5; do expect alice "MSG alice: burst $i"; done
for i in 1 2 3 4 5; do expect bob "MSG alice: burst $i"; done

send carol "HELLO carol";         expect carol "OK HELLO carol"
expect alice "JOIN carol"
expect bob "JOIN carol"
send carol "WHAT now";            expect carol "ERR unknown command WHAT"
send carol "SAY";                 expect carol "ERR nothing to say"

send bob "QUIT";                  expect bob "BYE bob"
expect_closed bob
expect alice "LEAVE bob"
expect carol "LEAVE bob"

disconnect carol                  # vanishes without QUIT
expect alice "LEAVE carol"

connect dave                      # a line over MaxLineLength (1024) ends the connection
send dave "SAY $(printf 'x%.0s' $(seq 5000))"
expect_closed dave
expect_nothing alice

send alice "SAY still here";      expect alice "MSG alice: still here"

# --- stopping: the end of standard input stops the server, which closes alice -----------------

exec {stdin_fd}>&-
expect_closed alice
for _ in $(seq 600); do
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$server_pid" 2>/dev/null && fail "the server still runs 60 s after its standard input ended"
wait "$server_pid"
status=$?
server_pid=""
[ $status -eq 0 ] || fail "the server exited with status $status"
tr -d '\r' <"$work/out" | grep -q ' stopped$' || fail "the server did not log 'stopped'"
ok "server stopped at the end of its input, exit status 0"

echo "$me: all $checks checks passed"
