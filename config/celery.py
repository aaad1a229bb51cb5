"""The Celery application. Tasks live in each app's tasks.py and are discovered here."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

# DjangoTask gives every task delay_on_commit()/apply_async_on_commit(), so a task is
# enqueued only once the transaction that created its data has committed.
app = Celery("carereg", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
