"""The one export path of the registry: the audit log and the public open data are
recorded (``DataExport``) and audited once like every list export, and CSV streams."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from downloads import file_bytes
from factories import ProviderFactory
from public_support import RARE_EARTH_ZONE

from registry.models import DataExport, ProviderStatus
from registry.spreadsheets import csv_bytes, csv_chunks
from safeguards.audit import audit_record
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_audit_log_export_is_recorded_and_audited_once(superuser, client_for):
    audit_record("test.event", actor=superuser, detail="=1+1")
    url = reverse("admin:safeguards_auditentry_changelist")

    response = client_for(superuser).post(
        f"{url}?action__exact=test.event",
        {"action": "export_csv", "select_across": "1", "_selected_action": ["0"]},
    )

    assert isinstance(response, StreamingHttpResponse)
    rows = list(csv.reader(io.StringIO(file_bytes(response).decode("utf-8-sig"))))
    assert [(row[1], row[-1]) for row in rows[1:]] == [("test.event", "'=1+1")]
    record = DataExport.objects.get()
    assert (record.what, record.rows, record.exported_by) == ("audit-log", 1, superuser)
    assert AuditEntry.objects.filter(action="audit.export", actor=superuser).count() == 1
    assert not AuditEntry.objects.filter(action="data.export").exists()


@pytest.mark.usefixtures("public_demo", "fresh_cache")
class TestOpenData:
    def test_the_csv_streams_and_is_recorded_with_no_user_and_the_address(self, client: Client) -> None:
        response = client.get("/providers.csv", {"county": RARE_EARTH_ZONE}, REMOTE_ADDR="203.0.113.9")

        assert isinstance(response, StreamingHttpResponse)
        rows = list(csv.reader(io.StringIO(file_bytes(response).decode("utf-8-sig"))))
        record = DataExport.objects.get(what="providers")  # the demo has exported its payment file
        assert (record.what, record.file_format, record.rows, record.personal_data) == (
            "providers",
            "csv",
            len(rows) - 1,
            False,
        )
        assert record.exported_by is None
        # The demo's own downloads were a clerk's; this one is anonymous.
        entry = AuditEntry.objects.get(action="data.export", actor_name="")
        assert (entry.actor, entry.ip, entry.object_id) == (None, "203.0.113.9", str(record.pk))

    def test_each_download_is_recorded(self, client: Client) -> None:
        for _ in range(2):
            file_bytes(client.get("/providers.csv"))

        assert DataExport.objects.filter(what="providers").count() == 2
        assert AuditEntry.objects.filter(action="data.export", actor_name="").count() == 2  # not the demo's own

    def test_the_queries_of_the_whole_stream_do_not_grow_with_the_rows(self, client: Client) -> None:
        def queries(params: dict[str, str]) -> int:
            with CaptureQueriesContext(connection) as captured:
                file_bytes(client.get("/providers.csv", params))
            return len(captured)

        few = queries({"county": RARE_EARTH_ZONE})
        ProviderFactory.create_batch(120, status=ProviderStatus.CERTIFIED)

        assert queries({}) == few


def test_a_long_csv_comes_in_pieces_that_make_the_same_file():
    rows = [[n, f"=机构{n}"] for n in range(1201)]

    chunks = list(csv_chunks(["n", "name"], iter(rows)))

    assert len(chunks) == 3
    assert b"".join(chunks) == csv_bytes(["n", "name"], rows)
    assert chunks[0].startswith(b"\xef\xbb\xbfn,name\r\n0,'=\xe6")
