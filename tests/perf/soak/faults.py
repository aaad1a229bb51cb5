"""The three faults of the soak, each at a known time, each recorded with when it started,
when the stack had recovered, and what was going on at that moment:

1. the Celery worker is SIGKILLed (the worker and its pool processes) while a grant run
   is in progress — seen in PostgreSQL: the worker's connection holds the lock a grant
   run's transaction takes on ``subsidies_grantrun`` — and a new worker is started;
2. Redis is stopped (cleanly: its append-only file is written) and started again after a
   few seconds; meanwhile a clerk uploads a roster and beat's tick for a grant run comes;
3. PostgreSQL is restarted once (``pg_ctl restart -m fast``), while the worker is inside a
   transaction if one comes within half a minute.

Also the RSS sampler (``/proc/PID/status`` VmRSS of every gunicorn worker and every
Celery process, every few seconds).
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg

from .browser import Recorder
from .load import GrantScheduler, RosterClerk
from .stack import WORKER_APP_NAME, Stack, redis_answers, rss_kib, wait_until

REDIS_OUTAGE = 6  # seconds Redis stays down
IN_PROGRESS_TIMEOUT = 90  # seconds to wait for a grant run (fault 1) or any task (fault 3) to be running

# The worker's backends and the tables their open transactions write.
WORKER_WRITES = """
SELECT a.pid, c.relname, round(extract(epoch FROM now() - a.xact_start)::numeric, 2)
FROM pg_stat_activity a
JOIN pg_locks l ON l.pid = a.pid AND l.granted AND l.mode = 'RowExclusiveLock'
JOIN pg_class c ON c.oid = l.relation AND c.relkind = 'r'
WHERE a.application_name = %s AND a.xact_start IS NOT NULL
"""


@dataclass
class Fault:
    name: str
    started: float  # seconds since the soak started
    recovered: float
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def worker_writes(stack: Stack) -> list[tuple[int, str, float]]:
    """(backend, table, seconds in transaction) for every table the worker is writing now."""
    try:
        with psycopg.connect(stack.superuser_dsn(), connect_timeout=3) as conn:
            return [(pid, name, float(age)) for pid, name, age in conn.execute(WORKER_WRITES, [WORKER_APP_NAME])]
    except psycopg.Error:
        return []


def kill_worker_during_grant_run(stack: Stack, recorder: Recorder, grants: GrantScheduler) -> Fault:
    task = grants.publish(purpose="fault 1: the worker is killed while it runs")
    seen: list[tuple[int, str, float]] = []

    def grant_run_in_progress() -> bool:
        nonlocal seen
        seen = worker_writes(stack)
        return any(table == "subsidies_grantrun" for _pid, table, _age in seen) and task.task_id in stack_text(stack)

    wait_until(grant_run_in_progress, IN_PROGRESS_TIMEOUT, "a grant run in progress on the worker", interval=0.05)
    killed = stack.worker
    assert killed is not None
    started = recorder.now()
    killed.kill()
    running = sorted({table for _pid, table, _age in seen})
    log = killed.text()
    unfinished = [
        task_id
        for task_id in received_ids(log)
        if f"[{task_id}] succeeded" not in log and f"[{task_id}] raised" not in log
    ]
    replacement = stack.start_worker()
    wait_until(lambda: stack.worker_ready(replacement), 120, "the new worker")
    for _n in range(2):  # its pool processes warm up as the first worker's did: a grant run each
        grants.publish(purpose="warm-up of the new worker")
    return Fault(
        "worker SIGKILLed during a grant run",
        started,
        recorder.now(),
        {
            "killed_pid": killed.pid,
            "new_worker_pid": replacement.pid,
            "grant_task": task.task_id,
            "period": task.period,
            "tables_written_when_killed": running,
            "seconds_in_transaction": max(
                (age for _pid, table, age in seen if table == "subsidies_grantrun"), default=0
            ),
            "tasks_unfinished_when_killed": unfinished,
        },
    )


def stack_text(stack: Stack) -> str:
    return stack.worker.text() if stack.worker is not None else ""


def received_ids(log: str) -> list[str]:
    ids = []
    for line in log.splitlines():
        if line.endswith("] received") and "[" in line:
            ids.append(line.rsplit("[", 1)[1].split("]", 1)[0])
    return ids


def restart_redis(stack: Stack, recorder: Recorder, grants: GrantScheduler, clerk: RosterClerk) -> Fault:
    started = recorder.now()
    stack.stop_redis()
    stopped = recorder.now()
    roster = clerk.next_roster()
    if roster is not None:
        clerk.start_flow(roster)
    refused = grants.publish(purpose="fault 2: beat's tick while Redis is down")
    time.sleep(max(0.0, REDIS_OUTAGE - (recorder.now() - stopped)))
    stack.start_redis()
    recovered = recorder.now()
    return Fault(
        "Redis restarted",
        started,
        recovered,
        {
            "down_seconds": round(recovered - stopped, 1),
            "answers_again": redis_answers(stack.redis_port),
            "roster_uploaded_while_down": roster["number"] if roster else None,
            "grant_run_published_while_down": refused.task_id or f"refused ({refused.error[:80]})",
        },
    )


def restart_postgres(stack: Stack, recorder: Recorder, grants: GrantScheduler) -> Fault:
    seen: list[tuple[int, str, float]] = []

    def worker_in_transaction() -> bool:
        nonlocal seen
        seen = worker_writes(stack)
        return bool(seen)

    try:
        wait_until(worker_in_transaction, IN_PROGRESS_TIMEOUT / 3, "a task in progress", interval=0.1)
    except RuntimeError:
        grants.publish(purpose="fault 3: a task to interrupt")
        try:
            wait_until(worker_in_transaction, IN_PROGRESS_TIMEOUT, "a task in progress", interval=0.1)
        except RuntimeError:
            seen = []
    started = recorder.now()
    stack.restart_postgres()
    return Fault(
        "PostgreSQL restarted (pg_ctl restart -m fast)",
        started,
        recorder.now(),
        {"tables_written_by_the_worker_at_restart": sorted({table for _pid, table, _age in seen})},
    )


class RssSampler:
    """VmRSS of every gunicorn worker and Celery process every ``interval`` seconds:
    rows of (role, pid, seconds since the soak started, KiB)."""

    def __init__(self, stack: Stack, recorder: Recorder, interval: float) -> None:
        self.stack, self.recorder, self.interval = stack, recorder, interval
        self.samples: list[tuple[str, int, float, int]] = []

    def sample(self) -> None:
        now = self.recorder.now()
        roles = [("web worker", pid) for pid in self.stack.gunicorn_workers()]
        celery = self.stack.celery_processes()
        roles += [("Celery worker", pid) for pid in celery[:1]] + [("Celery pool process", pid) for pid in celery[1:]]
        for role, pid in roles:
            kib = rss_kib(pid)
            if kib is not None:
                self.samples.append((role, pid, round(now, 2), kib))

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.sample()
            stop.wait(self.interval)
