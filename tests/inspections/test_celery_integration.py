"""A real Celery worker with embedded beat, against the test Redis and the test database:
the daily reminder task enqueued twice at once creates each notification once and sends
each digest once.

Needs the Redis that ``scripts/test_services.sh`` starts for ``make test`` (it exports
CELERY_BROKER_URL and REDIS_URL); skipped without one. The worker reads the committed
data of this test (``transaction=True``) from the pytest-django test database, and runs
tasks for real (CELERY_TASK_ALWAYS_EAGER=0 in its environment).
"""

from __future__ import annotations

import ast
import datetime
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from factories import LicenceFactory
from inspection_support import CITY_JOINT, DISTRICT_SAFETY, INTERNAL_MONTHLY

from config.celery import app as celery_app
from inspections.models import InspectionTask, Notification
from inspections.planning import plan_inspections
from inspections.tasks import send_daily_reminders

BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
BASE_DIR = Path(settings.BASE_DIR)
DAY = "2026-12-17"  # 14 days before the Q4 / H2 / December tasks are due
STARTUP_TIMEOUT = 30
RUN_TIMEOUT = 30

pytestmark = [
    pytest.mark.celery,
    pytest.mark.skipif(
        not BROKER_URL,
        reason="no test Redis: set CELERY_BROKER_URL (scripts/test_services.sh does so under `make test`)",
    ),
    # serialized_rollback: the flush after the test would otherwise drop the role groups
    # that migrations created.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_database_url() -> str:
    """DATABASE_URL of the pytest-django test database (not the configured one)."""
    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        credentials += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{s['NAME']}"


test_database_url.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def broker_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def wait_for(predicate, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text(errors='replace')[-4000:]}")


def results_in(log: Path, task_ids: list[str]) -> dict[str, dict[str, int]]:
    """The return values of the given tasks, as the worker logged them on success."""
    found = {}
    for task_id in task_ids:
        match = re.search(rf"\[{task_id}\] succeeded in [0-9.]+s: (\{{.*?\}})", log.read_text(errors="replace"))
        if match:
            found[task_id] = ast.literal_eval(match.group(1))
    return found


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)  # warm shutdown
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)  # the worker and its pool processes
            worker.wait(timeout=10)


def test_the_reminder_task_run_twice_at_once_by_a_real_worker_notifies_and_mails_once(
    regimes, make_provider, district_inspector, district_clerk, city_reviewer, tmp_path
):
    if not broker_reachable():
        pytest.fail(f"the test Redis at {BROKER_URL} does not answer")
    provider = make_provider(contact_email="home@example.cn")
    LicenceFactory(provider=provider, expires_on=datetime.date(2027, 1, 5))
    plan_inspections(on=datetime.date(2026, 12, 1))
    tasks = {t.regime.code: t for t in InspectionTask.objects.filter(provider=provider).select_related("regime")}
    expected = {
        (f"user:{district_inspector.pk}", f"task:{tasks[DISTRICT_SAFETY].pk}@-14"),
        (f"user:{district_clerk.pk}", f"task:{tasks[DISTRICT_SAFETY].pk}@-14"),
        (f"user:{city_reviewer.pk}", f"task:{tasks[CITY_JOINT].pk}@-14"),
        ("email:home@example.cn", f"task:{tasks[INTERNAL_MONTHLY].pk}@-14"),
        (f"user:{district_clerk.pk}", f"task:{tasks[INTERNAL_MONTHLY].pk}@-14"),
        ("email:home@example.cn", f"licence:{provider.licences.get().pk}"),
        (f"user:{district_clerk.pk}", f"licence:{provider.licences.get().pk}"),
    }
    addresses = {key for key, _obj in expected}

    queue = f"inspections-test-{uuid.uuid4().hex[:12]}"  # nothing else feeds or drains it
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DB_CONN_MAX_AGE": "0",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--beat",
        "--concurrency=2",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
    ]
    eager = celery_app.conf.task_always_eager
    with log.open("wb") as output:
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_for(lambda: " ready." in log.read_text(errors="replace"), STARTUP_TIMEOUT, "the worker to start", log)
        assert "beat: Starting" in log.read_text(errors="replace")

        celery_app.conf.task_always_eager = False  # this process only enqueues
        with celery_app.connection_for_write(BROKER_URL) as broker:
            first = send_daily_reminders.apply_async(args=[DAY], queue=queue, connection=broker)
            second = send_daily_reminders.apply_async(args=[DAY], queue=queue, connection=broker)
        ids = [first.id, second.id]

        wait_for(lambda: len(results_in(log, ids)) == 2, RUN_TIMEOUT, "both tasks to finish", log)
        results = results_in(log, ids)
    finally:
        celery_app.conf.task_always_eager = eager
        stop(worker)

    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-4000:]
    rows = list(Notification.objects.values_list("recipient_key", "object_key", "emailed_at"))
    assert sorted((key, obj) for key, obj, _at in rows) == sorted(expected)  # each notification once
    assert all(emailed_at is not None for _key, _obj, emailed_at in rows)
    # one digest per recipient: all of a recipient's items were claimed by one send
    for address in addresses:
        assert len({at for key, _obj, at in rows if key == address}) == 1, address
    # every recipient here has an e-mail address: the two runs sent one digest each, together
    assert sum(result["digests"] for result in results.values()) == len(addresses)
    assert max(result["created"] for result in results.values()) == len(expected)
