#!/usr/bin/env bash
# Installs what the tests need beyond Go and a C compiler: Debian's chromium
# for the end-to-end browser test, Debian's postgresql for the store tests
# that run on PostgreSQL as well as SQLite, Debian's nginx, the load
# balancer of `make run-cluster`, and Debian's wrk, the load generator of
# `make loadtest-wrk` and of its test (e2e/wrk_test.go). Then, when run as
# root, it starts the PostgreSQL cluster and creates the role the tests use
# (oauthlab / oauthlab, allowed to create databases; see shared/pgtest).
#
# Safe to run again: it installs only what is missing, starts the cluster
# only when it is down, and creates the role only when it does not exist.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v pg_lsclusters >/dev/null 2>&1 || need+=(postgresql)
# nginx is the load balancer of `make run-cluster`.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
# wrk drives the token endpoint in `make loadtest-wrk` (e2e/wrk/tokens.lua).
command -v wrk >/dev/null 2>&1 || need+=(wrk)

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

if [ ${#need[@]} -eq 0 ]; then
  echo "install-deps: nothing to install"
elif ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: this script knows Debian and Ubuntu (apt-get) only." >&2
  echo "install-deps: install ${need[*]} with your package manager, then run make test." >&2
  exit 1
else
  echo "install-deps: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# PostgreSQL: start Debian's cluster (a container has no init system, so
# pg_ctlcluster starts it directly) and create the test role.
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: not root, so PostgreSQL is left as it is; run this script as root to start it" >&2
  echo "install-deps: (or point OAUTHLAB_TEST_POSTGRES at a server of your own)." >&2
  exit 0
fi
# The newest cluster named main: the first column of pg_lsclusters is the
# version (15, 16, ...).
version=$(pg_lsclusters --no-header | awk '$2 == "main" { print $1 }' | sort -n | tail -n 1)
if [ -z "$version" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  echo "install-deps: creating PostgreSQL cluster $version/main"
  pg_createcluster "$version" main
fi
if pg_lsclusters --no-header | awk -v v="$version" '$1 == v && $2 == "main" { print $4 }' | grep -q online; then
  echo "install-deps: PostgreSQL $version/main is already running"
else
  echo "install-deps: starting PostgreSQL $version/main"
  pg_ctlcluster "$version" main start
fi
# The role's name and password are the test default of shared/pgtest; the
# server listens on 127.0.0.1 only (Debian's default).
su postgres -c "psql -q -v ON_ERROR_STOP=1" <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'oauthlab') THEN
    CREATE ROLE oauthlab LOGIN CREATEDB PASSWORD 'oauthlab';
  END IF;
END
$$;
SQL
echo "install-deps: PostgreSQL role oauthlab is ready (postgres://oauthlab:oauthlab@127.0.0.1:5432/postgres)"
