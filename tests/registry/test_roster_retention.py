"""Roster files never imported are deleted after UPLOAD_RETENTION_DAYS (issue 20,
registry/rosters/retention.py): rejected, failed and abandoned uploads lose their file and
the rows the preview kept of it, the record stays (and says when), one audit entry per run,
a second run does nothing, a file already missing does not stop it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.files.storage import default_storage
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from registry.models import RosterImport, User
from registry.rosters import retention, uploads
from registry.staff import roles
from registry.tasks import purge_stale_roster_files
from safeguards.audit_labels import entry_changes
from safeguards.key_rotation import rotate_personal_data_key
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db

Status = RosterImport.Status
ROSTER = "身份证号,姓名\n150203194203080172,张桂兰\n".encode()


@pytest.fixture
def roster(clerk: User) -> Callable[..., RosterImport]:
    """An uploaded roster (its file stored, encrypted) in ``status``, ``days`` old, with
    what a preview keeps of its rows."""

    def make(status: str, days: int, filename: str = "张桂兰等.csv") -> RosterImport:
        record = uploads.upload_create(kind="residents", filename=filename, data=ROSTER, user=clerk, rows=1)
        RosterImport.objects.filter(pk=record.pk).update(
            status=status,
            created_at=timezone.now() - datetime.timedelta(days=days),
            errors=[[2, "出生日期", "“1942-13-08” 不是日期"]] if status == Status.REJECTED else [],
            error_count=1 if status == Status.REJECTED else 0,
            changes=[[2, [["姓名", "张桂兰", "张桂芝"]]]],
            samples={"new": [[2, ["150203********0172", "张桂兰"]]]},
        )
        record.refresh_from_db()
        return record

    return make


def stored(record: RosterImport) -> bool:
    return default_storage.exists(record.file.name)


def test_old_rejected_and_abandoned_files_go_and_the_records_stay(roster):
    days = settings.UPLOAD_RETENTION_DAYS + 1
    rejected, failed = roster(Status.REJECTED, days), roster(Status.FAILED, days)
    abandoned, stuck = roster(Status.PREVIEWED, days), roster(Status.VALIDATING, days)
    recent = roster(Status.REJECTED, settings.UPLOAD_RETENTION_DAYS - 1)
    running = roster(Status.RUNNING, days)  # being imported: never taken from under the import
    files = {r.pk: r.file.name for r in (rejected, failed, abandoned, stuck)}

    counts = retention.purge_roster_files()

    assert counts == {"abandoned_uploads": 2, "failed_uploads": 1, "rejected_uploads": 1}
    for record in (rejected, failed, abandoned, stuck):
        name = files[record.pk]
        record.refresh_from_db()
        assert not default_storage.exists(name) and record.file.name == ""
        assert record.file_purged_at is not None
        assert record.changes == [] and record.samples == {} and record.errors == []
        assert record.filename == "张桂兰等.csv" and record.uploaded_by is not None  # who sent what stays
    assert (rejected.status, rejected.error_count, failed.status) == (Status.REJECTED, 1, Status.FAILED)
    assert abandoned.status == stuck.status == Status.CANCELLED  # no longer importable
    for kept in (recent, running):
        kept.refresh_from_db()
        assert stored(kept) and kept.file_purged_at is None and kept.changes
    entry = AuditEntry.objects.get(action="roster.purge")
    assert entry.actor is None and entry.after == counts
    # The audit log names the counts in words, not by their keys.
    shown = entry_changes(object_type=entry.object_type, before=entry.before, after=entry.after)
    assert {label for label, _old, _new in shown}.isdisjoint(counts)
    assert "张桂兰" not in entry.detail + str(entry.after) + entry.object_repr


def test_a_second_run_deletes_nothing_and_records_nothing(roster):
    roster(Status.REJECTED, settings.UPLOAD_RETENTION_DAYS + 5)
    assert purge_stale_roster_files() == {"rejected_uploads": 1}  # the beat task

    assert purge_stale_roster_files() == {}
    assert AuditEntry.objects.filter(action="roster.purge").count() == 1


def test_a_file_already_missing_does_not_stop_the_run(roster):
    gone = roster(Status.PREVIEWED, 40)
    there = roster(Status.REJECTED, 40)
    default_storage.delete(gone.file.name)

    assert retention.purge_roster_files(now=timezone.now()) == {
        "abandoned_uploads": 1,
        "missing_files": 1,
        "rejected_uploads": 1,
    }
    there.refresh_from_db()
    gone.refresh_from_db()
    assert there.file_purged_at is not None and gone.file_purged_at is not None


def test_the_period_is_the_setting(roster, settings):
    settings.UPLOAD_RETENTION_DAYS = 90
    record = roster(Status.REJECTED, 60)

    assert retention.purge_roster_files() == {}
    assert retention.purge_roster_files(now=timezone.now() + datetime.timedelta(days=31)) == {"rejected_uploads": 1}
    record.refresh_from_db()
    assert record.file.name == ""


def test_an_imported_roster_is_left_as_it_is(roster):
    """Its file went when it was imported; the purge neither touches nor counts it."""
    imported = roster(Status.IMPORTED, 400)
    RosterImport.objects.filter(pk=imported.pk).update(file="", counts={"new": 1})

    assert retention.purge_roster_files() == {}
    imported.refresh_from_db()
    assert imported.file_purged_at is None and imported.counts == {"new": 1}


def test_a_record_confirmed_meanwhile_is_not_purged(roster):
    """Selected as abandoned, then claimed for import before its turn: left alone."""
    record = roster(Status.PREVIEWED, 40)
    RosterImport.objects.filter(pk=record.pk).update(status=Status.RUNNING)

    assert retention._purge_one(record.pk, retention.retention_cutoff(), timezone.now()) is None
    assert stored(record)


def test_the_admin_says_when_the_file_went_or_will_go(
    roster, clerk: User, make_staff: Callable[..., User], client_for: Callable[[User], Any]
):
    purged, waiting = roster(Status.PREVIEWED, 40), roster(Status.REJECTED, 2)
    retention.purge_roster_files()
    purged.refresh_from_db()
    auditor = make_staff(roles.AUDIT_ADMIN, "150200")  # the role that reads the imports' record

    listing = client_for(auditor).get(reverse("admin:registry_rosterimport_changelist")).content.decode()

    assert timezone.localtime(purged.file_purged_at).strftime("%Y-%m-%d") in listing
    until = timezone.localdate(waiting.created_at) + datetime.timedelta(days=settings.UPLOAD_RETENTION_DAYS)
    assert until.isoformat() in listing
    # The preview page of the purged upload explains, and offers no import or cancel.
    client = client_for(clerk)
    page = client.get(reverse("admin:registry_resident_import_preview", args=[purged.pk])).content.decode()
    assert 'id="roster-file-purged"' in page and 'name="digest"' not in page and 'name="cancel"' not in page
    assert client.get(reverse("admin:registry_resident_import_errors", args=[purged.pk])).status_code == 404


def test_key_rotation_rewrites_the_roster_files_still_kept(roster, settings):
    """``rotate_personal_data_key`` re-encrypts the files of uploads not imported, so the
    old key can be retired without losing a preview waiting for confirmation."""
    waiting, running = roster(Status.PREVIEWED, 1), roster(Status.RUNNING, 1)
    old_name = waiting.file.name
    old_key = settings.PERSONAL_DATA_KEYS[0]
    settings.PERSONAL_DATA_KEYS = [Fernet.generate_key().decode(), old_key]

    with TestCase.captureOnCommitCallbacks(execute=True):
        counts = rotate_personal_data_key()

    assert counts["registry_rosterimport files"] == 1 and counts["registry_rosterimport files in use, left"] == 1
    settings.PERSONAL_DATA_KEYS = settings.PERSONAL_DATA_KEYS[:1]  # the old key is retired
    waiting.refresh_from_db()
    assert waiting.file.name != old_name and not default_storage.exists(old_name)
    with uploads.opened_upload(waiting) as plain:
        assert plain.read() == ROSTER
    assert stored(running)  # left to its import
