# Sourced by scripts/smoke.sh (one instance) and scripts/smoke_two.sh (two instances, a
# replica): the reporting, the throwaway folder and what it holds, PostgreSQL and Redis on
# free loopback ports, the production settings with secrets from *_FILE, the installation
# steps (migrate … collectstatic) and nginx in front. Each script calls these in order.
# Everything started is stopped, and the folder deleted, on exit (SMOKE_KEEP=1 keeps the logs).

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
HTTP_PORT=$(free_port)
HTTPS_PORT=$(free_port)
pids=()
pg_clusters=("$TMP/pgdata") # data folders of the PostgreSQL servers to stop on exit

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
  for cluster in "${pg_clusters[@]}"; do
    as_pg "$PG_BIN/pg_ctl" -D "$cluster" -m immediate stop >/dev/null 2>&1 || true
  done
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

start_database_and_redis() { # the primary, its two roles and database, Redis, the secrets
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

  # The production settings' secrets, one file each.
  python3 -c 'import secrets; print(secrets.token_urlsafe(50))' >"$TMP/secrets/secret_key"
  "$VENV/bin/python" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' >"$TMP/secrets/personal_data_keys"
  python3 -c 'import secrets; print(secrets.token_hex(32))' >"$TMP/secrets/personal_data_hash_key"
  python3 -c 'import secrets; print(secrets.token_hex(32))' >"$TMP/secrets/integrity_key"
  echo "postgres://carereg:$DB_PASSWORD@127.0.0.1:$PG_PORT/carereg" >"$TMP/secrets/database_url"
  echo "postgres://carereg_owner:$OWNER_PASSWORD@127.0.0.1:$PG_PORT/carereg" >"$TMP/secrets/database_owner_url"
  [ ${#AS_APP[@]} -gt 0 ] && chown "$SMOKE_APP_USER" "$TMP"/secrets/*
  chmod 600 "$TMP"/secrets/*
}

export_production_settings() { # export_production_settings ORIGINS: what the units read from carereg.env
  export DJANGO_SETTINGS_MODULE=config.settings.prod
  export SECRET_KEY_FILE=$TMP/secrets/secret_key
  export DATABASE_URL_FILE=$TMP/secrets/database_url
  export DATABASE_APP_ROLE=carereg
  export PERSONAL_DATA_KEYS_FILE=$TMP/secrets/personal_data_keys
  export PERSONAL_DATA_HASH_KEY_FILE=$TMP/secrets/personal_data_hash_key
  export INTEGRITY_KEY_FILE=$TMP/secrets/integrity_key
  export ALLOWED_HOSTS="$HOST,127.0.0.1,localhost"
  export CSRF_TRUSTED_ORIGINS=$1
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
}

install_application() { # check, migrate, reference data, the demo, collectstatic
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
}

start_nginx() { # start_nginx "server 127.0.0.1:PORT; …": deploy/nginx/carereg.conf, its upstream replaced
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$HOST" \
    -keyout "$TMP/tls/privkey.pem" -out "$TMP/tls/fullchain.pem" >/dev/null 2>&1
  # The site as shipped, moved to free loopback ports and this checkout's folders.
  sed -E \
    -e "s/listen 80( default_server)?;/listen 127.0.0.1:$HTTP_PORT\1;/" \
    -e "s/listen 443 ssl/listen 127.0.0.1:$HTTPS_PORT ssl/" \
    -e '/listen \[::\]/d' \
    -e "s#server 127.0.0.1:8001[^;]*;#$1#" \
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
}
