#!/usr/bin/env bash
# Start the web server and a Celery worker with embedded beat; Ctrl-C stops both.
set -euo pipefail
PY=.venv/bin/python
pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

.venv/bin/celery -A config worker --beat --loglevel=info --concurrency=2 \
  --schedule=var/celerybeat-schedule &
pids+=($!)
$PY manage.py runserver 127.0.0.1:8000 &
pids+=($!)
wait -n "${pids[@]}"
