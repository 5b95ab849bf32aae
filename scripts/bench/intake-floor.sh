#!/usr/bin/env bash
# The floor under any design of intake's household import, measured beside its ceiling (called by
# intake.sh once per run, with the bench profile's environment): the member file sent by \copy into an
# unlogged staging table, then written set-based in one transaction with nothing checked: one row per
# household and per member into tables with intake's indexes (and the members' foreign key), and one
# HouseholdRegistered event per household, its JSON built by PostgreSQL, into a table shaped like the
# outbox. No row check, household rule, look-up of movers or Swift code runs. Prints the seconds of
# staging and of writing.
set -euo pipefail
file="$1"
S=intake
psql_f() { PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -p "$DATABASE_PORT" -U svc_intake -d lifeline -qAt -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }
drop="DROP TABLE IF EXISTS $S.bench_floor_staged, $S.bench_floor_members, $S.bench_floor_households, $S.bench_floor_outbox"
psql_f -c "$drop" \
  -c "CREATE UNLOGGED TABLE $S.bench_floor_staged ($(head -n 1 "$file" | tr ',' '\n' | awk '{ printf "%sc%d text", (NR > 1 ? ", " : ""), NR }'))" \
  -c "CREATE TABLE $S.bench_floor_households (LIKE $S.households INCLUDING ALL)" \
  -c "CREATE TABLE $S.bench_floor_members (LIKE $S.household_members INCLUDING ALL, FOREIGN KEY (household_id) REFERENCES $S.bench_floor_households (id))" \
  -c "CREATE TABLE $S.bench_floor_outbox (LIKE $S.outbox INCLUDING ALL)"
households="INSERT INTO $S.bench_floor_households (id, village_code, household_group_id, provisional, formerly_poor, source, monitoring_category)
  SELECT DISTINCT ON (c1) c1, c2, nullif(c3, ''), false, c10 = '是', 'import', nullif(c15, '') FROM $S.bench_floor_staged ORDER BY c1"
members="INSERT INTO $S.bench_floor_members (household_id, id_number, name, relation, birth_date, sex, phone, labour_ability, health_status,
    minimum_living_allowance, extreme_poverty_support)
  SELECT c1, c5, c4, c6, nullif(c7, '')::date, nullif(c8, ''), nullif(c9, ''), nullif(c11, ''), nullif(c12, ''), c13 = '是', c14 = '是'
  FROM $S.bench_floor_staged"
events="INSERT INTO $S.bench_floor_outbox (event_id, topic, partition_key, headers, payload)
  SELECT gen_random_uuid()::text, 'intake.households', c1,
    jsonb_build_object('ce_id', gen_random_uuid()::text, 'ce_type', 'lifeline.intake.HouseholdRegistered', 'ce_source', '/lifeline/intake',
      'ce_specversion', '1.0', 'ce_time', now()::text, 'content-type', 'application/json', 'ce_subject', c1,
      'ce_correlationid', gen_random_uuid()::text),
    convert_to(json_build_object('householdId', c1, 'villageCode', c2, 'householdGroupId', c3, 'provisional', false, 'source', 'import',
      'updatedAt', now(), 'members', json_agg(json_build_object('name', c4, 'idNumber', c5, 'relation', c6, 'birthDate', c7, 'sex', c8,
        'phone', c9, 'labourAbility', c11, 'healthStatus', c12, 'minimumLivingAllowance', c13 = '是', 'extremePovertySupport', c14 = '是')))::text, 'UTF8')
  FROM $S.bench_floor_staged GROUP BY c1, c2, c3"
a=$(now); psql_f -c "\\copy $S.bench_floor_staged FROM '$file' WITH (FORMAT csv, HEADER true)"
b=$(now); psql_f -c "BEGIN" -c "$households" -c "$members" -c "$events" -c "COMMIT"
c=$(now)
psql_f -c "$drop"
awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN { printf "%.3f %.3f\n", b - a, c - b }'
