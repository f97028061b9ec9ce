#!/usr/bin/env bash
# Records what real Indy 10 puts on the wire and compares it with tests/component/indy_wire.txt,
# the fixture the test suite plays against our server (CI has neither Indy nor a network).
#   tools/indy-wire/record.sh INDY_GIT_DIR [--update]
# INDY_GIT_DIR: a git directory of IndySockets/Indy (a bare clone is enough). Needs fpc and
# python3. Real Indy is unpacked and built in a temporary directory; nothing of it stays.
# Exit 0 when real Indy's bytes match the fixture (--update: rewrite the fixture instead).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fixture=$here/../../tests/component/indy_wire.txt
git_dir=${1:?usage: record.sh INDY_GIT_DIR [--update]}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
git --git-dir="$git_dir" archive HEAD Lib/System Lib/Core Lib/Protocols | tar -x -C "$work"
commit=$(git --git-dir="$git_dir" rev-parse HEAD)
L=$work/Lib
mkdir -p "$work/units"
for p in record_writes record_reads; do
  fpc -Mdelphi -Fu"$L/System" -Fu"$L/Core" -Fu"$L/Protocols" -Fi"$L/System" -Fi"$L/Core" -Fi"$L/Protocols" \
      -FU"$work/units" -FE"$work" "$here/$p.lpr" > "$work/$p.build.log" 2>&1 ||
    { cat "$work/$p.build.log"; exit 1; }
done
cases=$(grep -c "^ *[0-9]*: " "$here/record_writes.lpr")
# Writes: real Indy's client against a socket that keeps the bytes.
python3 "$here/capture.py" "$cases" "$work/writes.json" > "$work/capture.port" &
for _ in $(seq 100); do [ -s "$work/capture.port" ] && break; sleep 0.1; done
"$work/record_writes" "$(head -1 "$work/capture.port")"
wait %1
# Reads: real Indy's server answering each case's bytes.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(sleep 120 | "$work/record_reads" "$port" > "$work/reads.out" 2> "$work/reads.err") &
for _ in $(seq 100); do grep -q serving "$work/reads.out" 2>/dev/null && break; sleep 0.1; done
python3 "$here/drive_reads.py" "$port" "$work/reads.json"
python3 "$here/make_fixture.py" "$work/writes.json" "$work/reads.json" "$work/reads.err" "$commit" > "$work/indy_wire.txt"
if [ "${2:-}" = --update ]; then
  cp "$work/indy_wire.txt" "$fixture"
  echo "record.sh: $fixture rewritten from Indy $commit"
  exit 0
fi
if diff -u "$fixture" "$work/indy_wire.txt"; then
  echo "record.sh: real Indy ($commit) puts the fixture's bytes on the wire: $(grep -c '^write ' "$fixture") writes, $(grep -c '^read ' "$fixture") reads"
else
  echo "record.sh: real Indy ($commit) differs from the fixture (above)" >&2
  exit 1
fi
