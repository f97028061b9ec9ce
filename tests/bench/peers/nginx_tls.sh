#!/usr/bin/env bash
# Benchmark peer "nginx-epoll": nginx's stream module terminating TLS in front of the bare epoll
# echo loop (bench_echo_epoll), the way a TLS-less server is usually put behind TLS. One nginx
# process (master_process off, one worker's work), TLS 1.2 and 1.3, proxy_pass to the echo loop.
# Prints "listening on port N" (nginx's port), then "pids A,B" (nginx and the echo loop: the load
# generator adds up their CPU); SIGTERM or SIGINT stops both.
#   nginx_tls.sh EPOLL_BIN CERT KEY [--port N]   (--port 0 or none: a free port)
set -euo pipefail
epoll_bin=$1 cert=$2 key=$3
shift 3
listen_port=0
while [ $# -gt 0 ]; do
  case $1 in
    --port) listen_port=$2; shift 2 ;;
    *) echo "nginx_tls.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
module=/usr/lib/nginx/modules/ngx_stream_module.so
if [ ! -x "$nginx_bin" ] || [ ! -f "$module" ]; then
  echo "nginx_tls.sh: needs nginx and its stream module (apt-get install nginx-light libnginx-mod-stream)" >&2
  exit 1
fi
dir=$(mktemp -d)
echo_pid="" nginx_pid=""
stop() {
  [ -n "$nginx_pid" ] && kill -TERM "$nginx_pid" 2>/dev/null
  [ -n "$echo_pid" ] && kill -TERM "$echo_pid" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap 'stop; exit 0' TERM INT
trap stop EXIT

"$epoll_bin" --port 0 >"$dir/echo.log" 2>&1 &
echo_pid=$!
# shellcheck source=../server.sh
source "$(dirname "${BASH_SOURCE[0]}")/../server.sh"
bench_wait_port "$dir/echo.log" 100 || { echo "nginx_tls.sh: the echo loop did not start: $(cat "$dir/echo.log")" >&2; exit 1; }
echo_port=$port
port=$listen_port
if [ "$port" = 0 ]; then  # A free port (nginx cannot report one it picked).
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
mkdir -p "$dir/logs"
cat >"$dir/nginx.conf" <<CONF
load_module $module;
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 65536;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 30000; multi_accept on; }
stream {
  server {
    listen 127.0.0.1:$port ssl backlog=4096;
    ssl_certificate $cert;
    ssl_certificate_key $key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache off;
    ssl_session_tickets off;
    tcp_nodelay on;
    proxy_pass 127.0.0.1:$echo_port;
  }
}
CONF
"$nginx_bin" -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" >"$dir/nginx.out" 2>&1 &
nginx_pid=$!
for _ in $(seq 100); do
  if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1', $port)))" 2>/dev/null; then
    echo "listening on port $port"
    echo "pids $nginx_pid,$echo_pid"
    wait "$nginx_pid" || true
    exit 0
  fi
  kill -0 "$nginx_pid" 2>/dev/null || break
  sleep 0.05
done
echo "nginx_tls.sh: nginx did not start: $(cat "$dir/nginx.out" "$dir/logs/error.log" 2>/dev/null)" >&2
exit 1
