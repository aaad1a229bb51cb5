"""A worker killed (SIGKILL) at each point of the reminder digests: after the claim, after
the mail server took a digest, after it was marked sent. What the recipients find in their
mailbox once the next run has been, and what the worker held while it was stopped there.

A real worker (``tests/inspections/reminder_worker_settings.py``) sends the digests to
files that stand for the recipients' mailboxes and stops dead after the chosen step; the
test kills it there. Needs the test Redis (see ``tests/celery_worker.py``); skipped
without one.
"""

from __future__ import annotations

import datetime
import email
import email.header
import os
import signal
import uuid
from collections import Counter
from pathlib import Path

import pytest
from celery_worker import enqueueing_to, needs_broker, start_worker, stop, wait_for
from django.db import connection
from django.utils import timezone
from factories import LicenceFactory

from inspections.digests import CLAIM_EXPIRES_AFTER
from inspections.models import Notification
from inspections.planning import plan_inspections
from inspections.reminders import create_reminders, send_digests
from inspections.tasks import send_daily_reminders

pytestmark = [
    pytest.mark.celery,
    needs_broker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HERE = Path(__file__).resolve().parent
DAY = datetime.date(2026, 12, 17)  # 14 days before the Q4 / H2 / December tasks are due
HOME = "home@example.cn"  # the provider: its digest is the first one sent ("email:…" < "user:…")
PAUSE_MARK = "PAUSED IN THE REMINDER DIGESTS AFTER"
TIMEOUT = 60


@pytest.fixture
def reminders(regimes, make_provider, district_inspector, district_clerk, city_reviewer):
    """Today's notifications, not yet emailed: addresses → number of items in their digest."""
    provider = make_provider(contact_email=HOME)
    LicenceFactory(provider=provider, expires_on=DAY + datetime.timedelta(days=10))
    plan_inspections(on=datetime.date(2026, 12, 1))
    create_reminders(on=DAY)
    items = Counter(n.recipient.email if n.recipient else n.email for n in Notification.objects.all())
    assert len(items) == 4 and HOME in items  # the provider, inspector, clerk and reviewer
    return items


@pytest.fixture
def mailbox(tmp_path, settings):
    """The recipients' mailbox: the worker and the runs of this test deliver there."""
    folder = tmp_path / "mailbox"
    folder.mkdir()
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(folder)
    return folder


def received(mailbox: Path) -> list[tuple[str, str]]:
    """Every message delivered to the mailbox, as (to, subject)."""
    messages = []
    for path in sorted(mailbox.iterdir()):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                message = email.message_from_bytes(chunk)
                subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
                messages.append((message["To"], subject))
    return messages


def expected_digests(items: Counter[str]) -> set[tuple[str, str]]:
    return {(address, f"{count}条提醒") for address, count in items.items()}


def emailed() -> set[str]:
    return {
        n.recipient.email if n.recipient else n.email for n in Notification.objects.filter(emailed_at__isnull=False)
    }


def kill_the_worker_after(point: str, mailbox: Path, tmp_path: Path) -> int:
    """Run the daily task on a worker stopped dead after ``point``; while it is stopped
    there, run the digests here (another worker at the same moment); then kill it.
    Returns the digests that concurrent run sent."""
    queue = f"test-digest-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "killed.log"
    worker = start_worker(
        log,
        queue,
        env={
            "DJANGO_SETTINGS_MODULE": "reminder_worker_settings",
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
            "REMINDER_MAILBOX": str(mailbox),
            "REMINDER_PAUSE_AT": point,
        },
    )
    try:
        with enqueueing_to(queue):
            send_daily_reminders.delay(DAY.isoformat())
        wait_for(lambda: f"{PAUSE_MARK} {point}" in log.read_text(errors="replace"), TIMEOUT, point, log)
        with connection.cursor() as cursor:  # were the worker still holding a lock, fail, not hang
            cursor.execute("SET lock_timeout = '10s'")
        try:
            concurrent = send_digests()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its pool processes
        worker.wait(timeout=10)
    finally:
        stop(worker)
    return concurrent


def next_run() -> int:
    """The digests sent by the next run, once the dead worker's claims have expired."""
    return send_digests(now=timezone.now() + CLAIM_EXPIRES_AFTER + datetime.timedelta(minutes=1))


def test_killed_after_the_claim_each_recipient_gets_one_digest_from_the_next_run(reminders, mailbox, tmp_path):
    concurrent = kill_the_worker_after("claimed", mailbox, tmp_path)

    assert concurrent == 0  # the claim is respected, and no lock of it made that run wait
    assert received(mailbox) == []
    assert emailed() == set()

    assert next_run() == 4
    assert sorted(received(mailbox)) == sorted(expected_digests(reminders))
    assert emailed() == set(reminders)


def test_killed_after_the_mail_server_took_a_digest_that_digest_is_sent_again(reminders, mailbox, tmp_path):
    concurrent = kill_the_worker_after("sent", mailbox, tmp_path)

    assert concurrent == 0
    assert received(mailbox) == [(HOME, f"{reminders[HOME]}条提醒")]
    assert emailed() == set()  # taken by the mail server, not yet marked sent

    assert next_run() == 4
    # The one crash point that duplicates: the provider gets its digest twice, nobody else.
    delivered = Counter(received(mailbox))
    assert set(delivered) == expected_digests(reminders)
    assert delivered[(HOME, f"{reminders[HOME]}条提醒")] == 2
    assert sum(delivered.values()) == 5
    assert emailed() == set(reminders)


def test_killed_after_a_digest_was_marked_sent_it_is_not_sent_again(reminders, mailbox, tmp_path):
    concurrent = kill_the_worker_after("marked", mailbox, tmp_path)

    assert concurrent == 0
    assert received(mailbox) == [(HOME, f"{reminders[HOME]}条提醒")]
    assert emailed() == {HOME}

    assert next_run() == 3
    assert sorted(received(mailbox)) == sorted(expected_digests(reminders))
    assert emailed() == set(reminders)
    assert send_digests(now=timezone.now() + 2 * CLAIM_EXPIRES_AFTER) == 0  # and a later run: nothing
