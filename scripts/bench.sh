#!/usr/bin/env bash
# make bench: start PostgreSQL and Tansu on the bench ports, build release, run lifeline-bench and write
# docs/performance.md's measured section. BENCH_RUNS (5) and BENCH_LATENCY_RUNS set the repetitions;
# BENCH_RAW_RECORDS and BENCH_HOP_EVENTS the sizes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
cleanup() { bash scripts/stop.sh bench >/dev/null 2>&1 || true; }
trap cleanup EXIT
bash scripts/infra.sh up bench
source .run/bench/env
bash scripts/build.sh .run/bench/build.log -c release --product lifeline-bench
bash scripts/build.sh .run/bench/build-intake.log -c release --product lifeline-intake
bash scripts/build.sh .run/bench/build-hotline.log -c release --product lifeline-hotline
bin="$(swift build -c release --show-bin-path)"
command="make bench (BENCH_RUNS=${BENCH_RUNS:-5}, BENCH_LATENCY_RUNS=${BENCH_LATENCY_RUNS:-${BENCH_RUNS:-5}})"
output="$(bash scripts/bench/eventbus.sh "$bin")"
output="$output
$(bash scripts/bench/scaleout.sh "$bin")"
output="$output
$(bash scripts/bench/intake.sh "$bin")"
echo "$output"
{
  echo "## Measured $(date -u +%Y-%m-%d) with \`make bench\` (\`$command\`)"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; Tansu $(grep -o 'tansu broker [0-9.]*' .run/bench/tansu.log | head -n 1 | cut -d' ' -f3), PostgreSQL 15 (fsync on), release build."
  echo
  echo '```'
  echo "$output"
  echo '```'
} > .run/bench/latest.md
python3 - "$root/docs/performance.md" "$root/.run/bench/latest.md" <<'PY'
import sys, re
doc_path, latest_path = sys.argv[1], sys.argv[2]
latest = open(latest_path).read()
try:
    doc = open(doc_path).read()
except FileNotFoundError:
    doc = "# Performance\n\n<!-- measured -->\n<!-- /measured -->\n"
doc = re.sub(r"<!-- measured -->.*<!-- /measured -->", "<!-- measured -->\n" + latest + "<!-- /measured -->", doc, flags=re.S)
open(doc_path, "w").write(doc)
PY
echo "bench: results written to docs/performance.md"
