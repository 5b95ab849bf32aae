#!/usr/bin/env bash
# Scale-out row of make bench: a backlog of work orders drained by hotline, with one instance and with
# two instances of which the relay leader is SIGKILLed half-way; time until every order is recorded and
# its lead published (outbox empty), and the counts checked (exactly one work order and lead per order).
set -euo pipefail
bin="$1"
orders="${BENCH_SCALEOUT_ORDERS:-20000}"
export PGPASSWORD=lifeline
psql_hotline() { psql -h 127.0.0.1 -p "$DATABASE_PORT" -U svc_hotline -d lifeline -qAt -c "$1"; }
wait_ready() { for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1 && return; sleep 0.5; done; echo "not ready: $1" >&2; exit 1; }
drained() {  # seconds until every order of run $1 is recorded and the outbox is empty
  local run="$1" start="$2"
  for _ in $(seq 1 6000); do
    recorded=$(psql_hotline "SELECT count(*) FROM work_orders WHERE order_number LIKE '$run-%'")
    unsent=$(psql_hotline "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
    if [ "$recorded" -ge "$orders" ] && [ "$unsent" = 0 ]; then
      python3 -c "import time; print(f'{time.time() - $start:.2f}')"; return
    fi
    sleep 0.1
  done
  echo "timeout"
}
run_case() {  # $1: instances, $2: kill the relay leader half-way (yes/no)
  local instances="$1" kill_leader="$2" run="so$(date +%s%N | tail -c 9)" pids=()
  for k in $(seq 1 "$instances"); do
    HTTP_PORT=$((58300 + k)) LOG_LEVEL=warning OUTBOX_LEASE_SECONDS=3 "$bin/lifeline-hotline" > ".run/bench/hotline-$k.log" 2>&1 &
    pids+=($!)
  done
  for k in $(seq 1 "$instances"); do wait_ready $((58300 + k)); done
  sleep 4  # the group settles
  local start; start=$(python3 -c "import time; print(time.time())")
  .venv/bin/python scripts/bench/push_orders.py "$orders" "$run" "$KAFKA_BOOTSTRAP_SERVERS"
  if [ "$kill_leader" = yes ]; then
    until [ "$(psql_hotline "SELECT count(*) FROM work_orders WHERE order_number LIKE '$run-%'")" -ge $((orders / 2)) ]; do sleep 0.05; done
    leader=$(psql_hotline "SELECT split_part(holder, '/', 2) FROM outbox_relay_lease")
    kill -9 "$leader"
  fi
  seconds=$(drained "$run" "$start")
  orders_recorded=$(psql_hotline "SELECT count(*) FROM work_orders WHERE order_number LIKE '$run-%'")
  leads=$(psql_hotline "SELECT count(*) FROM outbox WHERE topic = 'hotline.leads' AND convert_from(payload, 'UTF8') LIKE '%\"orderNumber\":\"$run-%'")
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "$instances|$kill_leader|$seconds|$orders_recorded|$leads"
}
echo "scale-out: hotline draining $orders work orders (time until all recorded and published; counts checked):"
for row in "1 no" "2 no" "2 yes"; do
  IFS='|' read -r instances killed seconds recorded leads <<< "$(run_case $row)"
  rate=$(python3 -c "print(int($orders / $seconds))" 2>/dev/null || echo "?")
  printf '  %s instance(s)%s: %s s, %s orders/s; %s of %s orders recorded, %s leads published\n' "$instances" \
    "$([ "$killed" = yes ] && echo ', relay leader SIGKILLed half-way' || true)" "$seconds" "$rate" "$recorded" "$orders" "$leads"
done
