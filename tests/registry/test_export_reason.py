"""Exporting a list with ID numbers asks why first (issue 21, "Imports"): revealing one
number on a page is logged, so a file of them in full needs a reason, recorded with the
export (``DataExport.reason``) and in its audit entry. Without a reason the file is masked;
a user who may not see full numbers is never asked."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import translation
from downloads import file_bytes
from factories import ResidentFactory
from rosters_support import csv_rows, logged_in

from registry.models import DataExport
from safeguards.identifiers import make_id_number, mask_id_number
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db

PERSON = make_id_number("150203", datetime.date(1940, 1, 1), 123)
CHANGELIST = "admin:registry_resident_changelist"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def export(client, **extra):
    data = {"action": "export_csv", "select_across": "1", "_selected_action": ["0"], **extra}
    return client.post(reverse(CHANGELIST), data)


def test_the_clerk_is_asked_why_before_any_file_is_made(home, clerk, client_for):
    ResidentFactory(provider=home, id_number=PERSON)
    client = logged_in(client_for, clerk)

    page = export(client)

    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "Why are the full ID numbers needed?" in html
    assert 'name="reason"' in html and 'value="export_csv"' in html and 'name="select_across" value="1"' in html
    assert PERSON not in html
    assert not DataExport.objects.exists()
    assert not AuditEntry.objects.filter(action="data.export").exists()


def test_a_reason_gives_full_numbers_and_is_recorded_with_the_export(home, clerk, client_for):
    ResidentFactory(provider=home, id_number=PERSON)
    client = logged_in(client_for, clerk)

    response = export(client, export_choice="full", reason="  民政局核对高龄补贴名单  ")

    rows = csv_rows(file_bytes(response))
    assert [row[0] for row in rows[1:]] == [PERSON]
    record = DataExport.objects.get()
    assert (record.personal_data, record.reason, record.exported_by) == (True, "民政局核对高龄补贴名单", clerk)
    entry = AuditEntry.objects.get(action="data.export")
    assert entry.after["reason"] == "民政局核对高龄补贴名单"


def test_full_numbers_without_a_reason_are_refused_with_the_field_named(home, clerk, client_for):
    ResidentFactory(provider=home, id_number=PERSON)
    client = logged_in(client_for, clerk)

    page = export(client, export_choice="full", reason="   ")

    assert page.status_code == 200
    assert page.context["form"].errors == {
        "reason": ["Say why the full numbers are needed, or choose the masked file."]
    }
    assert not DataExport.objects.exists()


def test_the_masked_choice_needs_no_reason_and_reveals_nothing(home, clerk, client_for):
    ResidentFactory(provider=home, id_number=PERSON)
    client = logged_in(client_for, clerk)

    response = export(client, export_choice="masked", reason="")

    body = file_bytes(response)
    assert [row[0] for row in csv_rows(body)[1:]] == [mask_id_number(PERSON)]
    assert PERSON.encode() not in body
    record = DataExport.objects.get()
    assert (record.personal_data, record.reason) == (False, "")


def test_a_user_who_may_not_see_full_numbers_gets_the_masked_file_without_a_question(home, reviewer, client_for):
    ResidentFactory(provider=home, id_number=PERSON)

    response = export(logged_in(client_for, reviewer))

    assert [row[0] for row in csv_rows(file_bytes(response))[1:]] == [mask_id_number(PERSON)]
    assert DataExport.objects.get().personal_data is False
