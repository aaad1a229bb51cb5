"""Background tasks survive a broker outage: what cannot be enqueued is kept in the
database (``DeferredTask``) and sent again later, so a page never fails because Redis is
down and no work is lost. Every task is idempotent, so a task sent twice does no harm.

Every task is a ``ResilientTask`` (config/celery.py names it): it calls ``task_defer`` when
publishing fails; the beat schedule and ``manage.py send_deferred_tasks`` call
``deferred_tasks_send``.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from celery.contrib.django.task import DjangoTask
from django import db
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from .models import DeferredTask

logger = logging.getLogger(__name__)

# What publishing raises when the broker cannot be reached.
BROKER_ERRORS = (OperationalError, ConnectionError, OSError)
# What a query raises when the database went away (restart, failover, network).
DATABASE_LOST = (db.OperationalError, db.InterfaceError)


class ResilientTask(DjangoTask):
    """DjangoTask gives every task delay_on_commit()/apply_async_on_commit(), so a task is
    enqueued only once the transaction that created its data has committed. If the broker
    is down, the task is kept in the database and sent later instead of failing the page
    that asked for it.

    A task that loses its database connection (PostgreSQL restarted or failed over) is
    tried again after a backoff instead of failing: acknowledged late, a failed task would
    otherwise be acknowledged and lost — the monthly grant run of that night never made.
    Every task is idempotent, so trying again is safe; its transaction was undone."""

    autoretry_for = DATABASE_LOST
    retry_backoff = 2  # seconds, doubled each time (with jitter), at most retry_backoff_max
    retry_backoff_max = 60
    max_retries = 12  # 2 + 4 + … + 60 s: retries over at most about eight minutes (jitter: half on average)

    def apply_async(self, args: Any = None, kwargs: Any = None, *rest: Any, **options: Any) -> Any:
        if self.app.conf.task_always_eager:
            return super().apply_async(args, kwargs, *rest, **options)
        try:
            return super().apply_async(args, kwargs, *rest, **options)
        except BROKER_ERRORS as error:
            task_defer(self.name, args, kwargs, options, error)
            return None


def _json_options(options: dict[str, Any]) -> dict[str, Any]:
    """The publishing options worth keeping (queue, countdown …), JSON-safe."""
    kept = {}
    for name in ("queue", "routing_key", "priority", "countdown", "expires", "headers"):
        value = options.get(name)
        if isinstance(value, str | int | float | dict) and value is not None:
            kept[name] = value
    return kept


def task_defer(name: str, args: Any, kwargs: Any, options: dict[str, Any], error: BaseException) -> DeferredTask:
    logger.warning("broker unavailable, task %s deferred: %s", name, error)
    return DeferredTask.objects.create(
        task=name,
        args=list(args or ()),
        kwargs=dict(kwargs or {}),
        options=_json_options(options),
        error=f"{type(error).__name__}: {error}"[:2000],
    )


def deferred_tasks_send(*, limit: int = 1000) -> dict[str, int]:
    """Send the deferred tasks, oldest first; stop at the first failure (the broker is
    still down) and count the attempt. The rows are claimed at once with SKIP LOCKED, so two
    runs at once never send the same row twice, and marked in one statement: the number of
    queries does not grow with the rows."""
    sent: list[int] = []
    failed = 0
    with transaction.atomic():
        rows = list(
            DeferredTask.objects.select_for_update(skip_locked=True).filter(sent_at__isnull=True).order_by("pk")[:limit]
        )
        for row in rows:
            try:
                current_app.send_task(row.task, args=row.args, kwargs=row.kwargs, **row.options)
            except Exception as error:  # the broker is still away: try again next time
                DeferredTask.objects.filter(pk=row.pk).update(
                    attempts=row.attempts + 1, error=f"{type(error).__name__}: {error}"[:2000]
                )
                failed = 1
                break
            sent.append(row.pk)
        DeferredTask.objects.filter(pk__in=sent).update(sent_at=timezone.now())
    pending = DeferredTask.objects.filter(sent_at__isnull=True).count()
    return {"sent": len(sent), "failed": failed, "pending": pending}
