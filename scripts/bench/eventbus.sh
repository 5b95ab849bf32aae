#!/usr/bin/env bash
# The event bus's part of make bench (called by scripts/bench.sh with the bench profile's environment).
# Every figure is measured BENCH_RUNS times (5) with its ceiling beside it in the same run:
#  1. raw consume by one Swift consumer-group member, and by the Python confluent-kafka client with the
#     same settings, alternately, over the same 200-byte records;
#  2. one event hop (consume → one transaction: inbox, state, outbox → relay → publish) on a backlog,
#     and pgbench running the same statements in one transaction per 50 events, one client;
#  3. hop latency open loop at 200 events/s for 60 s after 10 s of warm-up, and the bare
#     produce → consume latency of the same broker, alone and as two streams side by side (the
#     broker traffic of a hop: its input and its output), alternately, each on a freshly started
#     broker (BENCH_LATENCY_RUNS, default 5).
set -euo pipefail
bin="$1"
state=".run/bench/eventbus"
# BENCH_ONLY=latency measures the latency rows again and keeps the other figures of the previous run.
only="${BENCH_ONLY:-all}"
if [ "$only" = latency ]; then rm -f "$state/floor" "$state/floor2" "$state/latency"; else rm -rf "$state"; fi
mkdir -p "$state"
runs="${BENCH_RUNS:-5}"
latency_runs="${BENCH_LATENCY_RUNS:-$runs}"
records="${BENCH_RAW_RECORDS:-200000}"
events="${BENCH_HOP_EVENTS:-20000}"
load_before="$(cut -d' ' -f1 /proc/loadavg)"
topic="bench.raw-$(date +%s)"

if [ "$only" != latency ]; then
"$bin/lifeline-bench" produce-raw "$topic" "$records" > "$state/produce"
for run in $(seq 1 "$runs"); do
  "$bin/lifeline-bench" consume-raw "$topic" "$records" >> "$state/consume"
  .venv/bin/python scripts/bench/consume.py "$topic" "$records" "$KAFKA_BOOTSTRAP_SERVERS" >> "$state/python"
done

# pgbench's copy of the hop's transaction: the shared tables in a schema of its own.
export PGPASSWORD=lifeline
psql -h 127.0.0.1 -p "$DATABASE_PORT" -U svc_lifeline_test -d lifeline -q <<'SQL'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench_pg CASCADE;
CREATE SCHEMA bench_pg;
CREATE TABLE bench_pg.inbox (consumer text NOT NULL, source text NOT NULL, event_id text NOT NULL, event_type text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (consumer, source, event_id));
CREATE TABLE bench_pg.outbox (id bigserial PRIMARY KEY, event_id text NOT NULL UNIQUE, topic text NOT NULL, partition_key text,
  headers jsonb NOT NULL, payload bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT clock_timestamp(), sent_at timestamptz,
  attempts integer NOT NULL DEFAULT 0, last_error text, parked_at timestamptz);
CREATE INDEX ON bench_pg.outbox (id) WHERE sent_at IS NULL AND parked_at IS NULL;
CREATE TABLE bench_pg.state (household text PRIMARY KEY, last_sequence integer NOT NULL);
SQL
{
  echo '\set b random(1, 2000000000)'
  echo 'BEGIN;'
  echo "INSERT INTO inbox (consumer, source, event_id, event_type) SELECT 'bench', '/bench', :b || '-' || g, 't' FROM generate_series(1, 50) g ON CONFLICT DO NOTHING RETURNING source, event_id;"
  for n in $(seq 1 50); do
    echo "SELECT pg_advisory_xact_lock(hashtext('bench_pg/h' || ((:b + $n) % 500)));"
    echo "INSERT INTO state (household, last_sequence) VALUES ('h' || ((:b + $n) % 500), $n) ON CONFLICT (household) DO UPDATE SET last_sequence = EXCLUDED.last_sequence;"
    echo "INSERT INTO outbox (event_id, topic, partition_key, headers, payload) VALUES (:b || '-$n', 'bench.out', 'h' || ((:b + $n) % 500), '{\"ce_id\":\"x\",\"ce_type\":\"lifeline.bench.BenchEvent.v1\"}'::jsonb, decode(repeat('78', 200), 'hex'));"
  done
  echo 'COMMIT;'
} > "$state/hop.sql"
for run in $(seq 1 "$runs"); do
  "$bin/lifeline-bench" hop "$events" >> "$state/hop"
  PGOPTIONS='-c search_path=bench_pg' pgbench -h 127.0.0.1 -p "$DATABASE_PORT" -U svc_lifeline_test -n -M prepared -c 1 -T 10 \
    -f "$state/hop.sql" lifeline 2>/dev/null | awk '/^tps/ { printf "pgbench_events_per_s=%d\n", $3 * 50 }' >> "$state/pgbench"
done
fi
# Each latency run starts on a freshly started broker: Tansu keeps its log in memory, and what the
# earlier runs left in it slows it down (its latency grows as its log fills), which would skew later runs.
for run in $(seq 1 "$latency_runs"); do
  bash scripts/infra.sh broker-restart bench >/dev/null
  "$bin/lifeline-bench" floor-latency 200 60 10 >> "$state/floor"
  bash scripts/infra.sh broker-restart bench >/dev/null
  # The broker carrying what a hop puts through it: two such streams side by side (input and output).
  "$bin/lifeline-bench" floor-latency 200 60 10 2 >> "$state/floor2"
  bash scripts/infra.sh broker-restart bench >/dev/null
  "$bin/lifeline-bench" hop-latency 200 60 10 >> "$state/latency"
done
load_after="$(cut -d' ' -f1 /proc/loadavg)"
python3 scripts/bench/summarise.py "$state" "$records" "$events" "$load_before" "$load_after"
