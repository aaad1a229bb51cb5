"""Portal files nothing came of are deleted after UPLOAD_RETENTION_DAYS (issue 20,
portal/retention.py): never attached, rejected, or only on drafts and returned submissions
left that long; the evidence of submissions waiting or accepted is kept whatever its age.
One audit entry per run, a second run does nothing, a file already missing does not stop it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from factories import ProviderFactory
from portal_support import pdf_bytes, provider_user

from portal.models import Submission, Upload
from portal.retention import purge_portal_uploads
from portal.submissions import submission_save
from portal.tasks import purge_stale_uploads
from portal.uploads import EVIDENCE_TYPES, store_upload
from registry.models import User
from safeguards.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("divisions")]

S = Submission.Status
OLD = settings.UPLOAD_RETENTION_DAYS + 10


@pytest.fixture
def provider() -> Any:
    return ProviderFactory()


@pytest.fixture
def member(provider: Any) -> User:
    return provider_user(provider, "member")


def ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def sent(provider: Any, member: User, days: int, name: str = "王秀英的照片.pdf") -> Upload:
    upload = store_upload(
        provider=provider, user=member, file=SimpleUploadedFile(name, pdf_bytes()), accept=EVIDENCE_TYPES
    )
    Upload.objects.filter(pk=upload.pk).update(uploaded_at=ago(days))
    upload.refresh_from_db()
    return upload


def on_submission(provider: Any, member: User, upload: Upload, status: str, last_change_days: int) -> Submission:
    """``upload`` on a submission in ``status`` whose last change was that many days ago."""
    submission = submission_save(
        provider=provider,
        kind="vacancies",
        data={"as_of": timezone.localdate().isoformat(), "vacant": 1},
        user=member,
        uploads=[upload],
    )
    when = ago(last_change_days)
    Submission.objects.filter(pk=submission.pk).update(
        status=status,
        created_at=when,
        submitted_at=None if status == S.DRAFT else when,
        return_reason="照片不清楚" if status == S.RETURNED else "",
    )
    Submission.history.filter(id=submission.pk).update(history_date=when)
    return submission


def test_files_nothing_came_of_go_and_evidence_stays(provider: Any, member: User) -> None:
    unattached = sent(provider, member, OLD)
    rejected = sent(provider, member, OLD)
    Upload.objects.filter(pk=rejected.pk).update(status=Upload.Status.REJECTED)
    on_old_draft = sent(provider, member, OLD)
    draft = on_submission(provider, member, on_old_draft, S.DRAFT, OLD)
    on_old_return = sent(provider, member, OLD)
    on_submission(provider, member, on_old_return, S.RETURNED, OLD)
    kept = {
        "recent": sent(provider, member, 2),
        "accepted": sent(provider, member, OLD * 10),
        "waiting": sent(provider, member, OLD),
        "draft still worked on": sent(provider, member, OLD),
    }
    on_submission(provider, member, kept["accepted"], S.ACCEPTED, OLD * 10)
    on_submission(provider, member, kept["waiting"], S.SUBMITTED, OLD)
    on_submission(provider, member, kept["draft still worked on"], S.DRAFT, 3)
    gone = [unattached, rejected, on_old_draft, on_old_return]

    counts = purge_portal_uploads()

    assert counts == {"abandoned_uploads": 2, "rejected_uploads": 1, "unattached_uploads": 1}
    assert not any(default_storage.exists(u.file.name) for u in gone)
    assert not Upload.objects.filter(pk__in=[u.pk for u in gone]).exists()
    assert list(draft.uploads.all()) == []  # the draft asks for its file again
    for what, upload in kept.items():
        assert default_storage.exists(upload.file.name) and Upload.objects.filter(pk=upload.pk).exists(), what
    entry = AuditEntry.objects.get(action="portal.upload_purge")
    assert entry.actor is None and entry.after == counts
    assert "王秀英" not in entry.detail + str(entry.after) + entry.object_repr


def test_a_second_run_deletes_nothing_and_records_nothing(provider: Any, member: User) -> None:
    sent(provider, member, OLD)

    assert purge_stale_uploads() == {"unattached_uploads": 1}  # the beat task
    assert purge_stale_uploads() == {}
    assert AuditEntry.objects.filter(action="portal.upload_purge").count() == 1


def test_a_file_already_missing_does_not_stop_the_run(provider: Any, member: User) -> None:
    gone, there = sent(provider, member, OLD), sent(provider, member, OLD)
    default_storage.delete(gone.file.name)

    assert purge_portal_uploads() == {"missing_files": 1, "unattached_uploads": 2}
    assert not Upload.objects.filter(pk__in=[gone.pk, there.pk]).exists()


def test_nothing_is_purged_when_nothing_is_old_enough(provider: Any, member: User, settings: Any) -> None:
    settings.UPLOAD_RETENTION_DAYS = 90
    sent(provider, member, 60)

    assert purge_portal_uploads() == {}
    assert not AuditEntry.objects.filter(action="portal.upload_purge").exists()


def test_both_purges_are_scheduled_nightly() -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"portal.tasks.purge_stale_uploads", "registry.tasks.purge_stale_roster_files"} <= tasks
