#!/usr/bin/env bash
# bench/fileserver: requests/s of our file server against Debian's nginx serving the SAME blobs
# in the same run, with the same wrk load (threads, connections, duration), for a 4 KiB and a
# 1 MiB blob; prints both figures and the ratio ours/nginx (goal >= 0.8).
#
#   bench/fileserver/run.sh [path/to/recodex-fileserver]
# Environment: DURATION (default 8s), CONNECTIONS (default 64), THREADS (default 2).
# Needs wrk and nginx (deploy/setup --bench installs them).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
server_bin=${1:-$here/../../build/bin/recodex-fileserver}
duration=${DURATION:-8s}
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}

for tool in wrk nginx "$server_bin"; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] || { echo "bench: $tool not found (run deploy/setup --bench)" >&2; exit 2; }
done

work=$(mktemp -d /tmp/recodex-bench-fileserver-XXXXXX)
chmod 755 "$work" # nginx workers run as www-data and must read the blobs
server_pid="" nginx_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null
  sleep 0.2
  rm -rf "$work"
}
trap cleanup EXIT

# Two blobs in the blob store's layout: <data>/tasks/<first hex char>/<sha1>.
data=$work/data
mkdir -p "$data"
declare -A blob
for size in 4096 1048576; do
  head -c "$size" /dev/urandom >"$work/blob"
  sha=$(sha1sum "$work/blob" | cut -c1-40)
  mkdir -p "$data/tasks/${sha:0:1}"
  mv "$work/blob" "$data/tasks/${sha:0:1}/$sha"
  blob[$size]=$sha
done

# Our server on a free port; it prints its URL on stdout.
"$server_bin" --data-dir "$data" --port 0 >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 100); do
  url=$(grep -o 'http://[0-9.:]*' "$work/server.out" 2>/dev/null | head -n1 || true)
  [ -n "$url" ] && break
  sleep 0.05
done
[ -n "${url:-}" ] || { echo "bench: recodex-fileserver did not start:" >&2; cat "$work/server.err" >&2; exit 2; }

# nginx with settings a careful operator would use for static blobs.
nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<NGINX
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $data;
  }
}
NGINX
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
nginx_pid=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$nginx_port/tasks/${blob[4096]:0:1}/${blob[4096]}" -o /dev/null && break
  sleep 0.05
done

# Both servers must answer 200 with the whole blob before anything is measured.
check_served() { # url expected-size
  local got
  got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$1")
  [ "$got" = "200 $2" ] || { echo "bench: $1 answered '$got', expected '200 $2'" >&2; exit 2; }
}

requests_per_second() { # url
  local out
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" "$1")
  if grep -q "Non-2xx" <<<"$out"; then
    echo "bench: $1 gave non-2xx answers under load:" >&2
    echo "$out" >&2
    exit 2
  fi
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}

echo "bench/fileserver: wrk -t$threads -c$connections -d$duration, $(nproc) cores, keep-alive"
printf '%-8s %14s %14s %8s\n' size "ours req/s" "nginx req/s" ratio
for size in 4096 1048576; do
  sha=${blob[$size]}
  check_served "$url/v1/worker-files/exercise-file/$sha" "$size"
  check_served "http://127.0.0.1:$nginx_port/tasks/${sha:0:1}/$sha" "$size"
  ours=$(requests_per_second "$url/v1/worker-files/exercise-file/$sha")
  theirs=$(requests_per_second "http://127.0.0.1:$nginx_port/tasks/${sha:0:1}/$sha")
  label=$([ "$size" = 4096 ] && echo 4KiB || echo 1MiB)
  ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  printf '%-8s %14s %14s %8s\n' "$label" "$ours" "$theirs" "$ratio"
done
