#!/usr/bin/env bash
# Department screening's part of make bench (called by scripts/bench.sh with the bench profile's
# environment), each figure the median of BENCH_RUNS (5) runs with its ceiling beside it in the same run:
# a monthly file of BENCH_SCREENING_RECORDS records (default 100,000, to keep make bench short; the target size is
# 1,000,000) against a registry of BENCH_SCREENING_HOUSEHOLDS households (default 200,000, 600,000
# people), from file to committed warnings and feedback (`lifeline-department-screening
# import-records`), beside psql's \copy of the same file into a table of text columns and, in the same
# run, the floor under any design (scripts/bench/screening-floor.sh: the records written set-based by
# SQL with nothing decided). Then one run
# with a file 5× larger, for the peak memory. Then the topic path: BENCH_SCREENING_PUSHED records
# (default 20,000) of the same file published to department-screening.inbound by the Python client, to
# every record's row (and its feedback, same transaction) committed by the running service, beside the
# Python client reading the same records back.
set -euo pipefail
bin="$1"
state=".run/bench"
runs="${BENCH_RUNS:-5}"
records="${BENCH_SCREENING_RECORDS:-100000}"
households="${BENCH_SCREENING_HOUSEHOLDS:-200000}"
export PGPASSWORD=lifeline
psql_s() { psql -h 127.0.0.1 -p "$DATABASE_PORT" -U svc_department_screening -d lifeline -qAt -c "$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f–%.0f", lo, hi }'; }
now() { date +%s.%N; }
empty() {
  psql_s "TRUNCATE department_screening.department_records, department_screening.warnings, department_screening.warned_facts,
    department_screening.outbox, department_screening.record_import_problems, department_screening.record_imports"
}

# Schema (an empty import migrates it), then the registry copy loaded directly: its replication from
# intake.households is not what this measures.
mkdir -p "$state/screening"
python3 scripts/bench/screening-data.py "$households" "$records" "$state/screening"
printf '部门,记录编号,数据月份,公民身份号码,姓名,事实类型,发生日期,金额（分）,详情\r\n' > "$state/screening/empty.csv"
LOG_LEVEL=warning "$bin/lifeline-department-screening" import-records "$state/screening/empty.csv" >/dev/null
psql_s "TRUNCATE department_screening.registry_members, department_screening.registry_households CASCADE"
psql_s "\\copy department_screening.registry_households (household_id, village_code, provisional, updated_at, formerly_poor, household_group, superseded_by) FROM '$state/screening/registry_households.csv' WITH (FORMAT csv, NULL '')"
psql_s "\\copy department_screening.registry_members (id_number, household_id, name, relation) FROM '$state/screening/registry_members.csv' WITH (FORMAT csv)"
psql_s "ANALYZE department_screening.registry_members; ANALYZE department_screening.registry_households"
psql_s "DROP TABLE IF EXISTS department_screening.bench_copy_ceiling"
psql_s "CREATE TABLE department_screening.bench_copy_ceiling (c1 text, c2 text, c3 text, c4 text, c5 text, c6 text, c7 text, c8 text, c9 text)"
: > "$state/screening.runs"
for run in $(seq 1 "$runs"); do
  empty
  /usr/bin/time -f "%e %M" -o "$state/screening.time" "$bin/lifeline-department-screening" import-records "$state/screening/records.csv" > "$state/screening.out"
  read -r seconds rss_kb < "$state/screening.time"
  psql_s "TRUNCATE department_screening.bench_copy_ceiling"
  started=$(now)
  psql_s "\\copy department_screening.bench_copy_ceiling FROM '$state/screening/records.csv' WITH (FORMAT csv, HEADER true)"
  copy_seconds=$(awk -v a="$started" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
  read -r staged_seconds key_seconds store_seconds < <(bash scripts/bench/screening-floor.sh "$state/screening/records.csv")
  awk -v r="$records" -v s="$seconds" -v c="$copy_seconds" -v m="$rss_kb" -v st="$staged_seconds" -v k="$key_seconds" -v w="$store_seconds" \
    'BEGIN { printf "%.0f %.0f %.0f %.0f %.0f\n", r / s, r / c, m / 1024, r / (st + k), r / (st + w) }' >> "$state/screening.runs"
done
rate=$(cut -d' ' -f1 "$state/screening.runs" | median)
copy_rate=$(cut -d' ' -f2 "$state/screening.runs" | median)
echo "department screening: $records records ($(du -m "$state/screening/records.csv" | cut -f1) MB CSV) against $households households, $runs runs:"
echo "  file to committed warnings and feedback: $rate ($(cut -d' ' -f1 "$state/screening.runs" | range)) records/s | \\copy of the same file $copy_rate ($(cut -d' ' -f2 "$state/screening.runs" | range)) rows/s | ratio $(awk -v a="$rate" -v b="$copy_rate" 'BEGIN { printf "%.1f%%", 100 * a / b }') (target ≥ 33%, at 1,000,000 records)"
key_rate=$(cut -d' ' -f4 "$state/screening.runs" | median)
store_rate=$(cut -d' ' -f5 "$state/screening.runs" | median)
echo "  floor, set-based SQL deciding nothing (scripts/bench/screening-floor.sh): each record stored once by its key and matched $key_rate ($(cut -d' ' -f4 "$state/screening.runs" | range)) records/s, $(awk -v a="$key_rate" -v b="$copy_rate" 'BEGIN { printf "%.1f%%", 100 * a / b }') of \\copy | with department_records' indexes and one feedback event each $store_rate ($(cut -d' ' -f5 "$state/screening.runs" | range)) records/s, $(awk -v a="$store_rate" -v b="$copy_rate" 'BEGIN { printf "%.1f%%", 100 * a / b }') of \\copy"
echo "  outcome of the last run: $(tail -n 1 "$state/screening.out")"
echo "  peak memory $(cut -d' ' -f3 "$state/screening.runs" | median) MB (median)"
# The same file five times over (record ids made unique), once, for memory.
python3 - "$state/screening/records.csv" "$state/screening/records5.csv" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\r\n")
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write(lines[0] + "\r\n")
    for copy in range(5):
        for line in lines[1:]:
            if line:
                fields = line.split(",")
                fields[1] = f"{fields[1]}-{copy}"
                out.write(",".join(fields) + "\r\n")
PY
empty
/usr/bin/time -f "%e %M" -o "$state/screening5.time" "$bin/lifeline-department-screening" import-records "$state/screening/records5.csv" > /dev/null
read -r seconds5 rss5 < "$state/screening5.time"
echo "  5× the file ($((records * 5)) records, once): $(awk -v r="$((records * 5))" -v s="$seconds5" 'BEGIN { printf "%.0f", r / s }') records/s, peak memory $((rss5 / 1024)) MB"
psql_s "DROP TABLE department_screening.bench_copy_ceiling"

# The topic path, through the running service.
pushed="${BENCH_SCREENING_PUSHED:-20000}"
empty
HTTP_PORT=58091 LOG_LEVEL=warning "$bin/lifeline-department-screening" > "$state/screening-service.log" 2>&1 &
service_pid=$!
trap 'kill $service_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -fs http://127.0.0.1:58091/health/ready >/dev/null 2>&1 && break; sleep 0.5; done
: > "$state/screening-topic.runs"
for run in $(seq 1 "$runs"); do
  tag="P$(date +%s%N | tail -c 9)-"
  started=$(now)
  .venv/bin/python scripts/bench/screening-push.py "$KAFKA_BOOTSTRAP_SERVERS" department-screening.inbound "$state/screening/records.csv" "$pushed" "$tag"
  for _ in $(seq 1 3000); do
    [ "$(psql_s "SELECT count(*) FROM department_screening.department_records WHERE record_id LIKE '$tag%' AND source = 'push'")" -ge "$pushed" ] && break
    sleep 0.2
  done
  seconds=$(awk -v a="$started" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
  read -r ceiling_seconds ceiling_count < <(.venv/bin/python scripts/bench/screening-push.py "$KAFKA_BOOTSTRAP_SERVERS" department-screening.inbound \
    "$state/screening/records.csv" "$pushed" "$tag" --consume)
  done_count=$(psql_s "SELECT count(*) FROM department_screening.department_records WHERE record_id LIKE '$tag%'")
  awk -v r="$pushed" -v s="$seconds" -v c="$ceiling_seconds" -v d="$done_count" 'BEGIN { printf "%.0f %.0f %d\n", r / s, r / c, d }' >> "$state/screening-topic.runs"
done
kill "$service_pid"; wait "$service_pid" 2>/dev/null || true
echo "  through the topic ($pushed records published by the Python client, to committed feedback; $runs runs): $(cut -d' ' -f1 "$state/screening-topic.runs" | median) ($(cut -d' ' -f1 "$state/screening-topic.runs" | range)) records/s | the Python client reading them back $(cut -d' ' -f2 "$state/screening-topic.runs" | median) records/s | records committed per run: $(cut -d' ' -f3 "$state/screening-topic.runs" | tr '\n' ' ')"
