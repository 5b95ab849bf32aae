#!/usr/bin/env bash
# Intake's part of make bench (called by scripts/bench.sh with the bench profile's environment):
#  1. household import: the demo generator writes a file of about 500,000 members, `lifeline-intake
#     import` loads it (every row checked, written in batches with its registry events);
#  2. self-applications at the HTTP edge: wrk posts new applications (each a real commit and outbox
#     event) for 20 s, then asks the trivial /health/live of the same server for 20 s.
set -euo pipefail
bin="$1"
state=".run/bench"
members_households="${BENCH_IMPORT_HOUSEHOLDS:-172000}"
export PGPASSWORD=lifeline
psql_intake() { psql -h 127.0.0.1 -p "$DATABASE_PORT" -U svc_intake -d lifeline -qAt -c "$1"; }
# Start from an empty registry so that the import creates every household.
"$bin/lifeline-intake" seed-demo --households 0 >/dev/null
psql_intake "TRUNCATE intake.grid_visits, intake.meeting_decisions, intake.village_meetings, intake.application_timeline,
  intake.applications, intake.household_members, intake.households, intake.outbox, intake.import_errors, intake.import_jobs"

"$bin/lifeline-intake" write-demo-csv --households "$members_households" --out "$state/members.csv" >/dev/null
rows=$(($(wc -l < "$state/members.csv") - 1))
/usr/bin/time -f "%e %M" -o "$state/import.time" "$bin/lifeline-intake" import "$state/members.csv" > "$state/import.out"
read -r seconds rss_kb < "$state/import.time"
echo "household import: $rows member rows ($members_households households, $(du -m "$state/members.csv" | cut -f1) MB CSV)"
awk -v r="$rows" -v s="$seconds" -v m="$rss_kb" 'BEGIN { printf "  %.1f s, %.0f rows/s, peak memory %.0f MB\n", s, r / s, m / 1024 }'
echo "  re-import of the same file:"
/usr/bin/time -f "%e" -o "$state/reimport.time" "$bin/lifeline-intake" import "$state/members.csv" > "$state/reimport.out"
awk -v r="$rows" -v s="$(cat "$state/reimport.time")" 'BEGIN { printf "  %.1f s, %.0f rows/s (nothing changes, nothing published)\n", s, r / s }'

# The service, with the public limits lifted for the load generator.
HTTP_PORT=58081 INTAKE_SUBMISSIONS_PER_10_MINUTES=1000000 INTAKE_PAGES_PER_MINUTE=1000000 LOG_LEVEL=warning \
  "$bin/lifeline-intake" > "$state/intake.log" 2>&1 &
intake_pid=$!
trap 'kill $intake_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -fs http://127.0.0.1:58081/health/ready >/dev/null 2>&1 && break; sleep 0.5; done
report() {
  awk '/Requests\/sec/ { rps = $2 } /^ +99%/ { p99 = $2 } /^ +50%/ { p50 = $2 } /Non-2xx/ { bad = $NF }
       END { printf "  %s requests/s, p50 %s, p99 %s%s\n", rps, p50, p99, (bad ? ", non-2xx " bad : "") }'
}
echo "self-applications at the HTTP edge (wrk, 2 threads, 16 connections, 20 s, on the same 2 cores):"
wrk -t2 -c16 -d20s --latency -s scripts/bench/apply.lua http://127.0.0.1:58081 | report
echo "  applications stored: $(psql_intake "SELECT count(*) FROM intake.applications"), outbox events: $(psql_intake "SELECT count(*) FROM intake.outbox WHERE topic = 'intake.applications'")"
echo "trivial endpoint of the same server (GET /health/live):"
wrk -t2 -c16 -d20s --latency http://127.0.0.1:58081/health/live | report
