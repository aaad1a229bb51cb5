"""A worker killed (SIGKILL) in the middle of the monthly grant run: after another worker
starts, the run completes exactly once — one run per scheme and month, the same lines as
a clean run — because tasks are acknowledged late, redelivered when their worker is lost,
and idempotent.

Needs the test Redis (see ``tests/celery_worker.py``); skipped without one.
"""

from __future__ import annotations

import datetime
import os
import signal
import uuid
from pathlib import Path

import pytest
from celery_worker import enqueueing_to, needs_broker, start_worker, stop, wait_for
from factories import ResidentFactory

from subsidies.models import GrantRun
from subsidies.tasks import refresh_monthly_runs

pytestmark = [
    pytest.mark.celery,
    needs_broker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TESTS = Path(__file__).resolve().parent.parent
PAUSE_MARK = "PAUSED INSIDE A GRANT RUN"
VISIBILITY = "4"  # seconds before an unacknowledged task is delivered again
TIMEOUT = 60


def lines_by_run() -> dict[tuple[str, str], list[tuple[int, str, str]]]:
    return {
        (run.scheme.code, run.period.isoformat()): sorted(
            (line.provider_id, str(line.quantity), str(line.amount)) for line in run.lines.all()
        )
        for run in GrantRun.objects.select_related("scheme").prefetch_related("lines")
    }


def test_a_grant_run_killed_midway_completes_exactly_once_on_another_worker(make_provider, tmp_path):
    for grade in (1, 3):
        provider = make_provider(grade=grade, beds=80)
        for _ in range(3):
            ResidentFactory(provider=provider, admitted_on=datetime.date(2026, 2, 1))
    queue = f"test-kill-{uuid.uuid4().hex[:8]}"
    first_log, second_log = tmp_path / "killed.log", tmp_path / "second.log"
    env = {
        "CELERY_VISIBILITY_TIMEOUT": VISIBILITY,
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }

    killed = start_worker(
        first_log,
        queue,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "worker_pause_settings",
            "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
        },
    )
    try:
        with enqueueing_to(queue):
            refresh_monthly_runs.delay("2026-10")
        wait_for(lambda: PAUSE_MARK in first_log.read_text(errors="replace"), TIMEOUT, "the run to start", first_log)
        os.killpg(killed.pid, signal.SIGKILL)  # the worker and its pool processes, mid-transaction
        killed.wait(timeout=10)
    finally:
        stop(killed)
    assert not GrantRun.objects.exists()  # the killed run's transaction left nothing behind

    second = start_worker(second_log, queue, env=env)
    try:
        wait_for(
            lambda: (
                "refresh_monthly_runs" in second_log.read_text(errors="replace")
                and "succeeded" in second_log.read_text(errors="replace")
            ),
            TIMEOUT,
            "the redelivered run to finish",
            second_log,
        )
    finally:
        stop(second)

    assert "Traceback" not in second_log.read_text(errors="replace")
    after_kill = lines_by_run()
    assert GrantRun.objects.filter(scheme__code="BT-OPERATING", period=datetime.date(2026, 10, 1)).count() == 1
    assert len(after_kill[("BT-OPERATING", "2026-10-01")]) == 2
    refresh_monthly_runs.delay("2026-10")  # a clean run, here (eager): the same lines
    assert lines_by_run() == after_kill
