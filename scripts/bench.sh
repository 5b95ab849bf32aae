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
bash scripts/build.sh .run/bench/build-screening.log -c release --product lifeline-department-screening
bash scripts/build.sh .run/bench/build-insurance.log -c release --product lifeline-insurance
bash scripts/build.sh .run/bench/build-token.log -c release --product lifeline-token
bash scripts/build.sh .run/bench/build-notification.log -c release --product lifeline-notification
bin="$(swift build -c release --show-bin-path)"
command="make bench (BENCH_RUNS=${BENCH_RUNS:-5}, BENCH_LATENCY_RUNS=${BENCH_LATENCY_RUNS:-${BENCH_RUNS:-5}})"
# BENCH_ONLY=intake (or screening, hotline, insurance, notification) measures that service's figures again and keeps the
# others of the previous run.
if [ "${BENCH_ONLY:-all}" = intake ] || [ "${BENCH_ONLY:-all}" = screening ] || [ "${BENCH_ONLY:-all}" = hotline ] \
  || [ "${BENCH_ONLY:-all}" = insurance ] || [ "${BENCH_ONLY:-all}" = notification ]; then
  only="${BENCH_ONLY}"
  intake_output="$(bash "scripts/bench/$only.sh" "$bin")"
  echo "$intake_output"
  python3 - "$root/docs/performance.md" "$intake_output" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$only" <<'PY'
import sys, re
doc_path, output, when = sys.argv[1], sys.argv[2], sys.argv[3]
doc = open(doc_path).read()
only = sys.argv[4]
block = f"<!-- measured-{only} -->\n{only} figures measured again {when} with `BENCH_ONLY={only} make bench`:\n" + output + f"\n<!-- /measured-{only} -->"
if f"<!-- measured-{only} -->" in doc:
    doc = re.sub(rf"<!-- measured-{only} -->.*?<!-- /measured-{only} -->", lambda _: block, doc, flags=re.S)
else:
    doc = doc.replace("```\n<!-- /measured -->", block + "\n```\n<!-- /measured -->")
open(doc_path, "w").write(doc)
PY
  echo "bench: $only results written to docs/performance.md"
  exit 0
fi
output="$(bash scripts/bench/eventbus.sh "$bin")"
output="$output
$(bash scripts/bench/scaleout.sh "$bin")"
output="$output
<!-- measured-intake -->
$(bash scripts/bench/intake.sh "$bin")
<!-- /measured-intake -->
<!-- measured-screening -->
$(bash scripts/bench/screening.sh "$bin")
<!-- /measured-screening -->
<!-- measured-hotline -->
$(bash scripts/bench/hotline.sh "$bin")
<!-- /measured-hotline -->
<!-- measured-insurance -->
$(bash scripts/bench/insurance.sh "$bin")
<!-- /measured-insurance -->
<!-- measured-notification -->
$(bash scripts/bench/notification.sh "$bin")
<!-- /measured-notification -->"
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
