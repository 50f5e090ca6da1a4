# Sourced by run.sh, run-cluster.sh and loadtest.sh.
#
# healthy PORT: true when GET /healthz on 127.0.0.1:PORT answers 200. Plain
# bash (/dev/tcp), so the scripts need no curl to wait for an actor.
healthy() {
  local port=$1
  (
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    printf 'GET /healthz HTTP/1.0\r\nHost: localhost:%s\r\nConnection: close\r\n\r\n' "$port" >&3
    IFS= read -r -t 2 status <&3 || exit 1
    while IFS= read -r -t 2 _ <&3; do :; done # the rest, until the server closes
    [[ $status == HTTP/1.?" 200"* ]]
  ) 2>/dev/null
}
