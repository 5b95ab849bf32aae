#!/usr/bin/env bash
# The floor under any design of department screening's import, measured beside its ceiling (called by
# screening.sh once per run, with the bench profile's environment): the file's records sent by \copy into
# an unlogged staging table, then written set-based with nothing decided, as one INSERT … SELECT each:
#   key:   each record stored once by its key (department, record id), matched to its household through
#          the registry copy: what idempotency and matching alone cost;
#   store: the same into a table with department_records' four indexes, plus one feedback event per
#          record into a table shaped like the outbox: what any design writes, before a single rule.
# No rule, warning, lock or Swift code runs. Prints the seconds of staging, key, store.
set -euo pipefail
file="$1"
S=department_screening
psql_f() { PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -p "$DATABASE_PORT" -U svc_department_screening -d lifeline -qAt -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }
psql_f -c "DROP TABLE IF EXISTS $S.bench_floor_staged, $S.bench_floor_key, $S.bench_floor_records, $S.bench_floor_outbox" \
  -c "CREATE UNLOGGED TABLE $S.bench_floor_staged (c1 text, c2 text, c3 text, c4 text, c5 text, c6 text, c7 text, c8 text, c9 text)" \
  -c "CREATE TABLE $S.bench_floor_key (LIKE $S.department_records INCLUDING DEFAULTS)" \
  -c "ALTER TABLE $S.bench_floor_key ADD PRIMARY KEY (department, record_id)" \
  -c "CREATE TABLE $S.bench_floor_records (LIKE $S.department_records INCLUDING ALL)" \
  -c "CREATE TABLE $S.bench_floor_outbox (LIKE $S.outbox INCLUDING ALL)"
columns="(department, record_id, period, id_number, name, kind, fact_date, amount_fen, details, source, household_id, status, reason)"
records="SELECT s.c1, s.c2, s.c3, s.c4, s.c5, s.c6, nullif(s.c7, '')::date, nullif(s.c8, '')::bigint, '{}', 'file', m.household_id,
    CASE WHEN m.household_id IS NULL THEN 'unmatched' ELSE 'matched' END, '未触发预警规则'
  FROM $S.bench_floor_staged s LEFT JOIN $S.registry_members m ON m.id_number = s.c4"
events="INSERT INTO $S.bench_floor_outbox (event_id, topic, partition_key, headers, payload)
  SELECT gen_random_uuid()::text, 'department-screening.feedback', s.c1 || ':' || s.c2,
    jsonb_build_object('ce_id', gen_random_uuid()::text, 'ce_type', 'lifeline.department-screening.RecordFeedback',
      'ce_source', '/lifeline/department-screening', 'ce_specversion', '1.0', 'ce_time', now()::text,
      'content-type', 'application/json', 'ce_subject', s.c2, 'ce_correlationid', gen_random_uuid()::text),
    convert_to(json_build_object('department', s.c1, 'recordId', s.c2, 'period', s.c3, 'outcome', 'matchedWithoutWarning',
      'reason', '未触发预警规则', 'decidedAt', now())::text, 'UTF8')
  FROM $S.bench_floor_staged s"
a=$(now); psql_f -c "\\copy $S.bench_floor_staged FROM '$file' WITH (FORMAT csv, HEADER true)"
b=$(now); psql_f -c "INSERT INTO $S.bench_floor_key $columns $records"
c=$(now); psql_f -c "BEGIN" -c "INSERT INTO $S.bench_floor_records $columns $records" -c "$events" -c "COMMIT"
d=$(now)
psql_f -c "DROP TABLE $S.bench_floor_staged, $S.bench_floor_key, $S.bench_floor_records, $S.bench_floor_outbox"
awk -v a="$a" -v b="$b" -v c="$c" -v d="$d" 'BEGIN { printf "%.3f %.3f %.3f\n", b - a, c - b, d - c }'
