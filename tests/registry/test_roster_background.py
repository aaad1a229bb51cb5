"""Large rosters are checked and imported by Celery tasks, with progress shown."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from factories import ProviderFactory
from rosters_support import residents_upload

from registry.models import Resident, RosterImport
from registry.rosters import uploads
from registry.rosters.formats import stream_table
from registry.tasks import apply_roster_upload
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_a_large_roster_is_checked_then_imported_in_the_background(
    divisions, clerk, client_for, settings, django_capture_on_commit_callbacks
):
    settings.ROSTER_BACKGROUND_ROWS = 2
    provider = ProviderFactory()
    client = client_for(clerk)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:registry_resident_import"), {"roster": residents_upload(provider, 5)})
    upload = RosterImport.objects.get()
    assert response.status_code == 302
    assert (upload.status, upload.rows_done, upload.rows_total) == (RosterImport.Status.PREVIEWED, 5, 5)
    assert upload.counts == {"new": 5, "changed": 0, "unchanged": 0}

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:registry_resident_import_preview", args=[upload.pk]), {"digest": upload.digest})

    upload.refresh_from_db()
    assert upload.status == RosterImport.Status.IMPORTED
    assert Resident.objects.filter(provider=provider).count() == 5


def test_the_progress_page_shows_rows_checked(divisions, clerk, client_for, settings):
    settings.ROSTER_BACKGROUND_ROWS = 2
    provider = ProviderFactory()
    client = client_for(clerk)
    client.post(reverse("admin:registry_resident_import"), {"roster": residents_upload(provider, 5)})
    upload = RosterImport.objects.get()  # the task waits for the commit that never comes in this test
    RosterImport.objects.filter(pk=upload.pk).update(rows_done=3)

    page = client.get(reverse("admin:registry_resident_import_preview", args=[upload.pk])).content.decode()

    assert 'max="5" value="3"' in page and 'http-equiv="refresh"' in page


def test_the_same_file_cannot_run_twice_at_once_in_one_district(divisions, clerk, client_for):
    provider = ProviderFactory()
    client_for(clerk).post(reverse("admin:registry_resident_import"), {"roster": residents_upload(provider, 2)})
    first = RosterImport.objects.get()
    second = RosterImport.objects.create(
        kind="residents",
        filename="roster.csv",
        sha256=first.sha256,
        jurisdiction=first.jurisdiction,
        uploaded_by=clerk,
        status=RosterImport.Status.PREVIEWED,
    )
    RosterImport.objects.filter(pk=first.pk).update(status=RosterImport.Status.RUNNING)

    with translation.override("en"), pytest.raises(ValidationError, match="being imported"):
        uploads.upload_claim(second)
    assert RosterImport.objects.get(pk=second.pk).status == RosterImport.Status.PREVIEWED


def test_a_background_import_refused_because_the_data_changed_shows_the_new_preview(
    divisions, clerk, client_for, settings, django_capture_on_commit_callbacks
):
    settings.ROSTER_BACKGROUND_ROWS = 2
    provider = ProviderFactory()
    client = client_for(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:registry_resident_import"), {"roster": residents_upload(provider, 5)})
    upload = RosterImport.objects.get()
    preview = reverse("admin:registry_resident_import_preview", args=[upload.pk])
    # someone registers one of the five at the provider between the preview and the confirmation
    Resident.objects.create(
        provider=provider, name="先登记", id_number=first_id_number(upload), admitted_on="2025-01-01"
    )

    with django_capture_on_commit_callbacks(execute=True):
        client.post(preview, {"digest": upload.digest})
    page = client.get(preview)

    upload.refresh_from_db()
    assert upload.status == RosterImport.Status.PREVIEWED
    assert Resident.objects.filter(provider=provider).count() == 1
    with translation.override("zh-hans"):
        assert upload.notice == str(_("The data changed since the preview; preview the file again."))
    html = page.content.decode()
    assert upload.notice in html and 'name="digest"' in html  # the new plan can be confirmed
    assert page.context["counts"] == {"new": 4, "changed": 1, "unchanged": 0}

    with django_capture_on_commit_callbacks(execute=True):
        client.post(preview, {"digest": upload.digest})
    upload.refresh_from_db()
    assert (upload.status, upload.notice, upload.changes) == (RosterImport.Status.IMPORTED, "", [])
    assert Resident.objects.filter(provider=provider).count() == 5


def first_id_number(upload: RosterImport) -> str:
    with uploads.opened_upload(upload) as file:
        _header, rows = stream_table(file, upload.filename)
        return next(rows)[0]  # the ID number is the roster's first column


def previewed_upload(client, provider, rows: int, capture) -> RosterImport:
    with capture(execute=True):
        client.post(reverse("admin:registry_resident_import"), {"roster": residents_upload(provider, rows)})
    upload = RosterImport.objects.get()
    assert upload.status == RosterImport.Status.PREVIEWED
    return upload


def test_an_import_left_running_by_a_dead_worker_is_imported_when_its_task_comes_again(
    divisions, clerk, client_for, settings, django_capture_on_commit_callbacks
):
    """A worker killed (or cut off from its database) after claiming the upload: its import
    transaction died with it, the upload still says "importing". The task, delivered again
    (acks_late) or tried again, imports it — once."""
    settings.ROSTER_BACKGROUND_ROWS = 2
    provider = ProviderFactory()
    upload = previewed_upload(client_for(clerk), provider, 5, django_capture_on_commit_callbacks)
    assert uploads.upload_claim(upload)  # … and the worker dies here

    apply_roster_upload.delay(upload.pk, upload.digest)
    apply_roster_upload.delay(upload.pk, upload.digest)  # delivered once more: nothing twice

    upload.refresh_from_db()
    assert upload.status == RosterImport.Status.IMPORTED
    assert Resident.objects.filter(provider=provider).count() == 5
    assert AuditEntry.objects.filter(action="roster.import", object_id=str(upload.pk)).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_another_worker_holds_is_left_to_it(divisions, clerk, client_for, settings):
    settings.ROSTER_BACKGROUND_ROWS = 2
    provider = ProviderFactory()
    client = client_for(clerk)
    client.post(reverse("admin:registry_resident_import"), {"roster": residents_upload(provider, 5)})
    upload = RosterImport.objects.get()
    uploads.upload_validate(upload)  # the check's task (its commit never comes in this test)
    upload.refresh_from_db()
    assert uploads.upload_claim(upload)
    holding, release = threading.Event(), threading.Event()

    def importing_worker() -> None:  # holds the upload's row, as an import in progress does
        with transaction.atomic():
            RosterImport.objects.select_for_update().get(pk=upload.pk)
            holding.set()
            release.wait(10)
        connection.close()

    worker = threading.Thread(target=importing_worker)
    worker.start()
    try:
        assert holding.wait(10)
        assert apply_roster_upload.delay(upload.pk, upload.digest).get() == "nothing to do"
    finally:
        release.set()
        worker.join()
    assert Resident.objects.filter(provider=provider).count() == 0
    assert RosterImport.objects.get(pk=upload.pk).status == RosterImport.Status.RUNNING
