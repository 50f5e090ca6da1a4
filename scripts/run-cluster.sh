#!/usr/bin/env bash
# `make run-cluster`: the system at scale without Docker. Two processes of
# each actor from bin/, all on PostgreSQL (one database per actor, created
# here when missing), behind Debian's nginx on the same browser-facing URLs
# as `make run` (localhost:9000, :9090, :8080). Ctrl-C stops everything.
#
#   replica A          replica B          (127.0.0.1 only)
#   authserver  19001  authserver  19002  <- nginx :9000
#   resourceapi 19091  resourceapi 19092  <- nginx :9090
#   client      18081  client      18082  <- nginx :8080
#
# OAUTHLAB_CLUSTER_POSTGRES is the server (default: the role that
# `make deps` creates, postgres://oauthlab:oauthlab@127.0.0.1:5432). nginx
# runs deploy/cluster/nginx.conf, adapted to loopback in a temporary
# folder, removed at the end; the databases stay (drop them with dropdb to
# start afresh).
set -uo pipefail
cd "$(dirname "$0")/.."

server=${OAUTHLAB_CLUSTER_POSTGRES:-postgres://oauthlab:oauthlab@127.0.0.1:5432}
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$nginx_bin" ]; then
  echo "run-cluster: nginx is missing; run make deps (it installs Debian's nginx)." >&2
  exit 1
fi
if ! command -v psql >/dev/null 2>&1 || ! psql "$server/postgres" -qtAc 'SELECT 1' >/dev/null 2>&1; then
  echo "run-cluster: PostgreSQL does not answer at ${server%%://*}://...@${server##*@}; run make deps." >&2
  exit 1
fi
for db in oauthlab_authserver oauthlab_resourceapi oauthlab_client; do
  if [ "$(psql "$server/postgres" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
    psql "$server/postgres" -qc "CREATE DATABASE $db" || exit 1
    echo "run-cluster: created database $db"
  fi
done
dsn() { echo "$server/oauthlab_$1?sslmode=disable"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/oauthlab-cluster.XXXXXX")
set -m # each process in its own process group, as in run.sh
pids=()
stopping=0
stop() {
  local status=${1:-0}
  [ "$stopping" -eq 1 ] && return
  stopping=1
  trap - INT TERM EXIT
  echo
  echo "Stopping..."
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[$i]}" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$work"
  echo "Stopped."
  exit "$status"
}
trap 'stop 0' INT TERM
trap 'stop $?' EXIT

# shellcheck source=scripts/healthy.sh
source scripts/healthy.sh # the working folder is the repository root (cd above)

# start LABEL PORT COMMAND...: runs COMMAND with its output prefixed by
# [LABEL] and waits until PORT answers /healthz.
start() {
  local label=$1 port=$2 pid
  shift 2
  if healthy "$port"; then
    echo "Port $port is already serving something (an earlier run?). Stop it first." >&2
    exit 1
  fi
  "$@" > >(sed -u "s/^/[$label] /") 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 300); do
    healthy "$port" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$label exited before it was healthy; its output is above." >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "$label did not answer on port $port within 30s." >&2
  exit 1
}

# Every replica names the browser-facing URLs (the defaults of the
# contract), so tokens, redirect URIs and back-channel calls all go
# through nginx, whichever replica serves them. Each believes the
# X-Forwarded-For of nginx only, which connects from 127.0.0.1, so the
# throttles count each caller's address, not the balancer's.
trusted=127.0.0.1/32
for r in 1 2; do
  start "authserver-$r" "1900$r" env AUTHSERVER_ADDR="127.0.0.1:1900$r" AUTHSERVER_DB="$(dsn authserver)" \
    AUTHSERVER_TRUSTED_PROXIES="$trusted" bin/authserver
done
# The balancer is deploy/cluster/nginx.conf, the compose cluster's own,
# with each service name replaced by its replicas' loopback addresses and
# each port bound to loopback only; its temporary files go to the work
# folder. (e2e/cluster_wiring_test.go runs the same file the same way.)
sed -e 's|server authserver:9000;|server 127.0.0.1:19001; server 127.0.0.1:19002;|' \
  -e 's|server resourceapi:9090;|server 127.0.0.1:19091; server 127.0.0.1:19092;|' \
  -e 's|server client:8080;|server 127.0.0.1:18081; server 127.0.0.1:18082;|' \
  -e 's|listen \([0-9]*\);|listen 127.0.0.1:\1;|' \
  -e "s|^http {\$|http {\n    client_body_temp_path $work/body; proxy_temp_path $work/proxy; fastcgi_temp_path $work/fastcgi; uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;|" \
  deploy/cluster/nginx.conf >"$work/nginx.conf"
start nginx 9000 "$nginx_bin" -p "$work" -c "$work/nginx.conf" -e stderr -g "daemon off; pid $work/nginx.pid;"
for r in 1 2; do
  start "resourceapi-$r" "1909$r" env RESOURCEAPI_ADDR="127.0.0.1:1909$r" RESOURCEAPI_DB="$(dsn resourceapi)" \
    RESOURCEAPI_TRUSTED_PROXIES="$trusted" bin/resourceapi
done
for r in 1 2; do
  start "client-$r" "1808$r" env CLIENT_ADDR="127.0.0.1:1808$r" CLIENT_DB="$(dsn client)" \
    CLIENT_TRUSTED_PROXIES="$trusted" bin/client
done

cat <<'MSG'

  The cluster is up: two replicas of each actor on PostgreSQL, behind nginx.
    demo client (start here)   http://localhost:8080
    authorization server       http://localhost:9000
    resource API               http://localhost:9090

  Demo logins: alice / wonderland   and   bob / builder
  Press Ctrl-C to stop them all.

MSG
wait -n "${pids[@]}"
echo "A process stopped on its own; stopping the others." >&2
stop 1
