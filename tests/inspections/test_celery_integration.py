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
import re
from pathlib import Path

import pytest
from celery_worker import needs_broker, running_worker, wait_for
from factories import LicenceFactory
from inspection_support import CITY_JOINT, DISTRICT_SAFETY, INTERNAL_MONTHLY

from inspections.models import InspectionTask, Notification
from inspections.planning import plan_inspections
from inspections.tasks import send_daily_reminders

DAY = "2026-12-17"  # 14 days before the Q4 / H2 / December tasks are due
RUN_TIMEOUT = 30

pytestmark = [
    pytest.mark.celery,
    needs_broker,
    # serialized_rollback: the flush after the test would otherwise drop the role groups
    # that migrations created.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def results_in(log: Path, task_ids: list[str]) -> dict[str, dict[str, int]]:
    """The return values of the given tasks, as the worker logged them on success."""
    found = {}
    for task_id in task_ids:
        match = re.search(rf"\[{task_id}\] succeeded in [0-9.]+s: (\{{.*?\}})", log.read_text(errors="replace"))
        if match:
            found[task_id] = ast.literal_eval(match.group(1))
    return found


def test_the_reminder_task_run_twice_at_once_by_a_real_worker_notifies_and_mails_once(
    regimes, make_provider, district_inspector, district_clerk, city_reviewer, tmp_path
):
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

    log = tmp_path / "worker.log"
    with running_worker(log, beat=True):
        assert "beat: Starting" in log.read_text(errors="replace")
        first = send_daily_reminders.delay(DAY)
        second = send_daily_reminders.delay(DAY)
        ids = [first.id, second.id]

        wait_for(lambda: len(results_in(log, ids)) == 2, RUN_TIMEOUT, "both tasks to finish", log)
        results = results_in(log, ids)

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
