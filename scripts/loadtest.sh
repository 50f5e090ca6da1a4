#!/usr/bin/env bash
# `make loadtest`: starts the three actors from bin/ on SQLite, like
# scripts/run.sh but on free loopback ports with their files in a temporary
# folder, drives the authorization server with e2e/cmd/loadgen (tokens, then
# flows, 16 workers, 10 s each), prints the reports and stops the actors.
# Nothing is kept: the temporary folder is removed at the end.
#
# LOADTEST_MODES chooses the runs (default "tokens flows"); `make
# loadtest-dpop` runs "api-compare": calls to the resource API with Bearer
# and with DPoP-bound tokens in alternating blocks, and what a DPoP call
# costs the API (its CPU time per call) against a Bearer call.
# LOADGEN_FLAGS adds flags to every loadgen run (for example
# LOADGEN_FLAGS="-c 32").
#
# Mode wrk-tokens (`make loadtest-wrk` runs "wrk-tokens tokens") drives the
# same client_credentials requests as tokens with Debian's wrk and the
# script e2e/wrk/tokens.lua instead: wrk needs much less CPU per request
# than loadgen, which shares the cores with the server. WRK_FLAGS replaces
# its flags (default "-t2 -c16 -d10s"). The mode prints wrk's report, the
# script's summary line, and wrk's and the authorization servers' CPU time
# (from /proc) per request; it fails when wrk is missing (`make deps`
# installs it), prints no summary line, or counts a failed request.
# LOADTEST_PROFILE=1 takes a CPU profile of the (first) authorization server
# during each run through AUTHSERVER_PPROF_ADDR and keeps it as
# testoutput/loadtest-<mode>.pprof (`go tool pprof -top bin/authserver FILE`).
#
# LOADTEST_DB=postgres (`make loadtest-postgres`) puts the authorization
# server on a fresh PostgreSQL database instead (created on
# OAUTHLAB_TEST_POSTGRES's server, dropped at the end); with
# LOADTEST_REPLICAS=2 as well (`make loadtest-replicas`) two authorization
# servers share it behind Debian's nginx, which loadgen then drives.
set -uo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/oauthlab-loadtest.XXXXXX")
set -m # each actor in its own process group, as in run.sh
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port: a port in 20000-29999 on which nothing answers now (the
# kernel's ephemeral range starts above it, so an outgoing connection will
# not take it meanwhile).
taken=" "
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 10000))
    [[ $taken == *" $port "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      taken+="$port "
      echo "$port"
      return 0
    fi
  done
  echo "loadtest: no free port found" >&2
  exit 1
}

# shellcheck source=scripts/healthy.sh
source scripts/healthy.sh # the working folder is the repository root (cd above)

# start NAME PORT VAR=VALUE...: runs bin/NAME with only these variables
# (and PATH, HOME), its output in the temporary folder, and waits until it
# is healthy.
start() {
  local name=$1 port=$2 pid
  shift 2
  env -i PATH="$PATH" HOME="$HOME" LOG_LEVEL=warn "$@" "bin/$name" >"$work/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 300); do
    healthy "$port" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "loadtest: $name exited before it was healthy:" >&2
      cat "$work/$name.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "loadtest: $name not healthy after 30s:" >&2
  cat "$work/$name.log" >&2
  exit 1
}

as_port=$(free_port)
api_port=$(free_port)
client_port=$(free_port)
as="http://127.0.0.1:$as_port"
api="http://127.0.0.1:$api_port"
client="http://127.0.0.1:$client_port"

go build -o "$work/loadgen" ./e2e/cmd/loadgen || exit 1

as_db="$work/authserver.db"
replicas=${LOADTEST_REPLICAS:-1}
if [ "${LOADTEST_DB:-sqlite}" = postgres ]; then
  server=${OAUTHLAB_TEST_POSTGRES:-postgres://oauthlab:oauthlab@127.0.0.1:5432/postgres?sslmode=disable}
  dbname="loadtest_$$_$RANDOM"
  psql "$server" -qc "CREATE DATABASE $dbname" || { echo "loadtest: PostgreSQL does not answer (make deps)" >&2; exit 1; }
  as_db="${server%%/postgres*}/$dbname?sslmode=disable"
  trap 'cleanup; psql "$server" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null' EXIT
fi
as_env=(AUTHSERVER_ISSUER="$as" AUTHSERVER_AUDIENCE="$api" AUTHSERVER_DB="$as_db" AUTHSERVER_DEMO_CLIENT_REDIRECT_URI="$client/callback")
pprof_env=()
if [ -n "${LOADTEST_PROFILE:-}" ]; then
  pprof_addr="127.0.0.1:$(free_port)"
  pprof_env=(AUTHSERVER_PPROF_ADDR="$pprof_addr")
fi
as_pids=()
if [ "$replicas" -eq 1 ]; then
  start authserver "$as_port" AUTHSERVER_ADDR="127.0.0.1:$as_port" "${as_env[@]}" "${pprof_env[@]}"
  as_pids+=("${pids[-1]}")
else
  # Two replicas on internal ports; nginx answers on $as_port and is the
  # one proxy they believe (it connects from 127.0.0.1).
  upstream=""
  for r in $(seq 1 "$replicas"); do
    port=$(free_port)
    start authserver "$port" AUTHSERVER_ADDR="127.0.0.1:$port" AUTHSERVER_TRUSTED_PROXIES=127.0.0.1/32 \
      "${as_env[@]}" "${pprof_env[@]}"
    as_pids+=("${pids[-1]}")
    pprof_env=() # only the first replica is profiled
    upstream+="server 127.0.0.1:$port; "
  done
  cat >"$work/nginx.conf" <<NGINX
daemon off;
pid $work/nginx.pid;
error_log stderr warn;
worker_processes 1;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/body;
    proxy_temp_path $work/proxy;
    upstream authserver { $upstream keepalive 64; }
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$http_host;
    proxy_set_header X-Forwarded-For \$remote_addr;
    server { listen 127.0.0.1:$as_port; location / { proxy_pass http://authserver; } }
}
NGINX
  env -i PATH="$PATH" "$(command -v nginx || echo /usr/sbin/nginx)" -p "$work" -c "$work/nginx.conf" >"$work/nginx.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 1 100); do healthy "$as_port" && break; sleep 0.1; done
fi
start resourceapi "$api_port" RESOURCEAPI_ADDR="127.0.0.1:$api_port" RESOURCEAPI_URL="$api" \
  RESOURCEAPI_ISSUER="$as" RESOURCEAPI_DB="$work/resourceapi.db"
api_pid=${pids[-1]}
start client "$client_port" CLIENT_ADDR="127.0.0.1:$client_port" CLIENT_URL="$client" \
  CLIENT_ISSUER="$as" CLIENT_API_URL="$api" CLIENT_DB="$work/client.db"

# cpu_ticks PID...: the CPU time (user + system, fields 14 and 15 of
# /proc/PID/stat) the processes have used so far, in clock ticks. The fields
# are counted after the ")" that ends field 2, the command name.
cpu_ticks() {
  local total=0 pid stat
  local -a f
  for pid in "$@"; do
    stat=$(<"/proc/$pid/stat") || return 1
    read -r -a f <<<"${stat##*) }" # f[0] is field 3
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}

# warm_token: a few token requests of the demo machine client before wrk's
# clock starts, made by loadgen: the first check of a client's secret is a
# bcrypt comparison (slow on purpose), later ones hit the server's cache.
# Two per replica, so that behind nginx every replica gets one.
warm_token() {
  "$work/loadgen" -mode tokens -c 1 -n $((2 * ${#as_pids[@]})) -d 10s -authserver "$as" >/dev/null
}

# run_wrk: the wrk-tokens mode (see the top of this file).
run_wrk() {
  if ! command -v wrk >/dev/null 2>&1; then
    echo "loadtest: wrk is not installed: make deps installs Debian's wrk" >&2
    return 1
  fi
  warm_token
  local before after rc line requests failed wrk_cpu
  local TIMEFORMAT="%3U %3S" # what bash's time prints: wrk's user and system CPU
  before=$(cpu_ticks "${as_pids[@]}") || return 1
  # shellcheck disable=SC2086 # WRK_FLAGS is a list of flags
  { time wrk ${WRK_FLAGS:--t2 -c16 -d10s} --latency -s e2e/wrk/tokens.lua "$as/token" >"$work/wrk.out" 2>&1; } 2>"$work/wrk.time"
  rc=$?
  after=$(cpu_ticks "${as_pids[@]}") || return 1
  cat "$work/wrk.out"
  # wrk runs on, sending GET requests, when the script does not load: the
  # summary line is the proof that it did.
  line=$(grep '^wrk-tokens: ' "$work/wrk.out")
  if [ "$rc" -ne 0 ]; then
    echo "loadtest: wrk exited with status $rc" >&2
    return 1
  fi
  if ! [[ $line =~ ^wrk-tokens:\ ([0-9]+)\ requests.*,\ failed\ ([0-9]+), ]]; then
    echo "loadtest: no wrk-tokens summary line: did e2e/wrk/tokens.lua load?" >&2
    return 1
  fi
  requests=${BASH_REMATCH[1]} failed=${BASH_REMATCH[2]}
  read -r wrk_cpu <"$work/wrk.time"
  awk -v wrk="$wrk_cpu" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN {
    split(wrk, t, " ")
    if (n > 0) {
      printf "load generator CPU (wrk): %.2f s in the run, %.1f µs per operation\n", t[1] + t[2], (t[1] + t[2]) * 1e6 / n
      printf "server CPU: %.2f s in the run, %.1f µs per operation\n", ticks / hz, ticks / hz * 1e6 / n
    }
  }'
  [ "$failed" -eq 0 ]
}

echo "loadtest: actors up (authorization server $as: ${LOADTEST_DB:-sqlite}, $replicas replica(s)), files in $work"
echo "loadtest: load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
status=0
for mode in ${LOADTEST_MODES:-tokens flows}; do
  echo
  profiler=""
  if [ -n "${LOADTEST_PROFILE:-}" ] && [[ $mode != api-* ]]; then
    mkdir -p testoutput
    curl -sf -o "testoutput/loadtest-$mode.pprof" "http://$pprof_addr/debug/pprof/profile?seconds=8" &
    profiler=$!
  fi
  if [ "$mode" = wrk-tokens ]; then
    run_wrk || status=1
  else
    # loadgen reports the CPU time of the servers it drives per operation.
    server_pids=$(IFS=,; echo "${as_pids[*]}")
    [[ $mode == api-* ]] && server_pids=$api_pid
    # shellcheck disable=SC2086 # LOADGEN_FLAGS is a list of flags
    "$work/loadgen" -mode "$mode" -c 16 -d 10s -authserver "$as" -api "$api" -redirect-uri "$client/callback" \
      -server-pid "$server_pids" ${LOADGEN_FLAGS:-} || status=1
  fi
  if [ -n "$profiler" ]; then
    wait "$profiler" && echo "loadtest: CPU profile in testoutput/loadtest-$mode.pprof (go tool pprof -top bin/authserver testoutput/loadtest-$mode.pprof)"
  fi
done
echo
echo "loadtest: load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
exit "$status"
