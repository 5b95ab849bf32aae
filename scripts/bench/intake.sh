#!/usr/bin/env bash
# Intake's part of make bench (called by scripts/bench.sh with the bench profile's environment), each
# figure the median of BENCH_RUNS (5) runs with its ceiling measured beside it in the same run:
#  1. household import: the demo generator writes a file of about 540,000 members; each run empties the
#     registry, `lifeline-intake import` loads the file (every row checked, written with its registry
#     events), then psql's `\copy` loads the same file into a plain table of text columns (the
#     ceiling), then the floor under any design (scripts/bench/intake-floor.sh: the same rows written
#     set-based by SQL with nothing checked). The first run also times "all events on Kafka": intake's relay sending the outbox the
#     import filled. Then the same file again (nothing changes), and once a file BENCH_IMPORT_SCALE (5)
#     times larger for its peak memory.
#  2. self-applications at the HTTP edge: wrk posts new applications (each a real, durable commit with
#     its outbox event) for 10 s, then asks the trivial /health/live of the same server for 10 s; closed
#     loop: the capacity.
#  3. self-application latency, open loop: `lifeline-bench http-latency` sends new applications at
#     BENCH_APPLY_RATES (250 and 1000) per second for 5 s of warm-up and 15 s measured, over 64
#     keep-alive connections, latency counted from each request's due time (wrk2's method; wrk2 itself
#     is not installed here); then /health/live at the same rate with the same generator. Each run
#     starts once intake's outbox is empty.
#  BENCH_INTAKE_PARTS="apply" (or "import") measures one part only; both by default.
set -euo pipefail
bin="$1"
parts=" ${BENCH_INTAKE_PARTS:-import apply} "
case "$parts" in
  *" import "* | *" apply "*) ;;
  *) echo "BENCH_INTAKE_PARTS must name import, apply or both (space-separated), not '${BENCH_INTAKE_PARTS}'" >&2; exit 2 ;;
esac
state=".run/bench"
runs="${BENCH_RUNS:-5}"
members_households="${BENCH_IMPORT_HOUSEHOLDS:-172000}"
export PGPASSWORD=lifeline
psql_intake() { psql -h 127.0.0.1 -p "$DATABASE_PORT" -U svc_intake -d lifeline -qAt -c "$1"; }
empty_registry() {
  psql_intake "TRUNCATE intake.grid_visits, intake.meeting_decisions, intake.village_meetings, intake.application_timeline,
    intake.applications, intake.household_members, intake.households, intake.outbox, intake.import_errors, intake.import_jobs"
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f–%.0f", lo, hi }'; }
now() { date +%s.%N; }

load_before="$(cut -d' ' -f1 /proc/loadavg)"
echo "intake: $(nproc) cores; load average $load_before before"
# The grid (and schema) first, then an empty registry so that each import creates every household.
LOG_LEVEL=warning "$bin/lifeline-intake" seed-demo --households 0 >/dev/null
if [[ "$parts" == *" import "* ]]; then
"$bin/lifeline-intake" write-demo-csv --households "$members_households" --out "$state/members.csv" >/dev/null
rows=$(($(wc -l < "$state/members.csv") - 1))
psql_intake "DROP TABLE IF EXISTS intake.bench_copy_ceiling"
psql_intake "CREATE TABLE intake.bench_copy_ceiling ($(head -n 1 "$state/members.csv" | tr ',' '\n' | awk '{ printf "%sc%d text", (NR > 1 ? ", " : ""), NR }'))"
: > "$state/import.runs"
: > "$state/import.phases"
for run in $(seq 1 "$runs"); do
  empty_registry
  LOG_LEVEL=info /usr/bin/time -f "%e %M" -o "$state/import.time" "$bin/lifeline-intake" import "$state/members.csv" > "$state/import.out" 2> "$state/import.err"
  read -r seconds rss_kb < "$state/import.time"
  # The importer logs how long each of its phases took (reading and staging, the household rules, writing).
  for phase in stage check write; do
    sed -n "s/.*phase=$phase seconds=\([0-9.]*\).*/\1/p" "$state/import.err"
  done | paste -sd' ' >> "$state/import.phases"
  if [ "$run" = 1 ]; then
    # All events on Kafka: the service's relay sends what the import left in the outbox.
    started=$(now)
    HTTP_PORT=58081 LOG_LEVEL=warning "$bin/lifeline-intake" > "$state/intake-relay.log" 2>&1 &
    relay_pid=$!
    while [ "$(psql_intake "SELECT count(*) FROM intake.outbox WHERE sent_at IS NULL")" != 0 ]; do sleep 0.2; done
    events_seconds=$(awk -v a="$started" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
    events=$(psql_intake "SELECT count(*) FROM intake.outbox")
    kill "$relay_pid"; wait "$relay_pid" 2>/dev/null || true
  fi
  psql_intake "TRUNCATE intake.bench_copy_ceiling"
  copy_started=$(now)
  psql -h 127.0.0.1 -p "$DATABASE_PORT" -U svc_intake -d lifeline -qAt \
    -c "\\copy intake.bench_copy_ceiling FROM '$state/members.csv' WITH (FORMAT csv, HEADER true)"
  copy_seconds=$(awk -v a="$copy_started" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
  read -r staged_seconds write_seconds < <(bash scripts/bench/intake-floor.sh "$state/members.csv")
  awk -v r="$rows" -v s="$seconds" -v c="$copy_seconds" -v m="$rss_kb" -v st="$staged_seconds" -v w="$write_seconds" \
    'BEGIN { printf "%.0f %.0f %.0f %.3f %.0f\n", r / s, r / c, m / 1024, s, r / (st + w) }' >> "$state/import.runs"
done
psql_intake "DROP TABLE intake.bench_copy_ceiling"
import_rate=$(cut -d' ' -f1 "$state/import.runs" | median)
copy_rate=$(cut -d' ' -f2 "$state/import.runs" | median)
echo "household import: $rows member rows ($members_households households, $(du -m "$state/members.csv" | cut -f1) MB CSV), $runs runs:"
echo "  file read (import done): $(printf "%.0f" "$import_rate") ($(cut -d' ' -f1 "$state/import.runs" | range)) rows/s | \\copy of the same file $(printf "%.0f" "$copy_rate") ($(cut -d' ' -f2 "$state/import.runs" | range)) rows/s | ratio $(awk -v a="$import_rate" -v b="$copy_rate" 'BEGIN { printf "%.1f%%", 100 * a / b }') (target ≥ 33%)"
floor_rate=$(cut -d' ' -f5 "$state/import.runs" | median)
echo "  floor, set-based SQL checking nothing (scripts/bench/intake-floor.sh: households, members and one event each written from a staged \\copy): $floor_rate ($(cut -d' ' -f5 "$state/import.runs" | range)) rows/s, $(awk -v a="$floor_rate" -v b="$copy_rate" 'BEGIN { printf "%.1f%%", 100 * a / b }') of \\copy"
echo "  peak memory $(cut -d' ' -f3 "$state/import.runs" | median) MB (median)"
echo "  phases (medians): reading and staging $(cut -d' ' -f1 "$state/import.phases" | median) s, household rules $(cut -d' ' -f2 "$state/import.phases" | median) s, writing $(cut -d' ' -f3 "$state/import.phases" | median) s"
echo "  all $events events on Kafka (run 1): the relay needed $events_seconds s after the import"
echo "  re-import of the same file:"
/usr/bin/time -f "%e" -o "$state/reimport.time" "$bin/lifeline-intake" import "$state/members.csv" > "$state/reimport.out" 2>&1
awk -v r="$rows" -v s="$(cat "$state/reimport.time")" 'BEGIN { printf "  %.1f s, %.0f rows/s (nothing changes, nothing published)\n", s, r / s }'
# Flat memory: one import of a file BENCH_IMPORT_SCALE (5) times larger, on an empty registry.
scale="${BENCH_IMPORT_SCALE:-5}"
if [ "$scale" -gt 1 ]; then
  "$bin/lifeline-intake" write-demo-csv --households "$((members_households * scale))" --out "$state/members-large.csv" >/dev/null
  large_rows=$(($(wc -l < "$state/members-large.csv") - 1))
  empty_registry
  /usr/bin/time -f "%e %M" -o "$state/import-large.time" "$bin/lifeline-intake" import "$state/members-large.csv" > "$state/import-large.out" 2>&1
  read -r large_seconds large_rss_kb < "$state/import-large.time"
  awk -v r="$large_rows" -v s="$large_seconds" -v m="$large_rss_kb" -v x="$scale" -v mb="$(du -m "$state/members-large.csv" | cut -f1)" \
    'BEGIN { printf "  %d× file (%d rows, %d MB): %.0f rows/s, peak memory %.0f MB\n", x, r, mb, r / s, m / 1024 }'
  rm -f "$state/members-large.csv"
fi
fi
[[ "$parts" == *" apply "* ]] || exit 0
# Alone, on an empty registry: earlier runs' applicants would otherwise be found in it.
[[ "$parts" == *" import "* ]] || empty_registry

# A broker with nothing in it (Tansu keeps its log in memory and slows down as it fills: the import's
# 172,000 events would weigh on these runs), then the service, with the public limits lifted for the
# load generator; the outbox empty before it starts.
# The consumers' fetch wait as deployed (compose/compose.yaml: 500 ms). The local default of 5 ms exists
# because Tansu holds an empty fetch for the whole wait even when a record arrives; it makes intake's
# idle consumers ask Tansu 200 times a second, about a tenth of a core that no production broker spends.
# Self-applications do not wait for any consumer, so only that CPU changes (KAFKA_FETCH_WAIT_MAX_MS=5
# to measure with the local default).
bash scripts/infra.sh broker-restart bench >/dev/null
KAFKA_FETCH_WAIT_MAX_MS="${KAFKA_FETCH_WAIT_MAX_MS:-500}" \
HTTP_PORT=58081 INTAKE_SUBMISSIONS_PER_10_MINUTES=1000000 INTAKE_PAGES_PER_MINUTE=1000000 LOG_LEVEL=warning \
  "$bin/lifeline-intake" > "$state/intake.log" 2>&1 &
intake_pid=$!
trap 'kill $intake_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -fs http://127.0.0.1:58081/health/ready >/dev/null 2>&1 && break; sleep 0.5; done
while [ "$(psql_intake "SELECT count(*) FROM intake.outbox WHERE sent_at IS NULL")" != 0 ]; do sleep 0.2; done
# Warm-up, then fresh planner statistics. Right after the registry was emptied PostgreSQL knows the
# tables only as empty, and each connection plans its prepared statements for that: look-ups by ID
# number then scan the growing tables (2.5 ms each instead of 0.04) until autovacuum analyses them,
# which it does after 50 rows and up to a minute. A service in use runs with its tables analysed.
wrk -t2 -c16 -d8s -s scripts/bench/apply.lua http://127.0.0.1:58081 -- 0 >/dev/null
while [ "$(psql_intake "SELECT count(*) FROM intake.outbox WHERE sent_at IS NULL")" != 0 ]; do sleep 0.2; done
for table in applications application_timeline households household_members outbox rate_limit_buckets; do psql_intake "ANALYZE intake.$table"; done
warm_up="$(psql_intake "SELECT count(*) FROM intake.applications WHERE applicant_name = '压测'")"
wrk_run() {
  # Latencies in ms whatever unit wrk chose (us, ms, s).
  wrk -t2 -c16 -d10s --latency "$@" | awk '
       function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
       /Requests\/sec/ { rps = $2 } /^ +99%/ { p99 = ms($2) } /^ +50%/ { p50 = ms($2) } /Non-2xx/ { bad = $NF }
       / requests in / { total = $1 }
       END { printf "%.0f %.2f %.2f %d %d\n", rps, p50, p99, bad, total }'
}
: > "$state/apply.runs"; : > "$state/live.runs"
for run in $(seq 1 "$runs"); do
  wrk_run -s scripts/bench/apply.lua http://127.0.0.1:58081 -- "$run" >> "$state/apply.runs"
  wrk_run http://127.0.0.1:58081/health/live >> "$state/live.runs"
done
describe() {
  printf "%s requests/s (%s), p50 %s ms, p99 %s ms (medians)%s" "$(cut -d' ' -f1 "$1" | median)" "$(cut -d' ' -f1 "$1" | range)" \
    "$(cut -d' ' -f2 "$1" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")" "$(cut -d' ' -f3 "$1" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")" \
    "$(awk '{ s += $4 } END { if (s) printf ", non-2xx %d", s }' "$1")"
}
echo "self-applications at the HTTP edge (wrk closed loop, 2 threads, 16 connections, $runs × 10 s, on the same 2 cores; consumers' fetch wait ${KAFKA_FETCH_WAIT_MAX_MS:-500} ms; target ≥ 2,000/s):"
echo "  $(describe "$state/apply.runs")"
echo "  requests answered: $(awk '{ s += $5 } END { print s }' "$state/apply.runs"); new applications stored: $(($(psql_intake "SELECT count(*) FROM intake.applications WHERE applicant_name = '压测'") - warm_up)) (more than answered: requests in flight when wrk stopped, up to 16 a run; fewer: repeats answered 200), outbox events: $(($(psql_intake "SELECT count(*) FROM intake.outbox WHERE topic = 'intake.applications'") - warm_up)) (after $warm_up in the warm-up)"
echo "trivial endpoint of the same server (GET /health/live), alternating with it:"
echo "  $(describe "$state/live.runs")"
# Open loop: latency at a fixed offered rate, from each request's due time.
latency_run() {
  # requests answered ok other failed achieved p50 p90 p99 p99.9 max, the p99 of each 10 s window, missing
  "$bin/lifeline-bench" http-latency "$@" | tr ' ' '\n' | awk -F= '
    { v[$1] = $2 }
    END { printf "%s %s %s %s %s %s %s %s %s %s %s %s %s\n", v["requests"], v["answered"], v["ok"], v["other"], v["failed"], v["achieved"],
          v["latency_p50"], v["latency_p90"], v["latency_p99"], v["latency_p999"], v["latency_max"], v["latency_p99by10s"], v["missing"] }'
}
outbox_drained() { while [ "$(psql_intake "SELECT count(*) FROM intake.outbox WHERE sent_at IS NULL")" != 0 ]; do sleep 0.2; done; }
column_median() { cut -d' ' -f"$2" "$1" | median; }
rate_number=0
for rate in ${BENCH_APPLY_RATES:-250 1000}; do
  : > "$state/apply-open-$rate.runs"; : > "$state/live-open-$rate.runs"
  for run in $(seq 1 "$runs"); do
    outbox_drained
    latency_run "$rate" 15 5 http://127.0.0.1:58081 apply "$((rate_number * runs + run))" >> "$state/apply-open-$rate.runs"
    outbox_drained
    latency_run "$rate" 15 5 http://127.0.0.1:58081/health/live >> "$state/live-open-$rate.runs"
  done
  rate_number=$((rate_number + 1))
  echo "self-applications open loop at $rate/s (15 s after 5 s warm-up, 64 connections, latency from the due time; target p99 < 25 ms at 1,000/s):"
  for kind in apply live; do
    file="$state/$kind-open-$rate.runs"
    [ "$kind" = apply ] && label="  applications:" || label="  /health/live, alternating:"
    echo "$label answered within the schedule $(column_median "$file" 6)/s of $rate/s, p50 $(column_median "$file" 7) ms, p90 $(column_median "$file" 8) ms," \
      "p99 $(column_median "$file" 9) ms (range $(cut -d' ' -f9 "$file" | range)), p99.9 $(column_median "$file" 10) ms, max $(column_median "$file" 11) ms (medians);" \
      "non-2xx $(awk '{ s += $4 } END { print s + 0 }' "$file"), failed $(awk '{ s += $5 } END { print s + 0 }' "$file"), never sent $(awk '{ s += $13 } END { print s + 0 }' "$file");" \
      "p99 per 10 s window: $(cut -d' ' -f12 "$file" | paste -sd' ')"
  done
done
echo "load average $(cut -d' ' -f1 /proc/loadavg) after"
