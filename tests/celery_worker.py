"""A real Celery worker for integration tests (import as ``celery_worker``).

The worker runs in its own process against the test Redis (``CELERY_BROKER_URL``, set by
``scripts/test_services.sh`` under ``make test``) and the pytest-django test database, so
the tests using it need committed data (``transaction=True``). It listens on a queue of
its own, so nothing else feeds or drains it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
BASE_DIR = Path(settings.BASE_DIR)
STARTUP_TIMEOUT = 30

needs_broker = pytest.mark.skipif(
    not BROKER_URL, reason="no test Redis: set CELERY_BROKER_URL (scripts/test_services.sh does so under `make test`)"
)


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


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text(errors='replace')[-4000:]}")


def forget_broker_connections() -> None:
    """Make this process connect afresh to the broker URL now configured (Celery keeps a
    connection pool and a producer pool per URL it first used)."""
    from config.celery import app as celery_app

    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)  # warm shutdown
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)  # the worker and its pool processes
            worker.wait(timeout=10)


def start_worker(log: Path, queue: str, *, beat: bool = False, env: dict[str, str] | None = None) -> subprocess.Popen:
    """A worker process (in its own process group) consuming ``queue``, logging to ``log``."""
    if not broker_reachable():
        pytest.fail(f"the test Redis at {BROKER_URL} does not answer")
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        *(["--beat"] if beat else []),
        "--concurrency=2",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "-Q",
        queue,
        "-n",
        f"{queue}-{uuid.uuid4().hex[:4]}@%h",
    ]
    worker_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": BROKER_URL or "",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DB_CONN_MAX_AGE": "0",
        **(env or {}),
    }
    with log.open("ab") as output:
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=BASE_DIR, env=worker_env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_for(lambda: " ready." in log.read_text(errors="replace"), STARTUP_TIMEOUT, "the worker to start", log)
    except BaseException:
        stop(worker)
        raise
    return worker


@contextmanager
def enqueueing_to(queue: str) -> Iterator[None]:
    """While inside, this process publishes tasks to ``queue`` instead of running them."""
    from config.celery import app as celery_app

    saved = {k: celery_app.conf[k] for k in ("task_always_eager", "task_default_queue", "broker_url")}
    celery_app.conf.update(task_always_eager=False, task_default_queue=queue, broker_url=BROKER_URL)
    forget_broker_connections()
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        forget_broker_connections()


@contextmanager
def running_worker(log: Path, *, beat: bool = False, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start a worker (with embedded beat if asked) on a fresh queue; yields the queue name.

    While it runs, this process only enqueues: tasks are not run eagerly here and go to
    the worker's queue by default.
    """
    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = start_worker(log, queue, beat=beat, env=env)
    try:
        with enqueueing_to(queue):
            yield queue
    finally:
        stop(worker)
