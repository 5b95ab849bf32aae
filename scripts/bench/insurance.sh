#!/usr/bin/env bash
# Insurance's part of make bench (called by scripts/bench.sh with the bench profile's environment):
# approvals per second under contention, each figure the median of BENCH_RUNS (5) runs with its ceiling
# beside it in the same run. Per run, BENCH_INSURANCE_CLAIMS claims (default 4,000) of
# BENCH_INSURANCE_HOUSEHOLDS households (default 1,000: four claims each, so the households' yearly caps
# bite) are approved at once by BENCH_INSURANCE_CONCURRENCY (32) clients spread over two instances of
# the service, against a fund that covers about half of them (one balance row every approval locks);
# beside pgbench running the same ledger transaction (lock the claim, lock the household's usage, the
# conditional update of the balance row, the usage, the ledger entry, the claim, the audit row and the
# outbox row) with as many clients, for as many seconds, on its own policy year.
set -euo pipefail
bin="$1"
state=".run/bench/insurance"
runs="${BENCH_RUNS:-5}"
claims="${BENCH_INSURANCE_CLAIMS:-4000}"
households="${BENCH_INSURANCE_HOUSEHOLDS:-1000}"
concurrency="${BENCH_INSURANCE_CONCURRENCY:-32}"
ports=(58095 58096)
export PGPASSWORD=lifeline
psql_i() { psql -h 127.0.0.1 -p "$DATABASE_PORT" -U svc_insurance -d lifeline -qAt -v ON_ERROR_STOP=1 -c "$1"; }
now() { date +%s.%N; }
rm -rf "$state"
mkdir -p "$state"
load_before="$(cut -d' ' -f1 /proc/loadavg)"
# A schema of its own each time: the bench's years, claims and ledger start empty.
PGOPTIONS="-c client_min_messages=warning" psql "$DATABASE_ADMIN_URL" -qAt \
  -c "DROP SCHEMA IF EXISTS insurance CASCADE; CREATE SCHEMA insurance AUTHORIZATION svc_insurance" >/dev/null

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for port in "${ports[@]}"; do
  HTTP_PORT=$port LOG_LEVEL=warning "$bin/lifeline-insurance" > "$state/service-$port.log" 2>&1 &
  pids+=($!)
done
for port in "${ports[@]}"; do
  for _ in $(seq 1 240); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null
done
token="$("$bin/lifeline-token" issue --key "$AUTH_PRIVATE_KEY_FILE" --user bench --role insurer --region 370115)"

psql_i "INSERT INTO insurance.households (household_id, village_code, monitoring_category, updated_at)
  SELECT 'B' || n, '370115101' || lpad((200 + n % 60)::text, 3, '0'), 'marginal', now() FROM generate_series(0, $households - 1) n"
# A policy year per run: no deductible, 100%, 1,000 yuan per claim, 2,500 a year, a fund for half the claims.
year_of() { echo $((2000 + $1)); }
prepare() {  # prepare YEAR PREFIX: the year and its claims, all filed
  local year="$1" prefix="$2"
  psql_i "INSERT INTO insurance.policy_years (year, name, fund_fen, updated_by) VALUES ($year, 'bench', $((claims / 2)) * 100000, 'bench');
    INSERT INTO insurance.line_rules (year, line, deductible_fen, ratio_bp, claim_cap_fen, year_cap_fen, loss_kinds, deduct_other_payments)
    VALUES ($year, 'medical', 0, 10000, 100000, 250000, '[{\"code\": \"hospitalization\", \"name\": \"住院\"}]', true);
    INSERT INTO insurance.claims (id, household_id, village_code, year, line, loss_kind, incident_date, loss_fen, other_payments, other_payments_fen,
        description, documents, payee_name, bank_name, account_sealed, account_last4, coverage, category, status, filed_by, filed_region,
        idempotency_key, request_hash)
      SELECT '$prefix' || n, 'B' || (n % $households), '370115101' || lpad((200 + (n % $households) % 60)::text, 3, '0'), $year, 'medical',
             'hospitalization', '$year-06-15', 100000, '[]', 0, 'bench', '[]', 'bench', 'bench', 'sealed', '0000', 'registry', 'marginal', 'filed',
             'bench', '370115101', '$prefix' || n, 'bench'
      FROM generate_series(1, $claims) n;
    ANALYZE insurance.claims"
}

# Warm-up: statements prepared, pools full.
prepare "$(year_of 0)" "W"
.venv/bin/python scripts/bench/insurance-approve.py "$token" "W" "$((claims / 4))" "$concurrency" "${ports[@]}" > /dev/null

: > "$state/runs"
for run in $(seq 1 "$runs"); do
  year="$(year_of "$run")"
  prepare "$year" "R$run-"
  read -r seconds statuses < <(.venv/bin/python scripts/bench/insurance-approve.py "$token" "R$run-" "$claims" "$concurrency" "${ports[@]}")
  outcome="$(psql_i "SELECT count(*) FILTER (WHERE status = 'approved'), count(*) FILTER (WHERE reason_code = 'fundInsufficient'),
      count(*) FILTER (WHERE reason_code = 'yearCapReached'), (SELECT fund_fen - reserved_fen - paid_fen FROM insurance.policy_years WHERE year = $year),
      (SELECT count(*) FROM insurance.household_usage WHERE year = $year AND committed_fen > 250000)
    FROM insurance.claims WHERE year = $year" | tr '|' ' ')"
  # The ceiling: pgbench, same clients, the same transaction on a year of its own with a fund that never runs out.
  pg_year=$((2100 - run))
  psql_i "INSERT INTO insurance.policy_years (year, name, fund_fen, updated_by) VALUES ($pg_year, 'pgbench', 100000000000, 'bench');
    INSERT INTO insurance.claims (id, household_id, village_code, year, line, loss_kind, incident_date, loss_fen, other_payments, other_payments_fen,
        description, documents, payee_name, bank_name, account_sealed, account_last4, coverage, category, status, filed_by, filed_region,
        idempotency_key, request_hash)
      SELECT 'P$pg_year-' || n, 'B' || (n % $households), '370115101200', $pg_year, 'medical', 'hospitalization', '2020-06-15', 100000, '[]', 0, 'bench', '[]',
             'bench', 'bench', 'sealed', '0000', 'registry', 'marginal', 'filed', 'bench', '370115101', 'P$pg_year-' || n, 'bench'
      FROM generate_series(1, $claims) n"
  pg_seconds=$(awk -v s="$seconds" 'BEGIN { printf "%d", (s < 5 ? 5 : s + 0.5) }')
  pgbench -h 127.0.0.1 -p "$DATABASE_PORT" -U svc_insurance -n -c "$concurrency" -j 2 -T "$pg_seconds" -f scripts/bench/insurance-ledger.sql \
    -D year="$pg_year" -D claims="$claims" -D households="$households" lifeline > "$state/pgbench-$run.log" 2>&1
  pg_tps="$(grep -oE 'tps = [0-9.]+' "$state/pgbench-$run.log" | head -n 1 | cut -d' ' -f3)"
  echo "$seconds $pg_tps $statuses $outcome" >> "$state/runs"
done
kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
load_after="$(cut -d' ' -f1 /proc/loadavg)"
python3 scripts/bench/insurance-summary.py "$state" "$runs" "$claims" "$households" "$concurrency" "$load_before" "$load_after"
