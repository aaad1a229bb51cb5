"""The contact a citizen left is deleted CONCERN_CONTACT_RETENTION_DAYS after the concern was
closed (concerns/retention.py): open cases keep it however old, the case itself stays for
the statistics and the lookup, the admin says when it went, one audit entry per run, and a
second run does nothing."""

from __future__ import annotations

import datetime

import pytest
from concern_support import CONTACT, DESCRIPTION, lookup, receive
from django.conf import settings
from django.utils import timezone

from concerns.cases import concern_close, concern_start_investigation
from concerns.models import Concern, Status
from concerns.retention import contact_kept_until, delete_old_concern_contacts
from concerns.tasks import delete_old_contacts
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db

DAYS = settings.CONCERN_CONTACT_RETENTION_DAYS


def closed(home, clerk, *, days_ago: int, **fields) -> Concern:
    """A concern investigated and closed ``days_ago`` days ago."""
    concern = receive(home, days_ago=days_ago + 30, **fields)
    concern = concern_start_investigation(concern=concern, actor=clerk)
    concern = concern_close(
        concern=concern, outcome="substantiated", public_reply="已责令整改，夜班增派护理员。", actor=clerk
    )
    Concern.objects.filter(pk=concern.pk).update(closed_at=timezone.now() - datetime.timedelta(days=days_ago))
    concern.refresh_from_db()
    return concern


def test_the_contact_of_a_case_closed_long_ago_goes_and_the_case_stays(home, clerk, client) -> None:
    old = closed(home, clerk, days_ago=DAYS + 1)
    recent = closed(home, clerk, days_ago=DAYS - 1)
    still_open = receive(home, days_ago=DAYS + 60)

    assert delete_old_concern_contacts() == 1

    old.refresh_from_db()
    assert (old.contact_name, old.contact_phone, old.contact_phone_hash, old.contact_email) == ("", "", "", "")
    assert old.contact_deleted_at is not None and not old.has_contact
    assert old.description == DESCRIPTION and old.status == Status.CLOSED and old.outcome == "substantiated"
    assert "已责令整改" in lookup(client, old.reference).content.decode()  # the citizen still reads the reply
    for kept in (recent, still_open):
        kept.refresh_from_db()
        assert kept.contact_phone == CONTACT["contact_phone"] and kept.contact_deleted_at is None
    # The deleted phone no longer finds the case through its keyed hash.
    assert set(Concern.objects.filter(contact_phone=CONTACT["contact_phone"])) == {recent, still_open}


def test_one_audit_entry_per_run_and_a_second_run_does_nothing(home, clerk) -> None:
    closed(home, clerk, days_ago=DAYS + 5)
    closed(home, clerk, days_ago=DAYS + 40)
    closed(home, clerk, days_ago=DAYS + 40, contact_name="", contact_phone="", contact_email="")  # none left

    assert delete_old_contacts() == 2
    assert delete_old_contacts() == 0

    entries = AuditEntry.objects.filter(action="concern.contact_purge")
    assert entries.count() == 1
    assert entries.get().after == {"contacts_deleted": 2}
    assert CONTACT["contact_name"] not in entries.get().detail


def test_an_email_alone_is_deleted_too(home, clerk) -> None:
    concern = closed(home, clerk, days_ago=DAYS + 1, contact_name="", contact_phone="")

    assert delete_old_concern_contacts() == 1
    concern.refresh_from_db()
    assert concern.contact_email == "" and concern.contact_deleted_at is not None


def test_the_admin_says_until_when_and_then_when_the_contact_went(home, clerk, client_for, settings) -> None:
    concern = closed(home, clerk, days_ago=10)
    kept_until = timezone.localdate(concern.closed_at + datetime.timedelta(days=DAYS))
    assert contact_kept_until(concern) == kept_until
    assert contact_kept_until(receive(home)) is None
    html = client_for(clerk).get(f"/en/admin/concerns/concern/{concern.pk}/change/").content.decode()
    assert f"{kept_until:%Y-%m-%d}" in html and "赵**" in html

    settings.CONCERN_CONTACT_RETENTION_DAYS = 7
    delete_old_concern_contacts()
    html = client_for(clerk).get(f"/en/admin/concerns/concern/{concern.pk}/change/").content.decode()

    assert "Deleted on" in html and "7 days after the case was closed" in html
    assert "赵**" not in html
    assert "Show the contact" not in html


def test_the_deletion_is_scheduled_nightly() -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "concerns.tasks.delete_old_contacts" in tasks
