#!/usr/bin/env bash
# Hotline's part of make bench (called by scripts/bench.sh with the bench profile's environment), each
# figure the median of BENCH_RUNS (5) runs with its ceiling beside it in the same run, against a copy of
# the registry at BENCH_HOTLINE_HOUSEHOLDS households (default 200,000, 600,000 people, 800 villages)
# loaded directly into hotline's tables (its replication from intake is not what this measures):
#  1. BENCH_HOTLINE_ORDERS work orders (default 20,000, texts from the labelled set, callers from the
#     registry) published at once by the Python client, until every order is recorded (read, its
#     household found, repeats merged) and every event it caused is published; beside the Python
#     client reading the same orders back;
#  2. publish → lead on hotline.leads, open loop at BENCH_HOTLINE_RATE (200) risk orders/s for 60 s
#     after 10 s of warm-up, latency from the scheduled send; beside the broker's own produce → consume
#     latency at the same rate with the same clients, alternately (BENCH_LATENCY_RUNS runs), each run on
#     a freshly started broker and service.
set -euo pipefail
bin="$1"
state=".run/bench/hotline"
runs="${BENCH_RUNS:-5}"
latency_runs="${BENCH_LATENCY_RUNS:-$runs}"
orders="${BENCH_HOTLINE_ORDERS:-20000}"
households="${BENCH_HOTLINE_HOUSEHOLDS:-200000}"
rate="${BENCH_HOTLINE_RATE:-200}"
seconds="${BENCH_HOTLINE_SECONDS:-60}"
warmup="${BENCH_HOTLINE_WARMUP:-10}"
port=58093
export PGPASSWORD=lifeline
psql_h() { psql -h 127.0.0.1 -p "$DATABASE_PORT" -U svc_hotline -d lifeline -qAt -c "$1"; }
now() { date +%s.%N; }
rm -rf "$state"
mkdir -p "$state"
load_before="$(cut -d' ' -f1 /proc/loadavg)"
python3 scripts/bench/hotline-data.py "$households" "$state"

service_pid=""
start_service() {
  HTTP_PORT=$port LOG_LEVEL=warning "$bin/lifeline-hotline" >> "$state/service.log" 2>&1 &
  service_pid=$!
  for _ in $(seq 1 240); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null
}
stop_service() { kill "$service_pid" 2>/dev/null || true; wait "$service_pid" 2>/dev/null || true; }
trap stop_service EXIT
start_service
psql_h "TRUNCATE hotline.registry_members, hotline.registry_households, hotline.grid_units"
psql_h "\\copy hotline.grid_units (code, level, name, parent_code, updated_at) FROM '$state/grid_units.csv' WITH (FORMAT csv, NULL '')"
psql_h "\\copy hotline.registry_households (household_id, village_code, superseded_by, updated_at) FROM '$state/registry_households.csv' WITH (FORMAT csv, NULL '')"
psql_h "\\copy hotline.registry_members (id_number, household_id, name, phone) FROM '$state/registry_members.csv' WITH (FORMAT csv, NULL '')"
psql_h "ANALYZE hotline.registry_members; ANALYZE hotline.registry_households; ANALYZE hotline.grid_units"

empty() { psql_h "TRUNCATE hotline.work_orders, hotline.work_order_follow_ups; DELETE FROM hotline.outbox"; }
settled() {  # waits until every order of run $1 is recorded and the outbox is empty; prints the seconds since $2
  local run="$1" start="$2" count="$3"
  for _ in $(seq 1 "${4:-12000}"); do
    if [ "$(psql_h "SELECT count(*) FROM hotline.work_orders WHERE order_number LIKE '$run-%'")" -ge "$count" ] \
      && [ "$(psql_h "SELECT count(*) FROM hotline.outbox WHERE sent_at IS NULL")" = 0 ]; then
      awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; return
    fi
    sleep 0.1
  done
  echo "timeout"; return 1
}
# Warm-up: the consumer group formed, the rules and statements warm.
warm_up() {
  empty
  local warm
  warm="W$(date +%s%N | tail -c 9)"  # order numbers and event ids new in every run: the inbox remembers earlier ones
  .venv/bin/python scripts/bench/hotline-push.py burst "$KAFKA_BOOTSTRAP_SERVERS" "$state" 500 "$warm"
  settled "$warm" "$(now)" 500 >/dev/null
}
warm_up

: > "$state/throughput.runs"
for run in $(seq 1 "$runs"); do
  empty
  tag="H$(date +%s%N | tail -c 9)"
  started=$(now)
  .venv/bin/python scripts/bench/hotline-push.py burst "$KAFKA_BOOTSTRAP_SERVERS" "$state" "$orders" "$tag"
  elapsed=$(settled "$tag" "$started" "$orders")
  read -r ceiling_seconds ceiling_count < <(.venv/bin/python scripts/bench/hotline-push.py readback "$KAFKA_BOOTSTRAP_SERVERS" "$orders" "$tag")
  psql_h "SELECT count(*), count(*) FILTER (WHERE category = 'risk'), count(DISTINCT lead_id),
      count(lead_id) - count(DISTINCT lead_id), count(*) FILTER (WHERE resolved_by = 'idNumber'), count(*) FILTER (WHERE resolved_by = 'phone'),
      count(*) FILTER (WHERE resolved_by = 'name'), count(*) FILTER (WHERE household_id IS NULL AND village_by = 'address'),
      count(*) FILTER (WHERE household_id IS NULL AND village_code IS NULL),
      (SELECT count(*) FROM hotline.outbox WHERE sent_at IS NOT NULL)
    FROM hotline.work_orders WHERE order_number LIKE '$tag-%'" | tr '|' ' ' > "$state/outcome"
  echo "$elapsed $ceiling_seconds $(cat "$state/outcome")" >> "$state/throughput.runs"
done

# Each latency run starts on a fresh broker and service: Tansu keeps its log in memory, and after the
# throughput runs' 100,000 orders and their events it slows down by itself (seen: floor p99 from 0.1 s
# to 70 s within two runs), which would measure the embedded broker's memory, not the hop.
sent=$(awk -v r="$rate" -v s="$seconds" -v w="$warmup" 'BEGIN { printf "%d", r * (s + w) }')
for run in $(seq 1 "$latency_runs"); do
  stop_service
  bash scripts/infra.sh broker-restart bench
  start_service
  warm_up
  tag="L$(date +%s%N | tail -c 9)"
  .venv/bin/python scripts/bench/hotline-push.py latency "$KAFKA_BOOTSTRAP_SERVERS" "$state" "$rate" "$seconds" "$warmup" "$tag" \
    $(( (run - 1) * 15000 )) "$state/latency-$run"
  # Every order of the run recorded before the next measurement starts (at most 5 minutes more).
  settled "$tag" "$(now)" "$sent" 3000 > "$state/drained-$run" || true
  psql_h "SELECT convert_from(payload, 'UTF8')::jsonb->>'orderNumber', extract(epoch FROM created_at), extract(epoch FROM sent_at)
    FROM hotline.outbox WHERE topic = 'hotline.leads' AND headers->>'ce_type' LIKE '%RiskLeadRaised%'" | tr '|' ' ' > "$state/stages-$run"
  psql_h "SELECT count(*) FILTER (WHERE category = 'risk'), count(*) FROM hotline.work_orders WHERE order_number LIKE '$tag-%'" | tr '|' ' ' > "$state/recorded-$run"
  .venv/bin/python scripts/bench/hotline-push.py floor "$KAFKA_BOOTSTRAP_SERVERS" "$rate" "$seconds" "$warmup" "bench.hotline-floor-$tag" "$state/floor-$run"
done
stop_service
load_after="$(cut -d' ' -f1 /proc/loadavg)"
python3 scripts/bench/hotline-summary.py "$state" "$runs" "$latency_runs" "$orders" "$households" "$rate" "$seconds" "$warmup" "$load_before" "$load_after"
