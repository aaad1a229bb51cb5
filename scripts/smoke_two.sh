#!/usr/bin/env bash
# Smoke test of the deployment that grows past one machine (docs/deploy.md, "Growing past
# one machine"), on loopback: `SMOKE_TOPOLOGY=two scripts/smoke.sh` runs it.
#
# A PostgreSQL 15 primary and a streaming replica made from it with pg_basebackup -R (a
# replication role and slot, hot standby), Redis, two gunicorn instances A and B with
# config.settings.prod and DATABASE_REPLICA_URL, nginx in front with both in its upstream,
# two Celery workers with different node names (two "hosts") and exactly one beat. Then,
# against each instance directly and through nginx: a public page and the API; a session
# made on A valid on B; the public rate limit and the sign-in lockout counted across both;
# a provider changed on the primary shown by the replica's pages within
# REPLICA_MAX_LAG_SECONDS; public reads counted on the replica, an idle primary not taken
# for lag, the replica stopped (pages stay up on the primary) and started again; a grant run
# done by one worker exactly once; one beat (the workers receive a 3-second schedule's
# messages exactly as often as beat sends them); one instance stopped (nginx serves from
# the other). PASS/FAIL per step; exits 1 if any failed.
#
#   SMOKE_TOPOLOGY=two scripts/smoke.sh
#   SMOKE_TOPOLOGY=two SMOKE_KEEP=1 scripts/smoke.sh   # keep the logs
set -uo pipefail

# shellcheck source=scripts/smoke_lib.sh
. "$(dirname "$0")/smoke_lib.sh"
if [ $USE_NGINX = 0 ]; then
  echo "the two-instance smoke test needs nginx and openssl (apt-get install nginx openssl)" >&2
  exit 1
fi
WEB_A=$(free_port)
WEB_B=$(free_port)
REPLICA_PORT=$(free_port)
MAX_LAG=5      # REPLICA_MAX_LAG_SECONDS
RATE_LIMIT=8   # PUBLIC_RATE_LIMIT, per client address and window
REVIEWER=reviewer_baotou # locked out on purpose (the clerk signs in for the other checks)
mkdir -p "$TMP/replica" "$TMP/run-replica"
chmod 700 "$TMP/replica"
[ "$(id -u)" = 0 ] && chown nobody "$TMP/replica" "$TMP/run-replica"
pg_clusters+=("$TMP/replica")

echo "two-instance smoke test in $TMP"

# ------------------------------------------------------------------ primary, replica, Redis
start_database_and_redis
REPL_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
psql_replica() { "$PG_BIN/psql" -X -q -h "$TMP/run-replica" -p "$REPLICA_PORT" -U postgres -d carereg -Atc "$1" 2>>"$TMP/logs/psql.log"; }
if psql_db_admin -c "CREATE ROLE carereg_replication REPLICATION LOGIN PASSWORD '$REPL_PASSWORD'" >/dev/null &&
  PGPASSWORD=$REPL_PASSWORD as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U carereg_replication \
    -D "$TMP/replica" -R -X stream -C -S carereg_replica >"$TMP/logs/basebackup.log" 2>&1 &&
  as_pg "$PG_BIN/pg_ctl" -D "$TMP/replica" -l "$TMP/run-replica/pg.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $REPLICA_PORT -k $TMP/run-replica -c hot_standby=on -c hot_standby_feedback=on" start >/dev/null; then
  pass "replica on 127.0.0.1:$REPLICA_PORT: pg_basebackup -R from the primary (role carereg_replication, slot carereg_replica), hot standby"
else
  cat "$TMP/logs/basebackup.log" "$TMP/run-replica/pg.log" 2>/dev/null
  fatal "the replica did not start"
fi
streaming() { [ "$(psql_db "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 1 ]; }
if wait_until 30 streaming; then
  pass "the primary streams to the replica ($(psql_db "SELECT slot_name || ' active: ' || active FROM pg_replication_slots"))"
else
  fatal "the replica does not stream"
fi
echo "postgres://carereg:$DB_PASSWORD@127.0.0.1:$REPLICA_PORT/carereg" >"$TMP/secrets/database_replica_url"
chmod 600 "$TMP/secrets/database_replica_url"
[ ${#AS_APP[@]} -gt 0 ] && chown "$SMOKE_APP_USER" "$TMP/secrets/database_replica_url"

# ------------------------------------------------------------------ settings and installation
NGINX_BASE="https://$HOST:$HTTPS_PORT"
export_production_settings "$NGINX_BASE,https://127.0.0.1:$WEB_A,https://127.0.0.1:$WEB_B"
export DATABASE_REPLICA_URL_FILE=$TMP/secrets/database_replica_url
export REPLICA_MAX_LAG_SECONDS=$MAX_LAG
export PUBLIC_RATE_LIMIT=$RATE_LIMIT PUBLIC_RATE_WINDOW=600
install_application # migrate and the demo are written on the primary only: the replica gets them by streaming
primary_count=$(psql_db "SELECT count(*) FROM registry_provider")
replica_has_all() { [ "$(psql_replica "SELECT count(*) FROM registry_provider")" = "$primary_count" ]; }
if wait_until 30 replica_has_all; then pass "the replica has the primary's $primary_count providers (streamed)"; else
  fail "the replica has $(psql_replica "SELECT count(*) FROM registry_provider") providers, the primary $primary_count"
fi

# ------------------------------------------------------------------ processes
start_instance() { # start_instance NAME PORT: gunicorn and a Celery worker, as on one more host
  "${AS_APP[@]}" "$VENV/bin/gunicorn" config.wsgi --bind "127.0.0.1:$2" --workers 2 --timeout 120 \
    --forwarded-allow-ips 127.0.0.1 --no-control-socket --access-logfile "$TMP/logs/access-$1.log" \
    --error-logfile "$TMP/logs/gunicorn-$1.log" >"$TMP/logs/gunicorn-$1.out" 2>&1 &
  started "gunicorn-$1" $!
  GUNICORN_PID=$!
  "${AS_APP[@]}" "$VENV/bin/celery" -A config worker --loglevel=INFO --concurrency=1 --hostname="smoke-$1@%h" \
    >"$TMP/logs/worker-$1.log" 2>&1 &
  started "worker-$1" $!
}
start_instance a "$WEB_A"
GUNICORN_A=$GUNICORN_PID
start_instance b "$WEB_B"
"${AS_APP[@]}" "$VENV/bin/celery" -A config beat --loglevel=INFO \
  --scheduler django_celery_beat.schedulers:DatabaseScheduler >"$TMP/logs/beat.log" 2>&1 &
started beat $!

up() { [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: 127.0.0.1" "http://127.0.0.1:$1/robots.txt")" = 200 ]; }
if wait_until 90 up "$WEB_A" && wait_until 30 up "$WEB_B"; then
  pass "gunicorn A on 127.0.0.1:$WEB_A and B on 127.0.0.1:$WEB_B (production settings, DATABASE_REPLICA_URL)"
else
  tail -30 "$TMP/logs/gunicorn-a.log" "$TMP/logs/gunicorn-b.log"
  fatal "gunicorn did not start"
fi
if wait_until 90 grep -q "ready\." "$TMP/logs/worker-a.log" && wait_until 30 grep -q "ready\." "$TMP/logs/worker-b.log"; then
  nodes=$(manage shell -c "from config.celery import app; print(' '.join(sorted(n for r in app.control.ping(timeout=3) for n in r)))" 2>/dev/null | tail -1)
  if [[ "$nodes" == "smoke-a@"*" smoke-b@"* ]]; then pass "two Celery workers answer on the broker: $nodes"; else
    fail "workers answering: '$nodes'"
  fi
else
  tail -30 "$TMP/logs/worker-a.log" "$TMP/logs/worker-b.log"
  fatal "the Celery workers did not start"
fi
if wait_until 30 grep -q "beat: Starting" "$TMP/logs/beat.log"; then pass "one beat started (DatabaseScheduler)"; else
  tail -30 "$TMP/logs/beat.log"
  fatal "beat did not start"
fi
start_nginx "server 127.0.0.1:$WEB_A; server 127.0.0.1:$WEB_B;"

# ------------------------------------------------------------------ requests
# direct PORT CLIENT PATH [CURL ARGS]: straight to one instance, as nginx forwards it.
direct() {
  local port=$1 client=$2 path=$3
  shift 3
  curl -sS --max-time 30 -H "X-Forwarded-Proto: https" -H "X-Forwarded-For: $client" "$@" "http://127.0.0.1:$port$path"
}
via_nginx() { # via_nginx PATH [CURL ARGS]
  local path=$1
  shift
  curl -sS -k --max-time 30 --resolve "$HOST:$HTTPS_PORT:127.0.0.1" "$@" "$NGINX_BASE$path"
}
code_of() { "$@" -o /dev/null -w '%{http_code}'; }
login() { # login PORT JAR USER PASSWORD CLIENT: prints the POST's status and redirect
  local port=$1 jar=$2 user=$3 password=$4 client=$5 token
  direct "$port" "$client" /admin/login/ -c "$jar" -b "$jar" -o "$TMP/logs/login-page.html"
  token=$(grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' "$TMP/logs/login-page.html" | head -1 | sed 's/.*value="//; s/"$//')
  direct "$port" "$client" /admin/login/ -c "$jar" -b "$jar" -o /dev/null -w '%{http_code} %{redirect_url}' \
    -H "Referer: https://127.0.0.1:$port/admin/login/" --data-urlencode "csrfmiddlewaretoken=$token" \
    --data-urlencode "username=$user" --data-urlencode "password=$password" --data-urlencode "next=/admin/"
}

USCC=$(psql_db "SELECT uscc FROM registry_provider WHERE status = 'certified' ORDER BY id LIMIT 1")
for target in "A $WEB_A" "B $WEB_B"; do
  read -r name port <<<"$target"
  page=$(code_of direct "$port" 127.0.0.1 /providers/)
  detail=$(code_of direct "$port" 127.0.0.1 "/providers/$USCC/")
  api=$(code_of direct "$port" 127.0.0.1 /api/providers/)
  if [ "$page $detail $api" = "200 200 200" ]; then pass "instance $name: /providers/, a provider page and /api/providers/ → 200"; else
    fail "instance $name: /providers/ $page, /providers/$USCC/ $detail, /api/providers/ $api"
  fi
done
before_a=$(wc -l <"$TMP/logs/access-a.log")
before_b=$(wc -l <"$TMP/logs/access-b.log")
codes=""
for _ in $(seq 1 10); do codes+="$(code_of via_nginx /providers/) "; done
api=$(code_of via_nginx /api/providers/)
served_a=$(($(wc -l <"$TMP/logs/access-a.log") - before_a))
served_b=$(($(wc -l <"$TMP/logs/access-b.log") - before_b))
if [ "$codes" = "$(printf '200 %.0s' $(seq 1 10))" ] && [ "$api" = 200 ] && [ $served_a -gt 0 ] && [ $served_b -gt 0 ]; then
  pass "through nginx: 10 × /providers/ and /api/providers/ → 200, served by A $served_a and B $served_b times"
else
  fail "through nginx: /providers/ ${codes% }, /api/providers/ $api; served by A $served_a, B $served_b"
fi

# ------------------------------------------------------------------ shared state
JAR=$TMP/cookies.txt
out=$(login "$WEB_A" "$JAR" "$USERNAME" "$PASSWORD" 127.0.0.1)
on_b=$(code_of direct "$WEB_B" 127.0.0.1 /admin/subsidies/grantrun/ -c "$JAR" -b "$JAR")
if [[ "$out" == "302 "*"/admin/" ]] && [ "$on_b" = 200 ]; then
  pass "signed in on A ($out); the session holds on B (/admin/subsidies/grantrun/ → $on_b)"
else
  fail "signed in on A: $out; the same session on B → $on_b"
fi

client=198.51.100.20
codes=""
for _ in $(seq 1 $RATE_LIMIT); do codes+="$(code_of direct "$WEB_A" $client /api/providers/) "; done
on_b=$(code_of direct "$WEB_B" $client /api/providers/)
if [ "$codes" = "$(printf '200 %.0s' $(seq 1 $RATE_LIMIT))" ] && [ "$on_b" = 429 ]; then
  pass "the public rate limit counts across instances: $RATE_LIMIT API requests on A, the next on B → 429"
else
  fail "rate limit: on A ${codes% }; then on B $on_b (expected 429)"
fi

codes=""
for port in $WEB_A $WEB_B $WEB_A $WEB_B $WEB_A; do
  codes+="$(login "$port" "$TMP/cookies-lock.txt" "$REVIEWER" wrong-Pass-1 198.51.100.40 | cut -d' ' -f1) "
done
failures=$(psql_db "SELECT coalesce(sum(failures_since_start), 0) FROM axes_accessattempt WHERE username = '$REVIEWER'")
right=$(login "$WEB_B" "$TMP/cookies-right.txt" "$REVIEWER" "$PASSWORD" 198.51.100.41 | cut -d' ' -f1)
if [ "$right" = 429 ] && [ "$failures" = 5 ]; then
  pass "the sign-in lockout is shared: 5 wrong passwords on A, B, A, B, A (${codes% }); the right one on B from another address → 429"
else
  fail "lockout: wrong passwords ${codes% } ($failures failures recorded); the right password on B → $right (expected 429)"
fi

# ------------------------------------------------------------------ the replica
NEW_NAME="复制检查颐养中心$RANDOM"
if manage shell -c "from registry.models import Provider
p = Provider.objects.get(uscc='$USCC'); p.name = '$NEW_NAME'; p.save()" >"$TMP/logs/rename.log" 2>&1; then
  start_ms=$(date +%s%3N) # committed
  shows_new_name() { direct "$WEB_B" 127.0.0.1 "/providers/$USCC/" | grep -q "$NEW_NAME"; }
  if wait_until $MAX_LAG shows_new_name; then
    pass "a provider renamed on the primary shows on B's public page after $(($(date +%s%3N) - start_ms)) ms (REPLICA_MAX_LAG_SECONDS=$MAX_LAG)"
  else
    fail "the renamed provider is not on the public page within $MAX_LAG s"
  fi
else
  cat "$TMP/logs/rename.log"
  fail "could not rename a provider on the primary"
fi

replica_reads() { psql_replica "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'carereg'"; }
# public_reads_counted BEFORE N: N public pages on A and B; at least two transactions
# each counted by the replica's statistics since BEFORE (flushed by idle backends within
# about ten seconds; the lag checks add at most one a second per process).
public_reads_counted() {
  local before=$1 pages=$2 codes=""
  for _ in $(seq 1 $((pages / 2))); do
    codes+="$(code_of direct "$WEB_A" 127.0.0.1 /providers/) $(code_of direct "$WEB_B" 127.0.0.1 "/providers/$USCC/") "
  done
  if [ "$codes" != "$(printf '200 %.0s' $(seq 1 "$pages"))" ]; then
    echo "pages: ${codes% }"
    return 1
  fi
  grown() { [ $(($(replica_reads) - before)) -ge $((pages * 2)) ]; }
  wait_until 15 grown
}
# An idle primary is no lag: wait until the last transaction replayed is older than the
# limit; the replica must still be used.
replay_age() { psql_replica "SELECT round(extract(epoch FROM now() - pg_last_xact_replay_timestamp()))::int"; }
older_than_limit() { [ "$(replay_age)" -gt $MAX_LAG ]; }
wait_until $((MAX_LAG * 3)) older_than_limit
age=$(replay_age)
before=$(replica_reads)
if public_reads_counted "$before" 20; then
  if [ "$age" -gt $MAX_LAG ]; then
    pass "public pages read the replica ($(($(replica_reads) - before)) transactions there for 20 pages), though its last replayed transaction is $age s old: an idle primary is no lag"
  else
    pass "public pages read the replica ($(($(replica_reads) - before)) transactions there for 20 pages)"
    warn "the primary was not idle for $MAX_LAG s (last replay $age s ago): the idle-primary case was not shown"
  fi
else
  fail "public pages did not read the replica (its transactions grew by $(($(replica_reads) - before)))"
fi

APP_LOGS=("$TMP/logs/gunicorn-a.out" "$TMP/logs/gunicorn-b.out") # the application's log (stderr)
switches() { cat "${APP_LOGS[@]}" | grep -c "$1"; }
left=$(switches "database replica not usable")
back=$(switches "database replica usable again")
if as_pg "$PG_BIN/pg_ctl" -D "$TMP/replica" -m fast -w stop >/dev/null 2>&1; then
  codes=""
  for _ in $(seq 1 5); do
    codes+="$(code_of direct "$WEB_A" 127.0.0.1 /providers/) $(code_of direct "$WEB_B" 127.0.0.1 "/providers/$USCC/") "
  done
  codes+="$(code_of direct "$WEB_A" 127.0.0.1 /providers.csv)"
  if [ "$codes" = "$(printf '200 %.0s' $(seq 1 10))200" ] && [ "$(switches "database replica not usable")" -gt "$left" ]; then
    pass "replica stopped: public pages and the CSV on A and B → 200 from the primary (the switch is logged)"
  else
    fail "replica stopped: ${codes}; switches logged: $(switches "database replica not usable")"
  fi
else
  fail "could not stop the replica"
fi
if as_pg "$PG_BIN/pg_ctl" -D "$TMP/replica" -l "$TMP/run-replica/pg.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $REPLICA_PORT -k $TMP/run-replica -c hot_standby=on -c hot_standby_feedback=on" start >/dev/null &&
  wait_until 30 streaming; then
  before=$(replica_reads)
  if public_reads_counted "$before" 10 && [ "$(switches "database replica usable again")" -gt "$back" ]; then
    pass "replica started again: streaming, and public pages read it again (the switch is logged)"
  else
    fail "replica started again, but public pages do not read it"
  fi
else
  fail "the replica did not start again"
fi

# ------------------------------------------------------------------ workers and beat
manage shell -c "from subsidies.tasks import refresh_monthly_runs; print(refresh_monthly_runs.delay('$PERIOD').id)" \
  >"$TMP/logs/enqueue.log" 2>&1
task_id=$(tail -1 "$TMP/logs/enqueue.log")
runs() { psql_db "SELECT count(*) FROM subsidies_grantrun r JOIN subsidies_subsidyscheme s ON s.id = r.scheme_id WHERE r.period = '$PERIOD-01' AND s.code = 'BT-OPERATING'"; }
done_once() { [ "$(runs)" = 1 ] && grep -q "$task_id\] succeeded" "$TMP/logs/worker-a.log" "$TMP/logs/worker-b.log"; }
if wait_until 120 done_once; then
  sleep 2
  by=$(grep -l "$task_id\] received" "$TMP/logs/worker-a.log" "$TMP/logs/worker-b.log" | xargs -n1 basename | sed 's/\.log$//')
  if [ "$(wc -w <<<"$by")" = 1 ] && [ "$(grep -h "$task_id\] succeeded" "$TMP/logs/worker-a.log" "$TMP/logs/worker-b.log" | wc -l)" = 1 ] && [ "$(runs)" = 1 ]; then
    pass "grant run $PERIOD done exactly once, by $by (task $task_id; one run row)"
  else
    fail "grant run $PERIOD: received by '${by//$'\n'/ }', $(runs) run rows"
  fi
else
  tail -20 "$TMP/logs/enqueue.log" "$TMP/logs/worker-a.log" "$TMP/logs/worker-b.log"
  fail "no operating grant run for $PERIOD"
fi

# A schedule every 3 seconds. Every message beat sends is in its log; with a second beat
# somewhere the workers would receive more than this one sent.
TASK=registry.tasks.send_deferred_tasks # idempotent and cheap
manage shell -c "from django_celery_beat.models import IntervalSchedule, PeriodicTask
every, _ = IntervalSchedule.objects.get_or_create(every=3, period=IntervalSchedule.SECONDS)
PeriodicTask.objects.create(name='smoke: one beat', task='$TASK', interval=every)" >"$TMP/logs/schedule.log" 2>&1
sleep 20
manage shell -c "from django_celery_beat.models import PeriodicTask
PeriodicTask.objects.filter(name='smoke: one beat').update(enabled=False)" >>"$TMP/logs/schedule.log" 2>&1
sleep 8 # beat sees the change within 5 s; the workers receive what it sent before
sent=$(grep -c "Sending due task .*($TASK)" "$TMP/logs/beat.log")
ticks=$(grep -c "Sending due task smoke: one beat" "$TMP/logs/beat.log")
received=$(grep -h "$TASK\[.*\] received" "$TMP/logs/worker-a.log" "$TMP/logs/worker-b.log" | wc -l)
if [ "$ticks" -ge 4 ] && [ "$received" = "$sent" ] && ! grep -q "beat: Starting" "$TMP/logs/worker-a.log" "$TMP/logs/worker-b.log"; then
  pass "exactly one beat: a 3-second schedule ticked $ticks times; the workers received $received messages of $TASK, as many as beat sent; no beat inside a worker"
else
  cat "$TMP/logs/schedule.log"
  fail "beat: $ticks ticks of the 3-second schedule; beat sent $sent messages of $TASK, the workers received $received"
fi

# ------------------------------------------------------------------ one instance down
kill -TERM "$GUNICORN_A"
down() { ! up "$WEB_A"; }
wait_until 30 down
codes=""
for _ in $(seq 1 10); do codes+="$(code_of via_nginx /providers/) "; done
if [ "$codes" = "$(printf '200 %.0s' $(seq 1 10))" ]; then pass "instance A stopped: nginx serves 10 × /providers/ from B → 200"; else
  fail "instance A stopped: through nginx ${codes% }"
fi

if grep -q "Traceback" "$TMP"/logs/worker-*.log "$TMP/logs/beat.log" "$TMP"/logs/gunicorn-*; then
  grep -h -A5 "Traceback" "$TMP"/logs/worker-*.log "$TMP/logs/beat.log" "$TMP"/logs/gunicorn-* | head -40
  fail "tracebacks in the gunicorn, worker or beat logs"
else
  pass "no tracebacks in the logs of both gunicorn instances, both workers and beat"
fi

echo "smoke (two instances): $passed passed, $failed failed, $warned warnings"
[ $failed = 0 ]
