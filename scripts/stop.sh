#!/usr/bin/env bash
# make stop: stop the services that `make run` started (SIGTERM, graceful), then PostgreSQL and Tansu.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
profile="${1:-run}"
stop_pids() {
  local dir="$1"
  [ -d "$dir" ] || return 0
  for pidfile in "$dir"/*.pid; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    kill "$pid" 2>/dev/null || true
  done
  for pidfile in "$dir"/*.pid; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
}
stop_pids ".run/$profile/pids"
bash scripts/infra.sh down "$profile"
echo "stopped ($profile)"
