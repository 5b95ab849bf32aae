#!/usr/bin/env bash
# make test: the same set-up as make run on ports of its own, then the whole suite (unit, integration and
# end-to-end, against the real PostgreSQL and broker), then stop everything, also when tests fail.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
cleanup() {
  bash scripts/stop.sh test >/dev/null 2>&1 || true
  bash scripts/stop.sh fault >/dev/null 2>&1 || true
}
trap cleanup EXIT
# Every run starts from an empty database and broker, as CI does (LIFELINE_TEST_KEEP_STATE=1 keeps them).
[ "${LIFELINE_TEST_KEEP_STATE:-0}" = 1 ] || bash scripts/infra.sh reset test
# The fault-tolerance suite stops and freezes a PostgreSQL and a Tansu of its own (profile `fault`).
bash scripts/infra.sh reset fault
bash scripts/infra.sh up test
source .run/test/env
export LIFELINE_TEST_STATE="$root/.run/test"
export LOG_LEVEL="${LOG_LEVEL:-warning}"
mkdir -p .run/test/pids
echo "test: building (debug)"
bash scripts/build.sh .run/test/build.log --build-tests
# A hang must fail the run, not hold CI until its own limit.
timeout --signal=KILL "${LIFELINE_TEST_TIMEOUT:-1800}" swift test --skip-build "$@"
