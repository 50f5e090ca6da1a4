#!/usr/bin/env bash
# Installs what the tests need beyond Go and a C compiler: Debian's chromium
# for the end-to-end browser test. Safe to run again: it installs only what
# is missing.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)

if [ ${#need[@]} -eq 0 ]; then
  echo "install-deps: nothing to install"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: this script knows Debian and Ubuntu (apt-get) only." >&2
  echo "install-deps: install ${need[*]} with your package manager, then run make test." >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
