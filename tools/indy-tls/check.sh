#!/usr/bin/env bash
# TLS against real Indy 10 on OpenSSL 3: Indy's TLS client (TIdTCPClient + TIdSSLIOHandlerSocketOpenSSL)
# against the bridge's TLS echo server (both engines, both models, TLS 1.2 and 1.3), Indy's client
# doing STARTTLS (PassThrough := False mid-connection) against a Pascal STARTTLS server compiled
# against the bridge's units (bridge_starttls_server.lpr), and the bridge's client against Indy's
# TLS server (TIdTCPServer + TIdServerIOHandlerSSLOpenSSL); Indy against Indy first, as the
# reference. Mainline Indy loads OpenSSL 1.0.x only (Debian 12 has OpenSSL 3), so Indy's OpenSSL
# units come from IndySockets/IndyTLS-OpenSSL (its OpenSSL 3 branch), over Indy's own.
#   tools/indy-tls/check.sh INDY_GIT_DIR INDYTLS_GIT_DIR [REF] [BUILD_DIR]
# INDY_GIT_DIR, INDYTLS_GIT_DIR: git directories of IndySockets/Indy and IndySockets/IndyTLS-OpenSSL
# (bare clones are enough); REF: the IndyTLS-OpenSSL branch (default esegece-com-openssl_3);
# BUILD_DIR: the project's build tree (default build/release: echo_server, make_test_certs).
# Needs fpc and libssl-dev (Indy loads libssl.so). Loopback only. Exit 0 when every case passes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
indy=${1:?usage: check.sh INDY_GIT_DIR INDYTLS_GIT_DIR [REF] [BUILD_DIR]}
indytls=${2:?usage: check.sh INDY_GIT_DIR INDYTLS_GIT_DIR [REF] [BUILD_DIR]}
ref=${3:-esegece-com-openssl_3}
build=$(cd "${4:-$root/build/release}" && pwd)
demo=$build/demos/echo_server
[ -x "$demo" ] && [ -x "$build/tests/make_test_certs" ] && [ -f "$build/component/libiocp.so" ] ||
  { echo "check.sh: no $demo or make_test_certs (build the project first)" >&2; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
git --git-dir="$indy" archive HEAD Lib/System Lib/Core Lib/Protocols | tar -x -C "$work"
mkdir -p "$work/tls" "$work/units" "$work/units-bridge"
git --git-dir="$indytls" archive "$ref" | tar -x -C "$work/tls"
L=$work/Lib
for p in indy_tls_client indy_tls_server; do
  # IndyTLS-OpenSSL's directory first: its IdSSLOpenSSL* replace Indy's (OpenSSL 1.0.x) ones.
  fpc -Mdelphi -Fu"$work/tls" -Fi"$work/tls" -Fu"$L/System" -Fu"$L/Core" -Fu"$L/Protocols" -Fi"$L/System" \
      -Fi"$L/Core" -Fi"$L/Protocols" -FU"$work/units" -FE"$work" "$here/$p.lpr" >"$work/build-$p.log" 2>&1 ||
    { cat "$work/build-$p.log"; exit 1; }
done
fpc -Mdelphi -Fu"$root/component/pascal" -Fl"$build/component" -k-rpath="$build/component" -FU"$work/units-bridge" \
    -FE"$work" "$here/bridge_starttls_server.lpr" >"$work/build-bridge.log" 2>&1 || { cat "$work/build-bridge.log"; exit 1; }
"$build/tests/make_test_certs" "$work/certs" >/dev/null
cert=$work/certs/server.crt key=$work/certs/server.key ca=$work/certs/ca.crt
echo "check.sh: real Indy $(git --git-dir="$indy" rev-parse --short HEAD), IndyTLS-OpenSSL $ref $(git --git-dir="$indytls" rev-parse --short "$ref"), $(openssl version)"

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_listening() {  # wait_listening LOG: until the server's first line says it listens (10 s)
  for _ in $(seq 100); do grep -q "listening on" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "check.sh: the server did not start:"; cat "$1"; return 1
}
status=0
result() {  # result NAME OUTPUT_FILE EXPECTED_PATTERN
  if grep -q "$3" "$2"; then echo "  pass  $1"; else echo "  FAIL  $1:"; sed 's/^/        /' "$2"; status=1; fi
}

# 1. Indy against Indy: the reference (TLS on both ends, PassThrough := False as Indy's users set it).
p=$(port)
"$work/indy_tls_server" "$p" "$cert" "$key" 30 >"$work/indy-server.log" 2>&1 &
pids+=($!)
wait_listening "$work/indy-server.log"
"$work/indy_tls_client" 127.0.0.1 "$p" "$ca" 200 >"$work/out" 2>&1 || true
result "Indy client -> Indy server (reference)" "$work/out" "^ok 200 lines"

# 2. Indy's client against the bridge's server, TLS 1.2 and 1.3.
for io in iocp default; do
  for model in execute event; do
    p=$(port)
    "$demo" --io "$io" --model "$model" --port "$p" --tls "$cert" "$key" >"$work/demo.log" 2>&1 &
    pids+=($!)
    wait_listening "$work/demo.log"
    for v in 1.2 1.3; do
      "$work/indy_tls_client" 127.0.0.1 "$p" "$ca" 200 "$v" >"$work/out" 2>&1 || true
      result "Indy client -> bridge server (--io $io --model $model, TLS $v)" "$work/out" "^ok 200 lines"
    done
    kill "${pids[-1]}" 2>/dev/null || true
  done
done

# 3. Indy's client doing STARTTLS against a STARTTLS server on the bridge's Pascal units.
for io in iocp default; do
  p=$(port)
  "$work/bridge_starttls_server" "$p" "$cert" "$key" "$io" 60 >"$work/starttls.log" 2>&1 &
  pids+=($!)
  wait_listening "$work/starttls.log"
  for v in 1.2 1.3; do
    "$work/indy_tls_client" 127.0.0.1 "$p" "$ca" 200 "$v" starttls >"$work/out" 2>&1 || true
    result "Indy client STARTTLS -> bridge Pascal server (--io $io, TLS $v)" "$work/out" "^ok 200 lines"
  done
  kill "${pids[-1]}" 2>/dev/null || true
done

# 4. The bridge's client against Indy's server.
p=$(port)
"$work/indy_tls_server" "$p" "$cert" "$key" 30 >"$work/indy-server2.log" 2>&1 &
pids+=($!)
wait_listening "$work/indy-server2.log"
lines=$(for i in $(seq 50); do echo "bridge line $i"; done)
echo "$lines" | timeout 20 "$demo" --client --port "$p" --tls-ca "$ca" >"$work/out" 2>&1 || true
if [ "$(grep -c '^bridge line' "$work/out")" = 50 ] && diff <(echo "$lines") <(grep '^bridge line' "$work/out") >/dev/null; then
  echo "  pass  bridge client -> Indy server (50 lines back in order)"
else
  echo "  FAIL  bridge client -> Indy server:"; sed 's/^/        /' "$work/out"; status=1
fi
exit $status
