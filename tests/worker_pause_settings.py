"""Settings of a worker that stops dead in the middle of a grant run (for the SIGKILL test).

Every worker process pauses as soon as a grant run row is created — inside the run's
transaction, before any line is written — and says so in the log, so the test can kill
the worker exactly there. Only ``tests/subsidies/test_worker_killed.py`` uses it.
"""

from __future__ import annotations

import time
from typing import Any

from celery.signals import worker_process_init

from config.settings.test import *  # noqa: F403

PAUSE_MARK = "PAUSED INSIDE A GRANT RUN"


def _pause_inside_grant_runs(**kwargs: Any) -> None:
    from django.db.models.signals import post_save

    def pause(sender: Any, created: bool = False, **rest: Any) -> None:
        if created:
            print(PAUSE_MARK, flush=True)
            time.sleep(600)

    post_save.connect(pause, sender="subsidies.GrantRun", weak=False)


worker_process_init.connect(_pause_inside_grant_runs, weak=False)
