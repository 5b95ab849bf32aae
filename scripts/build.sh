#!/usr/bin/env bash
# Builds once with the given `swift build` arguments; on failure prints the errors and exits non-zero.
# Usage: scripts/build.sh <log file> [swift build arguments…]
set -uo pipefail
log="$1"; shift
mkdir -p "$(dirname "$log")"
if ! swift build "$@" >"$log" 2>&1; then
  grep -E "error:" "$log" | sort -u >&2 || tail -n 40 "$log" >&2
  echo "build failed; full output in $log" >&2
  exit 1
fi
