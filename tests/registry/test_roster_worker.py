"""A large roster uploaded in the back-office is checked and imported by a real Celery
worker: the progress page counts rows up to 100 %, the preview shows the counts, and the
confirmed import saves every row once.

Needs the test Redis (see ``tests/celery_worker.py``); skipped without one. The stored
upload goes to a folder both this process and the worker read (``TEST_MEDIA_ROOT``).
"""

from __future__ import annotations

import re

import pytest
from celery_worker import needs_broker, running_worker, wait_for
from django.urls import reverse
from factories import ProviderFactory
from rosters_support import residents_upload

from registry.models import Resident, RosterImport

pytestmark = [
    pytest.mark.celery,
    needs_broker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROWS = 3000
TIMEOUT = 60


def test_a_large_roster_is_checked_and_imported_by_a_real_worker_with_progress_to_100_percent(
    divisions, clerk, client_for, settings, tmp_path
):
    media = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}},
    }
    settings.ROSTER_BACKGROUND_ROWS = 2000
    provider = ProviderFactory()
    client = client_for(clerk)
    log = tmp_path / "worker.log"

    with running_worker(log, env={"TEST_MEDIA_ROOT": str(media)}):
        response = client.post(
            reverse("admin:registry_resident_import"), {"roster": residents_upload(provider, ROWS, name="月度名册.csv")}
        )
        upload = RosterImport.objects.get()
        preview_url = reverse("admin:registry_resident_import_preview", args=[upload.pk])
        assert response.status_code == 302 and response["Location"] == preview_url

        seen: list[int] = []

        def checked() -> bool:
            page = client.get(preview_url).content.decode()
            progress = re.search(r'<progress[^>]*max="(\d+)" value="(\d+)"', page)
            if progress:
                assert int(progress.group(1)) == ROWS
                seen.append(int(progress.group(2)))
            return RosterImport.objects.get(pk=upload.pk).status != RosterImport.Status.VALIDATING

        wait_for(checked, TIMEOUT, "the worker to check the roster", log)
        upload.refresh_from_db()
        assert (upload.status, upload.rows_done, upload.rows_total) == (RosterImport.Status.PREVIEWED, ROWS, ROWS)
        assert seen == sorted(seen) and all(0 <= n <= ROWS for n in seen)
        preview = client.get(preview_url).content.decode()
        assert str(ROWS) in preview and upload.digest in preview

        client.post(preview_url, {"digest": upload.digest})
        wait_for(
            lambda: RosterImport.objects.get(pk=upload.pk).status == RosterImport.Status.IMPORTED,
            TIMEOUT,
            "the worker to import the roster",
            log,
        )

    assert "Traceback" not in log.read_text(errors="replace")
    upload.refresh_from_db()
    assert upload.counts == {"new": ROWS, "changed": 0, "unchanged": 0}
    assert Resident.objects.filter(provider=provider).count() == ROWS
    assert Resident.history.filter(history_change_reason="名册导入").count() == ROWS
