"""The Celery application. Tasks live in each app's tasks.py and are discovered here."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.contrib.django.task import DjangoTask
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

# What publishing raises when the broker cannot be reached.
BROKER_ERRORS = (OperationalError, ConnectionError, OSError)


class ResilientTask(DjangoTask):
    """DjangoTask gives every task delay_on_commit()/apply_async_on_commit(), so a task is
    enqueued only once the transaction that created its data has committed. If the broker
    is down, the task is kept in the database and sent later (registry/deferred.py)
    instead of failing the page that asked for it."""

    def apply_async(self, args: Any = None, kwargs: Any = None, *rest: Any, **options: Any) -> Any:
        if self.app.conf.task_always_eager:
            return super().apply_async(args, kwargs, *rest, **options)
        try:
            return super().apply_async(args, kwargs, *rest, **options)
        except BROKER_ERRORS as error:
            from registry.deferred import task_defer

            task_defer(self.name, args, kwargs, options, error)
            return None


app = Celery("carereg", task_cls=ResilientTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
