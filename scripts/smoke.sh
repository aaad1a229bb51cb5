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
#   SMOKE_TOPOLOGY=two scripts/smoke.sh # two instances, a replica, two workers: scripts/smoke_two.sh
#
# As root, PostgreSQL runs as user "nobody"; SMOKE_APP_USER=someone runs the application
# as that user too.
set -uo pipefail

if [ "${SMOKE_TOPOLOGY:-one}" = two ]; then
  exec "$(dirname "$0")/smoke_two.sh" "$@"
fi
# shellcheck source=scripts/smoke_lib.sh
. "$(dirname "$0")/smoke_lib.sh"
WEB_PORT=$(free_port)

echo "smoke test in $TMP (nginx: $([ $USE_NGINX = 1 ] && echo yes || echo no))"

# ------------------------------------------------------------------ services
start_database_and_redis

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
export_production_settings "$ORIGIN"
install_application

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
  start_nginx "server 127.0.0.1:$WEB_PORT;"
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

if grep -q "Traceback" "$TMP/logs/worker.log" "$TMP/logs/beat.log" "$TMP/logs/gunicorn.log" "$TMP/logs/gunicorn.out"; then
  grep -h -A5 "Traceback" "$TMP/logs/worker.log" "$TMP/logs/beat.log" "$TMP/logs/gunicorn.log" "$TMP/logs/gunicorn.out" | head -40
  fail "tracebacks in the worker, beat or gunicorn logs"
else
  pass "no tracebacks in the gunicorn, worker and beat logs"
fi

echo "smoke: $passed passed, $failed failed, $warned warnings"
[ $failed = 0 ]
