#!/usr/bin/env bash
# Starts the three actors from bin/ (built by `make run`) on the defaults of
# the project's contract, waits until each answers /healthz, prints where they
# are, and stops them all on Ctrl-C. Each actor keeps its SQLite file under
# data/ (its default path is relative to this folder); `make clean` removes them.
#
# Needs only bash: the health check speaks HTTP over bash's /dev/tcp, so the
# script works on a machine without curl or wget.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p data

# Each actor runs in a process group of its own (job control on), so the
# terminal's Ctrl-C reaches only this script, which then stops the actors
# one by one with SIGTERM: the signal docker sends too, and the one each
# actor answers with a graceful shutdown.
set -m

pids=()
names=()
stopping=0
stop() { # stop EXIT_STATUS
  local status=${1:-0}
  [ "$stopping" -eq 1 ] && return
  stopping=1
  trap - INT TERM EXIT
  echo
  echo "Stopping..."
  # Reverse order: the client first, the authorization server last.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[$i]}" 2>/dev/null
  done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  echo "Stopped."
  exit "$status"
}
trap 'stop 0' INT TERM
trap 'stop $?' EXIT

# shellcheck source=scripts/healthy.sh
source scripts/healthy.sh # the working folder is the repository root (cd above)

# start NAME PORT: runs bin/NAME with its output prefixed by [NAME], and
# waits until it is healthy, or gives up when it exits or after 30 seconds.
start() {
  local name=$1 port=$2 pid
  if healthy "$port"; then
    echo "Port $port is already serving something (an earlier \`make run\`?). Stop it first." >&2
    exit 1
  fi
  "bin/$name" > >(sed -u "s/^/[$name] /") 2>&1 &
  pid=$!
  pids+=("$pid")
  names+=("$name")
  for _ in $(seq 1 300); do
    if healthy "$port"; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name exited before it was healthy; its output is above." >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "$name did not answer http://localhost:$port/healthz within 30s; see its output above." >&2
  exit 1
}

# The authorization server first: the resource API fetches its keys and the
# client its metadata.
start authserver 9000
start resourceapi 9090
start podcastapi 9091
start client 8080

cat <<'MSG'

  All three actors are up:
    demo client (start here)   http://localhost:8080
    authorization server       http://localhost:9000   (your connected apps: /account)
    resource API               http://localhost:9090
    podcasts API (2nd API)     http://localhost:9091   (for RFC 8707 audiences)

  Demo logins: alice / wonderland   and   bob / builder
  Data: SQLite files under data/ (`make clean` removes them).
  Press Ctrl-C to stop them all.

MSG

# Wait until Ctrl-C, or until one actor stops on its own (then stop the rest).
wait -n "${pids[@]}"
echo "An actor stopped on its own; stopping the others." >&2
stop 1
