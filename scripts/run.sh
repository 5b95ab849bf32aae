#!/usr/bin/env bash
# make run: install what is missing, start PostgreSQL and Tansu, build in release mode, start the six
# services and the console in the background, wait until each is ready and print where to look. Safe to run twice.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
bash scripts/infra.sh up run
echo "run: building (release; the first build takes several minutes)"
bash scripts/build.sh .run/run/build.log -c release
source .run/run/env
bin="$(swift build -c release --show-bin-path)"
mkdir -p .run/run/logs .run/run/pids
# Demo data for a synthetic 济阳区: the grid and DEMO_HOUSEHOLDS households (idempotent: a second run
# finds nothing to change). Intake's relay publishes the registry events when it starts.
if [ ! -f .run/run/demo-seeded ] || [ "$(cat .run/run/demo-seeded)" != "${DEMO_HOUSEHOLDS:-30000}" ]; then
  echo "run: loading demo data (${DEMO_HOUSEHOLDS:-30000} households)"
  "$bin/lifeline-intake" seed-demo --households "${DEMO_HOUSEHOLDS:-30000}" | tail -n 3
  echo "${DEMO_HOUSEHOLDS:-30000}" > .run/run/demo-seeded
fi
declare -A ports=([intake]=8081 [department-screening]=8082 [hotline]=8083 [review]=8084 [insurance]=8085 [notification]=8086 [accounts]=8087 [console]=8080)
order=(intake department-screening hotline review insurance notification accounts console)
# The demo district's first administrator (accounts creates it when its mobile number has no account).
export ACCOUNTS_BOOTSTRAP_MOBILE="${ACCOUNTS_BOOTSTRAP_MOBILE:-13800138000}"
export ACCOUNTS_BOOTSTRAP_PASSWORD="${ACCOUNTS_BOOTSTRAP_PASSWORD:-Jiyang2026demo}"
# The demo announces a case for 0 days, so that one case can be walked from application to entry in a
# few minutes (README); production announces for 5 (REVIEW_ANNOUNCEMENT_DAYS).
export REVIEW_ANNOUNCEMENT_DAYS="${REVIEW_ANNOUNCEMENT_DAYS:-0}"
export REVIEW_CLOCK_SECONDS="${REVIEW_CLOCK_SECONDS:-5}"
# INSTANCES_<SERVICE> (e.g. INSTANCES_REVIEW=3, INSTANCES_DEPARTMENT_SCREENING=2) starts that many instances of
# a service. They share the service's consumer groups (partitions are split between them) and its outbox
# relay (one leads at a time); instance k listens on the service's port + 100 × (k − 1).
instances_of() {
  local variable="INSTANCES_$(echo "$1" | tr 'a-z-' 'A-Z_')"
  local count="${!variable:-1}"
  [[ "$count" =~ ^[1-9]$ ]] || { echo "run: $variable must be 1 to 9" >&2; exit 2; }
  echo "$count"
}
instance_name() { if [ "$2" = 1 ]; then echo "$1"; else echo "$1-$2"; fi; }
for service in "${order[@]}"; do
  for k in $(seq 1 "$(instances_of "$service")"); do
    name="$(instance_name "$service" "$k")"
    port=$(( ${ports[$service]} + 100 * (k - 1) ))
    pidfile=".run/run/pids/$name.pid"
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      continue
    fi
    # Accounts believes the console's X-Forwarded-For (both on this machine), so that its sign-in
    # limit and audit see each official's own address; no other service trusts a proxy here.
    trusted="${TRUSTED_PROXIES:-}"
    [ "$service" = accounts ] && trusted="${TRUSTED_PROXIES:-127.0.0.1/32}"
    HTTP_PORT="$port" PUBLIC_BASE_URL="http://127.0.0.1:${ports[$service]}" TRUSTED_PROXIES="$trusted" \
      nohup "$bin/lifeline-$service" >".run/run/logs/$name.log" 2>&1 &
    echo $! > "$pidfile"
  done
done
for service in "${order[@]}"; do
  for k in $(seq 1 "$(instances_of "$service")"); do
    name="$(instance_name "$service" "$k")"
    port=$(( ${ports[$service]} + 100 * (k - 1) ))
    for attempt in $(seq 1 120); do
      if curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
      if ! kill -0 "$(cat ".run/run/pids/$name.pid")" 2>/dev/null; then
        echo "run: $name stopped; see .run/run/logs/$name.log" >&2; tail -n 20 ".run/run/logs/$name.log" >&2; exit 1
      fi
      [ "$attempt" = 120 ] && { echo "run: $name not ready after 60 s; see .run/run/logs/$name.log" >&2; exit 1; }
      sleep 0.5
    done
  done
done
for service in "${order[@]}"; do
  for k in $(seq 1 "$(instances_of "$service")"); do
    printf '%-21s http://127.0.0.1:%s\n' "$(instance_name "$service" "$k")" "$(( ${ports[$service]} + 100 * (k - 1) ))"
  done
done
printf '%-21s %s\n' console-sign-in "http://127.0.0.1:8080  (sign in as the demo district administrator: $ACCOUNTS_BOOTSTRAP_MOBILE / $ACCOUNTS_BOOTSTRAP_PASSWORD; README walks one case through it)"
printf '%-21s %s\n' kafka "$KAFKA_BOOTSTRAP_SERVERS"
printf '%-21s postgresql://svc_intake:lifeline@127.0.0.1:%s/lifeline (one role per service: svc_<schema>)\n' postgres "$DATABASE_PORT"
printf '%-21s %s\n' logs ".run/run/logs/"
printf '%-21s %s\n' apply-page "http://127.0.0.1:8081/apply/370115101201  (a village's QR code opens this; progress: /progress)"
printf '%-21s %s\n' posters "curl -H \"Authorization: Bearer \$TOKEN\" http://127.0.0.1:8081/v1/posters?region=370115101 -o posters.zip"
printf '%-21s %s\n' token "$bin/lifeline-token issue --key $AUTH_PRIVATE_KEY_FILE --user demo --role district --region 370115"
printf '%-21s %s\n' review "http://127.0.0.1:8084/v1/statistics, /v1/leads/triage, /v1/cases/due (docs/review.md takes a case from a lead to monitoring)"
printf '%-21s %s\n' insurance "http://127.0.0.1:8085/v1/fund?year=2026, /v1/policy-years, /v1/claims (docs/insurance.md files, approves and pays a claim)"
printf '%-21s %s\n' notification "http://127.0.0.1:8086/v1/inbox (a token's inbox), /v1/messages?status=queued; quiet hours hold households' SMS 22:00-07:00"
printf '%-21s %s\n' sms-wechat-email "$STANDIN_URL/received (what the stand-in SMS, WeChat and SMTP servers received; docs/notification.md)"
