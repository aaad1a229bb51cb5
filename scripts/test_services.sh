#!/usr/bin/env bash
# Start a throwaway PostgreSQL and Redis on free loopback ports, run the given command
# with DATABASE_URL and CELERY_BROKER_URL pointing at them, and stop both whatever
# happens. PostgreSQL refuses to run as root, so as root it runs as user "nobody".
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PG_BIN/initdb" ]; then
  echo "PostgreSQL 15 binaries not found in $PG_BIN (set PG_BIN)" >&2
  exit 1
fi
# Debian packages the suite needs: Redis, gettext (translation check), Chromium and a
# CJK font (browser tests and their screenshots).
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v xgettext >/dev/null 2>&1 || missing+=(gettext)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing with apt: ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

TMP=$(mktemp -d /tmp/carereg-test.XXXXXX)
chmod 755 "$TMP"
PG_PORT=$(free_port)
REDIS_PORT=$(free_port)
REDIS_PID=""

as_pg_user() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u nobody -- "$@"
  else
    "$@"
  fi
}

cleanup() {
  status=$?
  as_pg_user "$PG_BIN/pg_ctl" -D "$TMP/pgdata" -m immediate stop >/dev/null 2>&1 || true
  [ -n "$REDIS_PID" ] && kill "$REDIS_PID" >/dev/null 2>&1 || true
  rm -rf "$TMP"
  exit $status
}
trap cleanup EXIT INT TERM

mkdir -p "$TMP/pgdata" "$TMP/run"
[ "$(id -u)" = 0 ] && chown -R nobody "$TMP/pgdata" "$TMP/run"
as_pg_user "$PG_BIN/initdb" -D "$TMP/pgdata" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$TMP/initdb.log" 2>&1 \
  || { cat "$TMP/initdb.log"; exit 1; }
as_pg_user "$PG_BIN/pg_ctl" -D "$TMP/pgdata" -l "$TMP/run/pg.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $PG_PORT -k $TMP/run -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null \
  || { cat "$TMP/run/pg.log"; exit 1; }

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$TMP/redis.log" 2>&1 &
REDIS_PID=$!

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/carereg"
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
export REDIS_URL="$CELERY_BROKER_URL"
echo "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT" >&2
"$@"
