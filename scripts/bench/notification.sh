#!/usr/bin/env bash
# Notification's part of make bench (called by scripts/bench.sh with the bench profile's environment),
# each figure the median of BENCH_RUNS (5) runs with its ceiling beside it in the same run, against the
# stand-in gateway that infra.sh starts (scripts/standin/gateway.py) and a directory of
# BENCH_NOTIFICATION_HOUSEHOLDS (default 20,000) households in 60 villages, each with one grid member,
# loaded directly into notification's tables (its replication from intake is not what this measures).
# Quiet hours are off and the per-channel rates lifted (the production default of 50 SMS/s is an
# operator's limit, not the service's).
#  1. BENCH_NOTIFICATION_EVENTS CaseDecided events (default 5,000; four messages each: the household's
#     SMS, the village's inbox, the grid member's SMS and inbox) published at once by the Python
#     client, until every message is sent or delivered and every audit event published; beside the
#     same number of SMS posted straight to the stand-in by 16 Python clients (the gateway's ceiling);
#  2. the source event's publication → the grid member's SMS at the gateway, open loop at
#     BENCH_NOTIFICATION_RATE (200) events/s for 60 s after 10 s of warm-up, latency from the scheduled
#     send; beside the broker's own produce → consume latency at the same rate with the same clients,
#     alternately (BENCH_LATENCY_RUNS runs), each run on a freshly started broker and service.
set -euo pipefail
bin="$1"
state=".run/bench/notification"
runs="${BENCH_RUNS:-5}"
latency_runs="${BENCH_LATENCY_RUNS:-$runs}"
events="${BENCH_NOTIFICATION_EVENTS:-5000}"
households="${BENCH_NOTIFICATION_HOUSEHOLDS:-20000}"
rate="${BENCH_NOTIFICATION_RATE:-200}"
seconds="${BENCH_NOTIFICATION_SECONDS:-60}"
warmup="${BENCH_NOTIFICATION_WARMUP:-10}"
port=58097
export PGPASSWORD=lifeline
psql_n() { psql -h 127.0.0.1 -p "$DATABASE_PORT" -U svc_notification -d lifeline -qAt -v ON_ERROR_STOP=1 -c "$1"; }
now() { date +%s.%N; }
rm -rf "$state"
mkdir -p "$state"
load_before="$(cut -d' ' -f1 /proc/loadavg)"

service_pid=""
start_service() {
  NOTIFY_QUIET_HOURS=none NOTIFY_SMS_PER_SECOND=100000 NOTIFY_WECHAT_PER_SECOND=100000 NOTIFY_EMAIL_PER_SECOND=100000 \
    HTTP_PORT=$port LOG_LEVEL=warning "$bin/lifeline-notification" >> "$state/service.log" 2>&1 &
  service_pid=$!
  for _ in $(seq 1 240); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null
}
stop_service() { kill "$service_pid" 2>/dev/null || true; wait "$service_pid" 2>/dev/null || true; }
trap stop_service EXIT
start_service

psql_n "TRUNCATE notification.household_contacts, notification.grid_units;
  INSERT INTO notification.grid_units (code, level, name, parent_code, members, updated_at)
    SELECT '370115101' || lpad((200 + v)::text, 3, '0'), 'village', '测试' || v || '村', '370115101',
      jsonb_build_array(jsonb_build_object('id', 'GMB' || v, 'name', '网格员' || v, 'duty', '专职网格员', 'phone', '137' || lpad(v::text, 8, '0'))), now()
    FROM generate_series(0, 59) v;
  INSERT INTO notification.household_contacts (household_id, village_code, register_phone, updated_at)
    SELECT 'B' || n, '370115101' || lpad((200 + n % 60)::text, 3, '0'), '139' || lpad(n::text, 8, '0'), now()
    FROM generate_series(0, $households - 1) n;
  ANALYZE notification.household_contacts; ANALYZE notification.grid_units"

empty() { psql_n "TRUNCATE notification.inbox_reads, notification.messages; DELETE FROM notification.outbox"; }
settled() {  # waits until run $1's $3 events have all their messages sent or delivered and published; prints the seconds since $2
  local run="$1" start="$2" count="$3"
  for _ in $(seq 1 "${4:-12000}"); do
    if [ "$(psql_n "SELECT count(*) FROM notification.messages WHERE case_id LIKE '$run-%' AND status IN ('sent', 'delivered')")" -ge $((count * 4)) ] \
      && [ "$(psql_n "SELECT count(*) FROM notification.outbox WHERE sent_at IS NULL")" = 0 ]; then
      awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; return
    fi
    sleep 0.1
  done
  echo "timeout"; return 1
}
warm_up() {
  empty
  local warm
  warm="W$(date +%s%N | tail -c 9)"
  .venv/bin/python scripts/bench/notification-push.py burst "$KAFKA_BOOTSTRAP_SERVERS" 200 "$warm" "$households"
  settled "$warm" "$(now)" 200 >/dev/null
}
warm_up

: > "$state/throughput.runs"
for run in $(seq 1 "$runs"); do
  empty
  tag="N$(date +%s%N | tail -c 9)"
  started=$(now)
  .venv/bin/python scripts/bench/notification-push.py burst "$KAFKA_BOOTSTRAP_SERVERS" "$events" "$tag" "$households"
  elapsed=$(settled "$tag" "$started" "$events")
  read -r ceiling_seconds ceiling_errors < <(.venv/bin/python scripts/bench/notification-push.py gateway "$STANDIN_URL" $((events * 2)) 16 "$tag")
  psql_n "SELECT count(*), count(*) FILTER (WHERE channel = 'sms'), count(*) FILTER (WHERE channel = 'inbox'),
      count(*) FILTER (WHERE status = 'failed'), max(attempts) FROM notification.messages WHERE case_id LIKE '$tag-%'" | tr '|' ' ' > "$state/outcome"
  echo "$elapsed $ceiling_seconds $ceiling_errors $(cat "$state/outcome")" >> "$state/throughput.runs"
done

sent=$(awk -v r="$rate" -v s="$seconds" -v w="$warmup" 'BEGIN { printf "%d", r * (s + w) }')
for run in $(seq 1 "$latency_runs"); do
  stop_service
  bash scripts/infra.sh broker-restart bench
  start_service
  warm_up
  tag="L$(date +%s%N | tail -c 9)"
  .venv/bin/python scripts/bench/notification-push.py latency "$KAFKA_BOOTSTRAP_SERVERS" "$STANDIN_URL" "$rate" "$seconds" "$warmup" "$tag" \
    "$households" $(( (run - 1) * sent )) "$state/latency-$run"
  settled "$tag" "$(now)" "$sent" 3000 > "$state/drained-$run" || true
  .venv/bin/python scripts/bench/hotline-push.py floor "$KAFKA_BOOTSTRAP_SERVERS" "$rate" "$seconds" "$warmup" "bench.notification-floor-$tag" "$state/floor-$run"
done
stop_service
load_after="$(cut -d' ' -f1 /proc/loadavg)"
python3 scripts/bench/notification-summary.py "$state" "$runs" "$latency_runs" "$events" "$households" "$rate" "$seconds" "$warmup" "$load_before" "$load_after"
