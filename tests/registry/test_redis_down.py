"""Redis down: public pages and the back-office still serve; a task that cannot be
enqueued is kept in the database and sent once the broker answers again — nothing lost."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator

import pytest
from celery_worker import BROKER_URL, broker_reachable, forget_broker_connections
from django.core.cache import caches
from django.core.management import call_command
from django.urls import reverse
from factories import ProviderFactory, ResidentFactory
from rosters_support import residents_upload

from config.celery import app as celery_app
from registry.models import RosterImport
from safeguards.deferred import deferred_tasks_send
from safeguards.models import DeferredTask

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def cache_down(settings) -> Iterator[None]:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}}
    caches.close_all()
    yield
    caches.close_all()


@pytest.fixture
def broker(monkeypatch) -> Iterator[pytest.MonkeyPatch]:
    """Tasks are published for real (not run eagerly) to the URL the test sets."""
    saved = {k: celery_app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
    celery_app.conf.task_always_eager = False
    yield monkeypatch
    celery_app.conf.update(saved)
    forget_broker_connections()


def use_broker(monkeypatch: pytest.MonkeyPatch, url: str, queue: str = "celery") -> None:
    forget_broker_connections()
    monkeypatch.setenv("CELERY_BROKER_URL", url)  # Celery prefers it to its configuration
    celery_app.conf.update(broker_url=url, task_default_queue=queue)


@pytest.mark.parametrize(
    "url", ["/", "/providers/", "/api/providers/", "/providers.csv", "/inspections/", "/subsidies/", "/en/providers/"]
)
def test_public_pages_and_open_data_serve_with_the_cache_down(url, cache_down, divisions, client):
    ProviderFactory(status="certified")

    response = client.get(url, REMOTE_ADDR="198.51.100.20")

    assert response.status_code == 200


def test_the_back_office_serves_with_the_cache_down(cache_down, clerk, client_for):
    ResidentFactory(provider=ProviderFactory())

    response = client_for(clerk).get(reverse("admin:registry_resident_changelist"))

    assert response.status_code == 200


def test_a_large_import_with_the_broker_down_is_kept_and_sent_later(
    broker, divisions, clerk, client_for, settings, django_capture_on_commit_callbacks
):
    settings.ROSTER_BACKGROUND_ROWS = 2
    provider = ProviderFactory()
    client = client_for(clerk)
    use_broker(broker, DEAD_REDIS)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:registry_resident_import"), {"roster": residents_upload(provider, 5, encoding="utf-8")}
        )

    upload = RosterImport.objects.get()
    assert response.status_code == 302  # the clerk sees the progress page, not an error
    deferred = DeferredTask.objects.get()
    assert (deferred.task, deferred.args, deferred.sent_at) == (
        "registry.tasks.validate_roster_upload",
        [upload.pk],
        None,
    )
    assert deferred.error

    # still down: the attempt is counted, the row kept
    assert deferred_tasks_send() == {"sent": 0, "failed": 1, "pending": 1}
    assert DeferredTask.objects.get().attempts == 2

    if not BROKER_URL or not broker_reachable():
        pytest.skip("no test Redis to show the task being sent once the broker is back")
    import redis

    queue = f"test-deferred-{uuid.uuid4().hex[:8]}"
    use_broker(broker, BROKER_URL, queue)
    call_command("send_deferred_tasks", stdout=io.StringIO())
    assert DeferredTask.objects.get().sent_at is not None, DeferredTask.objects.get().error
    connection = redis.Redis.from_url(BROKER_URL)
    try:
        assert connection.llen(queue) == 1  # the task waits in the queue for a worker
        assert deferred_tasks_send() == {"sent": 0, "failed": 0, "pending": 0}  # sent once only
        assert connection.llen(queue) == 1
    finally:
        connection.delete(queue)


def test_sending_deferred_tasks_takes_the_same_queries_for_2_or_20_rows(monkeypatch, divisions):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sent: list[tuple[str, list]] = []
    monkeypatch.setattr(
        celery_app, "send_task", lambda name, args=(), kwargs=None, **options: sent.append((name, args))
    )

    def queries_for(rows: int) -> int:
        for n in range(rows):
            DeferredTask.objects.create(task="registry.tasks.validate_roster_upload", args=[n], error="down")
        with CaptureQueriesContext(connection) as captured:
            assert deferred_tasks_send() == {"sent": rows, "failed": 0, "pending": 0}
        return len(captured)

    assert queries_for(2) == queries_for(20)
    assert [args for _name, args in sent] == [[0], [1], *([n] for n in range(20))]
