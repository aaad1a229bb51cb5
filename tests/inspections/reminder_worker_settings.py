"""Settings of a worker that stops dead at a chosen point of the reminder digests.

``REMINDER_PAUSE_AT`` names the point: ``claimed`` (the claim committed, nothing sent),
``sent`` (the first digest taken by the mail server, not yet marked sent) or ``marked``
(the first digest marked sent). Every worker process pauses right after that step, says
so in the log and sleeps, so the test can kill it exactly there. Mail goes to files in
``REMINDER_MAILBOX`` (the test reads them as the recipients' mailbox). Only
``tests/inspections/test_reminders_worker_killed.py`` uses it.
"""

from __future__ import annotations

import os
import time
from typing import Any

from celery.signals import worker_process_init

from config.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["REMINDER_MAILBOX"]

PAUSE_MARK = "PAUSED IN THE REMINDER DIGESTS AFTER"
STEPS = {"claimed": "claim_due_digests", "sent": "deliver_digest", "marked": "mark_digest_sent"}


def _pause_after_the_chosen_step(**kwargs: Any) -> None:
    from inspections import digests

    point = os.environ["REMINDER_PAUSE_AT"]
    step = getattr(digests, STEPS[point])

    def pause_after(*args: Any, **kw: Any) -> Any:
        result = step(*args, **kw)
        print(f"{PAUSE_MARK} {point}", flush=True)
        time.sleep(600)
        return result

    setattr(digests, STEPS[point], pause_after)


worker_process_init.connect(_pause_after_the_chosen_step, weak=False)
