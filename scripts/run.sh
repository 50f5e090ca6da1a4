#!/usr/bin/env bash
# Starts the three actors from bin/ (built by `make run`) on the defaults of
# the project's contract, waits until each answers /healthz, prints where they
# are, and stops them all on Ctrl-C. Each actor keeps its SQLite file under
# data/ (its default); `make clean` removes them.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p data

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping..."
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
  wait 2>/dev/null
  echo "Stopped."
}
trap stop INT TERM EXIT

start() { # name url
  local name=$1 url=$2
  "bin/$name" 2>&1 | sed -u "s/^/[$name] /" &
  pids+=("$(jobs -p | tail -n 1)")
  for _ in $(seq 1 150); do
    if curl -fsS -o /dev/null "$url/healthz" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "$name did not answer $url/healthz within 30s; see its output above." >&2
  exit 1
}

# Kill the whole pipeline (binary and sed) on stop, not just sed.
set -m
start authserver  http://localhost:9000
start resourceapi http://localhost:9090
start client      http://localhost:8080

cat <<'MSG'

  All three actors are up:
    demo client (start here)   http://localhost:8080
    authorization server       http://localhost:9000   (your connected apps: /account)
    resource API               http://localhost:9090

  Demo logins: alice / wonderland   and   bob / builder
  Press Ctrl-C to stop them all.

MSG
wait
