#!/usr/bin/env bash
# Smoke test of a production-like installation on this machine (not part of `make test`).
#
# Starts a throwaway PostgreSQL 15 (password authentication, a non-superuser role with
# CREATEDB) and Redis on free loopback ports, then, with config.settings.prod and secrets
# read from *_FILE: migrate, load_reference_data, collectstatic, gunicorn, ONE Celery
# worker and ONE beat (DatabaseScheduler) and, when nginx is installed,
# deploy/nginx/carereg.conf in front of gunicorn with a self-signed certificate. Then it
# checks with curl and psql: a public page, the admin login, the client address behind the
# proxy, a monthly operating grant run done by the worker, the beat schedule, a backup and
# its restore drill. Prints PASS/FAIL per step; exits 1 if any step failed. Everything it
# started is stopped and deleted on exit.
#
# The demo data (providers, staff users) is loaded with the development settings into
# the same database, because seed_demo refuses the production settings (checked too).
#
#   scripts/smoke.sh              # through nginx if installed, else straight to gunicorn
#   SMOKE_NGINX=0 scripts/smoke.sh
#   SMOKE_KEEP=1 scripts/smoke.sh # keep the logs (the folder is printed)
#   SMOKE_APP_USER=carereg scripts/smoke.sh
#
# As root, PostgreSQL runs as user "nobody"; SMOKE_APP_USER=someone runs the application
# as that user too.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VENV=$ROOT/.venv
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PERIOD=2025-11
HOST=registry.example.gov.cn # server_name in deploy/nginx/carereg.conf
USERNAME=clerk_baotou        # demo city-level clerk: prepares city-wide runs
PASSWORD=demo-Pass-2026

passed=0
failed=0
warned=0
pass() { echo "PASS  $*"; passed=$((passed + 1)); }
fail() { echo "FAIL  $*"; failed=$((failed + 1)); }
warn() { echo "WARN  $*"; warned=$((warned + 1)); }
skip() { echo "SKIP  $*"; }
fatal() {
  fail "$*"
  exit 1
}

for tool in "$VENV/bin/python" "$VENV/bin/gunicorn" "$VENV/bin/celery" "$PG_BIN/initdb" "$PG_BIN/psql"; do
  [ -x "$tool" ] || {
    echo "missing $tool (make install; PostgreSQL 15 binaries in PG_BIN)" >&2
    exit 1
  }
done
command -v redis-server >/dev/null || {
  echo "redis-server not found (apt-get install redis-server)" >&2
  exit 1
}
command -v curl >/dev/null || {
  echo "curl not found" >&2
  exit 1
}
USE_NGINX=0
if [ "${SMOKE_NGINX:-1}" != 0 ] && command -v nginx >/dev/null && command -v openssl >/dev/null; then
  USE_NGINX=1
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

TMP=$(mktemp -d /tmp/carereg-smoke.XXXXXX)
chmod 755 "$TMP"
mkdir -p "$TMP/pgdata" "$TMP/run" "$TMP/logs" "$TMP/media" "$TMP/backups" "$TMP/secrets" "$TMP/nginx" "$TMP/tls"
PG_PORT=$(free_port)
REDIS_PORT=$(free_port)
WEB_PORT=$(free_port)
HTTP_PORT=$(free_port)
HTTPS_PORT=$(free_port)
pids=()

# The application runs as SMOKE_APP_USER when given (and we are root): an unprivileged
# user proves it never writes into its code folder, as under ProtectSystem=strict. The
# virtualenv's interpreter must be readable by that user.
AS_APP=()
if [ "$(id -u)" = 0 ]; then
  chown -R nobody "$TMP/pgdata" "$TMP/run"
  as_pg() { runuser -u nobody -- "$@"; }
  if [ -n "${SMOKE_APP_USER:-}" ]; then
    chown -R "$SMOKE_APP_USER" "$TMP/logs" "$TMP/media" "$TMP/backups" "$TMP/secrets"
    # setpriv execs the command itself, so $! is the application's own PID.
    AS_APP=(setpriv --reuid="$(id -u "$SMOKE_APP_USER")" --regid="$(id -g "$SMOKE_APP_USER")" --clear-groups --)
  fi
else
  as_pg() { "$@"; }
fi

cleanup() {
  status=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  as_pg "$PG_BIN/pg_ctl" -D "$TMP/pgdata" -m immediate stop >/dev/null 2>&1 || true
  if [ "${SMOKE_KEEP:-0}" = 1 ]; then
    echo "logs kept in $TMP/logs" >&2
  else
    rm -rf "$TMP"
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started() { # started NAME PID: remember a background process we must stop
  pids+=("$2")
}

psql_db() { "$PG_BIN/psql" -X -q -h "$TMP/run" -p "$PG_PORT" -U postgres -d carereg -Atc "$1" 2>>"$TMP/logs/psql.log"; }
manage() { "${AS_APP[@]}" "$VENV/bin/python" manage.py "$@"; }

wait_until() { # wait_until SECONDS COMMAND...: poll every half second
  local deadline=$((SECONDS + $1))
  shift
  while [ $SECONDS -lt $deadline ]; do
    "$@" && return 0
    sleep 0.5
  done
  return 1
}

echo "smoke test in $TMP (nginx: $([ $USE_NGINX = 1 ] && echo yes || echo no))"

# ------------------------------------------------------------------ services
printf 'postgres-superuser-%s\n' "$RANDOM$RANDOM" >"$TMP/pgpass-superuser"
chmod 644 "$TMP/pgpass-superuser"
if as_pg "$PG_BIN/initdb" -D "$TMP/pgdata" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
  --pwfile="$TMP/pgpass-superuser" -E UTF8 --locale=C.UTF-8 >"$TMP/logs/initdb.log" 2>&1 &&
  as_pg "$PG_BIN/pg_ctl" -D "$TMP/pgdata" -l "$TMP/run/pg.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $PG_PORT -k $TMP/run -c fsync=off -c synchronous_commit=off" start >/dev/null; then
  pass "PostgreSQL 15 on 127.0.0.1:$PG_PORT (password authentication)"
else
  cat "$TMP/logs/initdb.log" "$TMP/run/pg.log" 2>/dev/null
  fatal "PostgreSQL did not start"
fi
DB_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
OWNER_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
psql_db_admin() { "$PG_BIN/psql" -X -q -h "$TMP/run" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }
if psql_db_admin -c "CREATE ROLE carereg_owner LOGIN PASSWORD '$OWNER_PASSWORD'" \
  -c "CREATE ROLE carereg LOGIN CREATEDB PASSWORD '$DB_PASSWORD'" \
  -c "CREATE DATABASE carereg OWNER carereg_owner" >/dev/null; then
  pass "database carereg owned by role carereg_owner; the application connects as carereg (neither a superuser; CREATEDB for the restore drill)"
else
  fatal "could not create the database roles"
fi
# psql as the application's own role, over TCP with its password, as the services connect.
psql_app() { PGPASSWORD=$DB_PASSWORD "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U carereg -d carereg -v ON_ERROR_STOP=1 -Atc "$1" 2>>"$TMP/logs/psql-app.log"; }

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$TMP/logs/redis.log" 2>&1 &
started redis $!
if wait_until 10 sh -c "redis-cli -p $REDIS_PORT ping 2>/dev/null | grep -q PONG"; then
  pass "Redis on 127.0.0.1:$REDIS_PORT"
else
  fatal "Redis did not start"
fi

# ------------------------------------------------------------------ production settings
python3 -c 'import secrets; print(secrets.token_urlsafe(50))' >"$TMP/secrets/secret_key"
"$VENV/bin/python" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' >"$TMP/secrets/personal_data_keys"
python3 -c 'import secrets; print(secrets.token_hex(32))' >"$TMP/secrets/personal_data_hash_key"
python3 -c 'import secrets; print(secrets.token_hex(32))' >"$TMP/secrets/integrity_key"
echo "postgres://carereg:$DB_PASSWORD@127.0.0.1:$PG_PORT/carereg" >"$TMP/secrets/database_url"
echo "postgres://carereg_owner:$OWNER_PASSWORD@127.0.0.1:$PG_PORT/carereg" >"$TMP/secrets/database_owner_url"
[ ${#AS_APP[@]} -gt 0 ] && chown "$SMOKE_APP_USER" "$TMP"/secrets/*
chmod 600 "$TMP"/secrets/*

if [ $USE_NGINX = 1 ]; then
  BASE="https://$HOST:$HTTPS_PORT"
  CURL=(curl -sS -k --max-time 30 --resolve "$HOST:$HTTPS_PORT:127.0.0.1" --resolve "$HOST:$HTTP_PORT:127.0.0.1")
  PROXY_HEADERS=()
  ORIGIN=$BASE
else
  # What nginx would add: the scheme, and the client address in X-Forwarded-For.
  BASE="http://127.0.0.1:$WEB_PORT"
  CURL=(curl -sS --max-time 30)
  PROXY_HEADERS=(-H "X-Forwarded-Proto: https" -H "X-Forwarded-For: 127.0.0.1")
  ORIGIN="https://127.0.0.1:$WEB_PORT"
fi

export DJANGO_SETTINGS_MODULE=config.settings.prod
export SECRET_KEY_FILE=$TMP/secrets/secret_key
export DATABASE_URL_FILE=$TMP/secrets/database_url
export DATABASE_APP_ROLE=carereg
export PERSONAL_DATA_KEYS_FILE=$TMP/secrets/personal_data_keys
export PERSONAL_DATA_HASH_KEY_FILE=$TMP/secrets/personal_data_hash_key
export INTEGRITY_KEY_FILE=$TMP/secrets/integrity_key
export ALLOWED_HOSTS="$HOST,127.0.0.1,localhost"
export CSRF_TRUSTED_ORIGINS=$ORIGIN
export SECURE_SSL_REDIRECT=0
export STAFF_OTP_REQUIRED=0
export NUM_PROXIES=1
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
export REDIS_CACHE_URL="redis://127.0.0.1:$REDIS_PORT/1"
export MEDIA_ROOT=$TMP/media
export BACKUP_DIR=$TMP/backups
export EMAIL_HOST=127.0.0.1 EMAIL_PORT=25
export PG_BIN_DIR=$PG_BIN
export PYTHONDONTWRITEBYTECODE=1
unset DATABASE_URL SECRET_KEY PERSONAL_DATA_KEYS PERSONAL_DATA_HASH_KEY INTEGRITY_KEY REDIS_URL

if manage check >"$TMP/logs/check.log" 2>&1; then pass "manage.py check (production settings)"; else
  cat "$TMP/logs/check.log"
  fatal "manage.py check"
fi
if DATABASE_URL_FILE=$TMP/secrets/database_owner_url manage migrate --noinput >"$TMP/logs/migrate.log" 2>&1; then
  pass "migrate (as the owner role, which grants the application role its privileges)"
else
  tail -30 "$TMP/logs/migrate.log"
  fatal "migrate"
fi
if manage load_reference_data >"$TMP/logs/reference.log" 2>&1; then pass "load_reference_data"; else
  tail -30 "$TMP/logs/reference.log"
  fatal "load_reference_data"
fi
if manage seed_demo >"$TMP/logs/seed-prod.log" 2>&1; then
  fail "seed_demo ran with the production settings"
elif grep -q "refuses to run with the production settings" "$TMP/logs/seed-prod.log"; then
  pass "seed_demo refuses the production settings"
else
  tail -20 "$TMP/logs/seed-prod.log"
  fail "seed_demo failed for another reason"
fi
if DJANGO_SETTINGS_MODULE=config.settings.dev manage seed_demo >"$TMP/logs/seed.log" 2>&1; then
  pass "demo providers and staff users loaded (development settings, same database)"
else
  tail -30 "$TMP/logs/seed.log"
  fatal "seed_demo with the development settings"
fi
# The deploy step runs as the owner of the code (root here), not as the service user.
if "$VENV/bin/python" manage.py collectstatic --noinput >"$TMP/logs/collectstatic.log" 2>&1; then
  pass "collectstatic into $ROOT/staticfiles"
else
  tail -30 "$TMP/logs/collectstatic.log"
  fatal "collectstatic"
fi

# ------------------------------------------------------------------ processes
"${AS_APP[@]}" "$VENV/bin/gunicorn" config.wsgi --bind "127.0.0.1:$WEB_PORT" --workers 2 --timeout 120 \
  --forwarded-allow-ips 127.0.0.1 --no-control-socket --access-logfile "$TMP/logs/gunicorn-access.log" \
  --error-logfile "$TMP/logs/gunicorn.log" >"$TMP/logs/gunicorn.out" 2>&1 &
started gunicorn $!
"${AS_APP[@]}" "$VENV/bin/celery" -A config worker --loglevel=INFO --concurrency=1 --hostname="smoke@%h" \
  >"$TMP/logs/worker.log" 2>&1 &
started worker $!
"${AS_APP[@]}" "$VENV/bin/celery" -A config beat --loglevel=INFO \
  --scheduler django_celery_beat.schedulers:DatabaseScheduler >"$TMP/logs/beat.log" 2>&1 &
started beat $!

web_up() { [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: 127.0.0.1" "http://127.0.0.1:$WEB_PORT/robots.txt")" = 200 ]; }
if wait_until 60 web_up; then pass "gunicorn answers on 127.0.0.1:$WEB_PORT"; else
  tail -30 "$TMP/logs/gunicorn.log"
  fatal "gunicorn did not start"
fi
if wait_until 60 grep -q "ready\." "$TMP/logs/worker.log"; then pass "one Celery worker ready (no embedded beat)"; else
  tail -30 "$TMP/logs/worker.log"
  fatal "the Celery worker did not start"
fi
if wait_until 30 grep -q "beat: Starting" "$TMP/logs/beat.log"; then pass "one beat started (DatabaseScheduler)"; else
  tail -30 "$TMP/logs/beat.log"
  fatal "beat did not start"
fi

if [ $USE_NGINX = 1 ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$HOST" \
    -keyout "$TMP/tls/privkey.pem" -out "$TMP/tls/fullchain.pem" >/dev/null 2>&1
  # The site as shipped, moved to free loopback ports and this checkout's folders.
  sed -E \
    -e "s/listen 80( default_server)?;/listen 127.0.0.1:$HTTP_PORT\1;/" \
    -e "s/listen 443 ssl/listen 127.0.0.1:$HTTPS_PORT ssl/" \
    -e '/listen \[::\]/d' \
    -e "s#server 127.0.0.1:8001;#server 127.0.0.1:$WEB_PORT;#" \
    -e "s#/opt/carereg/staticfiles/#$ROOT/staticfiles/#" \
    -e "s#/etc/ssl/carereg/#$TMP/tls/#" \
    -e "s#/var/log/nginx/#$TMP/nginx/#" \
    deploy/nginx/carereg.conf >"$TMP/nginx/site.conf"
  for temp in body proxy fastcgi uwsgi scgi; do mkdir -p "$TMP/nginx/$temp"; done
  [ "$(id -u)" = 0 ] && chown -R 65534:65534 "$TMP/nginx"
  cat >"$TMP/nginx/nginx.conf" <<EOF
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    access_log $TMP/nginx/access.log;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    include $TMP/nginx/site.conf;
}
EOF
  if grep -v '^[[:space:]]*#' "$TMP/nginx/site.conf" | grep -qE "8001|/opt/carereg|/etc/ssl|listen (80|443)"; then
    fail "deploy/nginx/carereg.conf changed shape: the smoke test could not move it to test ports"
  fi
  if nginx -t -q -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx/" 2>"$TMP/logs/nginx-t.log"; then
    nginx -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx/" -g 'daemon off;' >>"$TMP/nginx/error.log" 2>&1 &
    started nginx $!
    if wait_until 10 sh -c "curl -sk -o /dev/null --resolve $HOST:$HTTPS_PORT:127.0.0.1 https://$HOST:$HTTPS_PORT/robots.txt"; then
      pass "nginx with deploy/nginx/carereg.conf on 127.0.0.1:$HTTP_PORT/$HTTPS_PORT"
    else
      fatal "nginx did not start"
    fi
  else
    cat "$TMP/logs/nginx-t.log"
    fatal "nginx -t refuses deploy/nginx/carereg.conf"
  fi
fi

# ------------------------------------------------------------------ checks over HTTP
code=$("${CURL[@]}" "${PROXY_HEADERS[@]}" -o "$TMP/logs/providers.html" -w '%{http_code}' "$BASE/providers/")
if [ "$code" = 200 ] && grep -q "<html" "$TMP/logs/providers.html"; then pass "GET /providers/ → 200"; else
  fail "GET /providers/ → $code"
fi

if [ $USE_NGINX = 1 ]; then
  out=$("${CURL[@]}" -o /dev/null -w '%{http_code} %{redirect_url}' "http://$HOST:$HTTP_PORT/providers/?q=1")
  if [ "$out" = "301 https://$HOST/providers/?q=1" ]; then pass "HTTP → HTTPS ($out)"; else fail "HTTP → HTTPS: $out"; fi
  headers=$("${CURL[@]}" -D - -o /dev/null "$BASE/static/admin/css/base.css")
  if grep -q "^HTTP/[0-9.]* 200" <<<"$headers" && grep -qi "^strict-transport-security:" <<<"$headers" &&
    grep -qi "^expires:" <<<"$headers"; then
    pass "static files served by nginx from STATIC_ROOT (200, HSTS, Expires)"
  else
    fail "static file: $(head -1 <<<"$headers")"
  fi
  touch "$TMP/media/evidence.pdf"
  code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$BASE/media/evidence.pdf")
  if [ "$code" = 404 ]; then pass "media not served (/media/… → 404)"; else fail "/media/ → $code"; fi
  code=$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$HTTPS_PORT/providers/")
  if [ "$code" = 000 ]; then pass "unknown host names get no answer (444)"; else fail "unknown host → $code"; fi
  body_code=$(head -c 23068672 /dev/zero | "${CURL[@]}" -o /dev/null -w '%{http_code}' -X POST --data-binary @- "$BASE/admin/login/")
  if [ "$body_code" = 413 ]; then pass "a 22 MiB body is refused by nginx (413)"; else fail "22 MiB body → $body_code"; fi
else
  skip "nginx checks (nginx not installed, or SMOKE_NGINX=0)"
fi

JAR=$TMP/cookies.txt
"${CURL[@]}" "${PROXY_HEADERS[@]}" -c "$JAR" -b "$JAR" -o "$TMP/logs/login.html" "$BASE/admin/login/"
token=$(grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' "$TMP/logs/login.html" | head -1 | sed 's/.*value="//; s/"$//')
out=$("${CURL[@]}" "${PROXY_HEADERS[@]}" -c "$JAR" -b "$JAR" -o "$TMP/logs/login-post.html" -w '%{http_code} %{redirect_url}' \
  -H "Referer: $ORIGIN/admin/login/" --data-urlencode "csrfmiddlewaretoken=$token" \
  --data-urlencode "username=$USERNAME" --data-urlencode "password=$PASSWORD" --data-urlencode "next=/admin/" \
  "$BASE/admin/login/")
if [[ "$out" == "302 "*"/admin/" ]]; then pass "admin login as $USERNAME → $out"; else fail "admin login → $out"; fi
code=$("${CURL[@]}" "${PROXY_HEADERS[@]}" -c "$JAR" -b "$JAR" -o /dev/null -w '%{http_code}' "$BASE/admin/subsidies/grantrun/")
if [ "$code" = 200 ]; then pass "signed in: /admin/subsidies/grantrun/ → 200"; else fail "/admin/subsidies/grantrun/ → $code"; fi

# A failed login: the audit log and the lockout must see the client's address, not the
# proxy's, and not one the client wrote into X-Forwarded-For itself.
if [ $USE_NGINX = 1 ]; then
  client=127.0.0.2 # curl connects from another loopback address; nginx overwrites the spoofed header
  extra=(--interface "$client" -H "X-Forwarded-For: 203.0.113.9")
else
  client=198.51.100.7 # as nginx would forward it
  extra=(-H "X-Forwarded-Proto: https" -H "X-Forwarded-For: $client")
fi
JAR2=$TMP/cookies2.txt
"${CURL[@]}" "${extra[@]}" -c "$JAR2" -b "$JAR2" -o "$TMP/logs/login2.html" "$BASE/admin/login/"
token=$(grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' "$TMP/logs/login2.html" | head -1 | sed 's/.*value="//; s/"$//')
"${CURL[@]}" "${extra[@]}" -c "$JAR2" -b "$JAR2" -o /dev/null -H "Referer: $ORIGIN/admin/login/" \
  --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode "username=smoke-nobody" \
  --data-urlencode "password=wrong-Pass-1" "$BASE/admin/login/"
audit_ip=$(psql_db "SELECT host(ip) FROM registry_auditentry WHERE action = 'login.failure' AND actor_name = 'smoke-nobody' ORDER BY id DESC LIMIT 1")
if [ "$audit_ip" = "$client" ]; then pass "audit log records the client address ($client)"; else
  fail "audit log records '$audit_ip' for a failed login from $client"
fi
axes_ip=$(psql_db "SELECT ip_address FROM axes_accessattempt WHERE username = 'smoke-nobody' ORDER BY id DESC LIMIT 1")
if [ "$axes_ip" = "$client" ]; then pass "login lockout counts the client address ($client)"; else
  fail "login lockout (django-axes) counts '$axes_ip', not the client $client: every client behind the proxy would share one lockout"
fi

# ------------------------------------------------------------------ Celery: a monthly grant run
manage shell -c "from subsidies.tasks import refresh_monthly_runs; print(refresh_monthly_runs.delay('$PERIOD').id)" \
  >"$TMP/logs/enqueue.log" 2>&1
task_id=$(tail -1 "$TMP/logs/enqueue.log")
run_done() { [ "$(psql_db "SELECT count(*) FROM subsidies_grantrun r JOIN subsidies_subsidyscheme s ON s.id = r.scheme_id WHERE r.period = '$PERIOD-01' AND s.code = 'BT-OPERATING'")" -ge 1 ] 2>/dev/null; }
if wait_until 90 run_done && wait_until 30 grep -q "$task_id\] succeeded" "$TMP/logs/worker.log"; then
  lines=$(psql_db "SELECT count(*), coalesce(sum(l.amount), 0) FROM subsidies_grantline l JOIN subsidies_grantrun r ON r.id = l.run_id WHERE r.period = '$PERIOD-01'")
  pass "operating grant run $PERIOD done by the worker (task $task_id; lines, total: ${lines/|/, })"
else
  tail -20 "$TMP/logs/enqueue.log" "$TMP/logs/worker.log"
  fail "no operating grant run for $PERIOD"
fi
tasks=$(psql_db "SELECT count(*) FROM django_celery_beat_periodictask WHERE name NOT LIKE 'celery.%'")
if [ "${tasks:-0}" -ge 5 ]; then pass "beat keeps $tasks periodic tasks in the database"; else
  fail "periodic tasks in the database: ${tasks:-none}"
fi

# ------------------------------------------------------------------ PostgreSQL restart
# The app keeps connections open (CONN_MAX_AGE) and checks them at each request
# (CONN_HEALTH_CHECKS): after a restart the next requests must succeed.
if as_pg "$PG_BIN/pg_ctl" -D "$TMP/pgdata" -m fast -w -t 60 restart \
  -o "-h 127.0.0.1 -p $PG_PORT -k $TMP/run -c fsync=off -c synchronous_commit=off" >/dev/null 2>&1; then
  codes=""
  for _ in 1 2 3 4; do # reach every gunicorn worker's old connection
    codes+="$("${CURL[@]}" "${PROXY_HEADERS[@]}" -o /dev/null -w '%{http_code}' "$BASE/providers/") "
  done
  admin=$("${CURL[@]}" "${PROXY_HEADERS[@]}" -c "$JAR" -b "$JAR" -o /dev/null -w '%{http_code}' "$BASE/admin/subsidies/grantrun/")
  if [ "$codes" = "200 200 200 200 " ] && [ "$admin" = 200 ]; then
    pass "after a PostgreSQL restart: public pages ${codes% }, back-office $admin"
  else
    tail -20 "$TMP/logs/gunicorn.log"
    fail "after a PostgreSQL restart: public pages ${codes% }, back-office $admin"
  fi
else
  fail "PostgreSQL did not restart"
fi

# ------------------------------------------------------------------ the audit trail against the application's role
entries=$(psql_db "SELECT count(*) FROM registry_auditentry")
refused=()
allowed=()
for statement in "UPDATE registry_auditentry SET action = 'rewritten'" "DELETE FROM registry_auditentry" \
  "TRUNCATE registry_auditentry" "ALTER TABLE registry_auditentry DISABLE TRIGGER ALL" \
  "DROP TABLE registry_auditentry" "SET registry.audit_prune = 'on'; DELETE FROM registry_auditentry"; do
  if psql_app "$statement" >/dev/null; then allowed+=("$statement"); else refused+=("${statement%% *}"); fi
done
if [ ${#allowed[@]} = 0 ] && [ "$(psql_db "SELECT count(*) FROM registry_auditentry")" = "$entries" ] && [ "${entries:-0}" -gt 0 ]; then
  pass "the application role cannot ${refused[*]} the audit log ($entries entries intact)"
else
  fail "the application role could: ${allowed[*]:-nothing, but the entry count changed}"
fi
# (rolled back: a row written without the chain key would rightly break the hash chain)
if [ "$(psql_app "BEGIN; INSERT INTO registry_auditentry (at, action, actor_name, object_type, object_id, object_repr, detail) VALUES (now(), 'smoke.insert', 'smoke', '', '', '', ''); SELECT count(*) FROM registry_auditentry WHERE action = 'smoke.insert'; ROLLBACK")" = 1 ]; then
  pass "the application role adds to and reads the audit log"
else
  fail "the application role cannot add to or read the audit log"
fi
if manage verify_audit >"$TMP/logs/verify.log" 2>&1; then
  pass "verify_audit: $(tail -1 "$TMP/logs/verify.log")"
else
  cat "$TMP/logs/verify.log"
  fail "verify_audit"
fi
if manage prune_audit >"$TMP/logs/prune-app.log" 2>&1; then
  fail "prune_audit ran as the application role"
elif DATABASE_URL_FILE=$TMP/secrets/database_owner_url manage prune_audit >"$TMP/logs/prune.log" 2>&1; then
  pass "prune_audit runs as the owner role only ($(tail -1 "$TMP/logs/prune.log"))"
else
  tail -5 "$TMP/logs/prune.log"
  fail "prune_audit as the owner role"
fi

# ------------------------------------------------------------------ backup and restore drill
if manage backup >"$TMP/logs/backup.log" 2>&1; then
  pass "backup: $(head -1 "$TMP/logs/backup.log")"
else
  cat "$TMP/logs/backup.log"
  fail "manage.py backup"
fi
if manage restore_drill --mismatches-only >"$TMP/logs/drill.log" 2>&1; then
  pass "restore drill: $(tail -1 "$TMP/logs/drill.log")"
else
  cat "$TMP/logs/drill.log"
  fail "manage.py restore_drill"
fi

if grep -q "Traceback" "$TMP/logs/worker.log" "$TMP/logs/beat.log" "$TMP/logs/gunicorn.log"; then
  grep -h -A5 "Traceback" "$TMP/logs/worker.log" "$TMP/logs/beat.log" "$TMP/logs/gunicorn.log" | head -40
  fail "tracebacks in the worker, beat or gunicorn logs"
else
  pass "no tracebacks in the gunicorn, worker and beat logs"
fi

echo "smoke: $passed passed, $failed failed, $warned warnings"
[ $failed = 0 ]
