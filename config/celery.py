"""The Celery application. Tasks live in each app's tasks.py and are discovered here.

Every task is a ``safeguards.deferred.ResilientTask``: enqueued once the transaction that
created its data has committed, and kept in the database if the broker is down. The class
is named, not imported, so that this module (loaded with the settings) imports no models.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("carereg", task_cls="safeguards.deferred:ResilientTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
