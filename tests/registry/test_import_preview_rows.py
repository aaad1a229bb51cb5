"""The import preview shows the rows, not only counts (issue 21, "Imports"): the first rows
of each action — new, changed (before → after), unchanged — as the roster writes them,
and a button that cancels the pending import (the file discarded, the cancellation
audited, nothing saved)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from factories import ResidentFactory
from rosters_support import elderly_id, logged_in, resident_row, roster_file, snapshot

from registry.models import RosterImport
from safeguards.identifiers import mask_id_number
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def as_clerk(clerk, client_for):
    return logged_in(client_for, clerk)


def preview(client, rows):
    data, filename = roster_file("residents", rows)
    response = client.post(reverse("admin:registry_resident_import"), {"roster": SimpleUploadedFile(filename, data)})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page


def test_the_preview_shows_the_first_ten_new_rows_masked_and_by_label(home, as_clerk):
    rows = [resident_row(n, home.uscc) for n in range(1, 13)]

    page = preview(as_clerk, rows)

    html = page.content.decode()
    assert "New rows" in html
    table = html.split('id="roster-new"')[1].split("</table>")[0]
    # rows 2..11 of the sheet (the header is row 1): the first ten of twelve
    assert table.count("<tr><td>") == 10
    assert "<td>2</td>" in table and "<td>11</td>" in table and "<td>13</td>" not in table
    assert "The first 10 of 12 rows are shown." in html
    assert "王老人1<" in table and "半失能" in table and "高龄" in table
    # ID numbers masked on the page; never the full number
    assert mask_id_number(elderly_id(1)) in table
    assert elderly_id(1) not in html


def test_the_preview_shows_unchanged_rows_and_changed_fields_by_their_labels(home, as_clerk):
    same = ResidentFactory(
        provider=home, id_number=elderly_id(1), bed_number="B1", admitted_on=datetime.date(2025, 3, 1)
    )
    moved = ResidentFactory(
        provider=home, id_number=elderly_id(2), bed_number="B2", admitted_on=datetime.date(2025, 3, 1)
    )
    rows = [
        resident_row(1, home.uscc, 姓名=same.name, 照护等级=same.get_care_level_display(), 人员类别=""),
        resident_row(2, home.uscc, 姓名=moved.name, 床位号="C7", 照护等级="失能", 人员类别=""),
    ]
    with translation.override("zh-hans"):
        rows[0]["照护等级"] = str(same.get_care_level_display())
        before_label = str(moved.get_care_level_display())

    page = preview(as_clerk, rows)

    assert page.context["counts"] == {"new": 0, "changed": 1, "unchanged": 1}
    html = page.content.decode()
    unchanged = html.split('id="roster-unchanged"')[1].split("</table>")[0]
    assert f"<td>{same.name}</td>" in unchanged
    assert "<td>3</td><td>床位号</td><td>B2</td><td>C7</td>" in html
    assert f"<td>3</td><td>照护等级</td><td>{before_label}</td><td>失能</td>" in html
    assert "disabled</td>" not in html  # a code never stands where the label belongs


def test_cancelling_discards_the_pending_import_and_is_audited(home, clerk, as_clerk):
    page = preview(as_clerk, [resident_row(n, home.uscc) for n in range(1, 4)])
    record = RosterImport.objects.get()
    assert 'name="cancel"' in page.content.decode()
    assert record.file
    before = snapshot()

    done = as_clerk.post(page.request["PATH_INFO"], {"cancel": "1"})

    assert done.status_code == 302
    assert done["Location"] == reverse("admin:registry_resident_changelist")
    assert [m.message for m in get_messages(done.wsgi_request)] == [
        f"The import of {record.filename} was cancelled; nothing was saved."
    ]
    record.refresh_from_db()
    assert record.status == RosterImport.Status.CANCELLED
    assert not record.file
    entry = AuditEntry.objects.get(action="roster.cancel")
    assert (entry.actor, entry.object_id) == (clerk, str(record.pk))
    # confirming afterwards imports nothing
    as_clerk.post(page.request["PATH_INFO"], {"digest": record.digest})
    assert snapshot() == before
    record.refresh_from_db()
    assert record.status == RosterImport.Status.CANCELLED
    assert "cancel" not in as_clerk.get(page.request["PATH_INFO"]).content.decode().split("content-main")[1]


def test_a_rejected_file_can_be_cancelled_and_an_imported_one_cannot(home, as_clerk):
    bad = preview(as_clerk, [resident_row(1, home.uscc, 入住日期="not a date")])
    assert 'name="cancel"' in bad.content.decode()
    as_clerk.post(bad.request["PATH_INFO"], {"cancel": "1"})
    assert RosterImport.objects.get().status == RosterImport.Status.CANCELLED

    good = preview(as_clerk, [resident_row(2, home.uscc)])
    record = RosterImport.objects.filter(status=RosterImport.Status.PREVIEWED).get()
    as_clerk.post(good.request["PATH_INFO"], {"digest": record.digest})
    record.refresh_from_db()
    assert record.status == RosterImport.Status.IMPORTED

    refused = as_clerk.post(good.request["PATH_INFO"], {"cancel": "1"})

    record.refresh_from_db()
    assert record.status == RosterImport.Status.IMPORTED
    assert refused.status_code == 302
    assert not AuditEntry.objects.filter(action="roster.cancel", object_id=str(record.pk)).exists()
