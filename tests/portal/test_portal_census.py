"""The monthly census through the portal (issue 18): a home sends admissions, discharges and
transfers one at a time, or its residents roster; the clerk accepts and the register
(the clerk's list, the public page's vacancies) counts them; returned with a reason, the
provider corrects it. ID numbers never lie in clear in what was sent, and are masked
wherever the reader may not see them."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from factories import ProviderFactory, ResidentFactory
from openpyxl import load_workbook
from portal_support import (
    accept,
    form_errors,
    latest,
    portal_client,
    provider_user,
    return_to_provider,
    review_page,
    send,
    text_of,
    xlsx_upload,
)

from portal.models import Submission, Upload
from registry.models import ProviderStatus, Resident, User
from registry.rosters.kinds import RESIDENTS
from safeguards.identifiers import make_id_number, mask_id_number
from safeguards.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("divisions")]

NEW_ID = make_id_number("150203", datetime.date(1941, 5, 6), 321)
HEADERS = [c.header for c in RESIDENTS.columns]


@pytest.fixture(autouse=True)
def _english() -> None:
    """Pages in English (/en/…), whatever the translations say."""
    translation.activate("en")


@pytest.fixture
def home() -> Any:
    return ProviderFactory(name="测试颐养院", status=ProviderStatus.CERTIFIED, beds=60, nursing_beds=0)


@pytest.fixture
def other_home() -> Any:
    return ProviderFactory(name="别家养老院", status=ProviderStatus.CERTIFIED, beds=40, nursing_beds=0)


def admission(day: datetime.date | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "movement": "admission",
        "day": (day or timezone.localdate()).isoformat(),
        "name": "李桂英",
        "id_number": NEW_ID,
        "care_level": "partly_disabled",
        "categories": ["advanced_age", "dibao"],
        "bed_number": "A-12",
        **fields,
    }


def stored_submission_text() -> str:
    """What the submissions table and its history hold, as the database has it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data::text FROM portal_submission UNION ALL SELECT data::text FROM portal_historicalsubmission"
        )
        return " ".join(row[0] for row in cursor.fetchall())


def public_text(provider: Any) -> str:
    return text_of(Client().get(f"/en/providers/{provider.uscc}/").content.decode())


def test_an_admission_sent_from_the_phone_is_accepted_and_counted(
    home: Any, clerk: User, client_for: Callable[[User], Client]
) -> None:
    user = provider_user(home)
    portal = portal_client(user)
    today = timezone.localdate()
    form_page = portal.get(reverse("portal:submission_new", args=[home.pk, "residents_change"])).content.decode()
    assert 'name="movement"' in form_page and 'data-movement="in"' in form_page  # the fields of each movement
    assert f"Vacant beds: 60 (as of {today:%Y-%m-%d})" in public_text(home)

    response = send(portal, home, "residents_change", admission())
    submission = latest(home, "residents_change")
    assert response.status_code == 302 and submission.status == Submission.Status.SUBMITTED
    # The ID number is not in the database in clear, and the provider's page shows it masked.
    assert NEW_ID not in stored_submission_text()
    detail = text_of(portal.get(response.url).content.decode())
    assert mask_id_number(NEW_ID) in detail and NEW_ID not in detail
    assert "Advanced age, Minimum-living-allowance recipient" in detail

    staff = client_for(clerk)
    assert NEW_ID in review_page(staff, submission)  # a district clerk may see personal data
    page = accept(staff, submission)
    assert page.status_code == 200
    submission.refresh_from_db()
    assert submission.status == Submission.Status.ACCEPTED
    resident = Resident.objects.get(provider=home)
    assert (resident.name, resident.id_number, resident.admitted_on, resident.bed_number) == (
        "李桂英",
        NEW_ID,
        today,
        "A-12",
    )
    assert sorted(resident.categories) == ["advanced_age", "dibao"]
    listed = staff.get(reverse("admin:registry_resident_changelist")).content.decode()
    assert "李桂英" in listed
    assert f"Vacant beds: 59 (as of {today:%Y-%m-%d})" in public_text(home)
    entry = AuditEntry.objects.get(action="resident.admit")
    assert entry.actor_id == clerk.pk and NEW_ID not in str(entry.after) and f"portal #{submission.pk}" in entry.detail
    assert "李桂英" in text_of(portal.get(reverse("portal:submission", args=[home.pk, submission.pk])).content.decode())


def test_a_reviewer_without_the_personal_data_permission_sees_the_id_number_masked(
    home: Any, make_staff: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    user = provider_user(home)
    send(portal_client(user), home, "residents_change", admission())
    reader = make_staff(None, "150203")
    reader.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["review_submission", "view_submission"], content_type__app_label="portal"
        )
    )
    page = review_page(client_for(reader), latest(home, "residents_change"))
    assert mask_id_number(NEW_ID) in page and NEW_ID not in page


def test_an_admission_is_refused_before_it_is_sent(home: Any) -> None:
    ResidentFactory(provider=home, id_number=NEW_ID, admitted_on=datetime.date(2024, 1, 1))
    portal = portal_client(provider_user(home))
    today = timezone.localdate()

    again = send(portal, home, "residents_change", admission())
    assert again.status_code == 200 and "2024-01-01" in form_errors(again)  # their stay here is on record
    wrong = send(
        portal, home, "residents_change", admission(id_number=NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1"))
    )
    assert wrong.status_code == 200 and "id_number" in wrong.context["form"].errors
    future = send(portal, home, "residents_change", admission(day=today + datetime.timedelta(days=1)))
    assert "day" in future.context["form"].errors
    old = send(portal, home, "residents_change", admission(day=today - datetime.timedelta(days=70)))
    assert "day" in old.context["form"].errors  # older than last month: the district office corrects it
    missing = send(portal, home, "residents_change", admission(name="", care_level=""))
    assert {"name", "care_level"} <= set(missing.context["form"].errors)
    assert not Submission.objects.exists()


def test_a_discharge_and_a_transfer_end_the_stays(home: Any, clerk: User, client_for: Callable[[User], Client]) -> None:
    leaving = ResidentFactory(provider=home, name="张老人", admitted_on=datetime.date(2024, 1, 1))
    moving = ResidentFactory(provider=home, name="赵老人", admitted_on=datetime.date(2024, 1, 1))
    portal = portal_client(provider_user(home))
    today = timezone.localdate()
    form_page = portal.get(reverse("portal:submission_new", args=[home.pk, "residents_change"])).content.decode()
    assert mask_id_number(leaving.id_number) in form_page and leaving.id_number not in form_page

    send(portal, home, "residents_change", {"movement": "discharge", "day": today.isoformat(), "resident": leaving.pk})
    discharge = latest(home, "residents_change")
    no_destination = send(
        portal, home, "residents_change", {"movement": "transfer", "day": today.isoformat(), "resident": moving.pk}
    )
    assert "note" in no_destination.context["form"].errors  # a transfer names where the person goes
    send(
        portal,
        home,
        "residents_change",
        {"movement": "transfer", "day": today.isoformat(), "resident": moving.pk, "note": "青山区康乐养老院"},
    )
    transfer = latest(home, "residents_change")

    staff = client_for(clerk)
    accept(staff, discharge)
    accept(staff, transfer)
    leaving.refresh_from_db()
    moving.refresh_from_db()
    assert leaving.discharged_on == today and moving.discharged_on == today
    transfer.refresh_from_db()
    assert "青山区康乐养老院" in transfer.result
    assert AuditEntry.objects.filter(action="resident.discharge", after__note="青山区康乐养老院").exists()
    # A resident already discharged: refused on the form, nothing kept.
    again = send(
        portal, home, "residents_change", {"movement": "discharge", "day": today.isoformat(), "resident": leaving.pk}
    )
    assert f"Discharged on {today:%Y-%m-%d} already" in form_errors(again)
    assert Submission.objects.filter(provider=home).count() == 2


def test_an_admission_sharing_days_with_another_stay_is_recorded_and_flagged(
    home: Any, other_home: Any, clerk: User, client_for: Callable[[User], Client]
) -> None:
    ResidentFactory(provider=other_home, id_number=NEW_ID, admitted_on=datetime.date(2024, 1, 1))
    send(portal_client(provider_user(home)), home, "residents_change", admission())
    submission = latest(home, "residents_change")
    accept(client_for(clerk), submission)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.ACCEPTED
    assert "the district office decides which stay counts" in submission.result
    assert other_home.name not in submission.result  # the provider learns nothing of the other stay's home
    overlaps = client_for(clerk).get(reverse("admin:registry_overlappingstay_changelist")).content.decode()
    assert overlaps.count(mask_id_number(NEW_ID)) >= 2  # both stays on the clerks' list


def test_returned_with_a_reason_then_corrected_and_sent_again(
    home: Any, clerk: User, client_for: Callable[[User], Client]
) -> None:
    portal = portal_client(provider_user(home))
    send(portal, home, "residents_change", admission(bed_number="A-99"))
    submission = latest(home, "residents_change")
    staff = client_for(clerk)
    return_to_provider(staff, submission, "床位号有误，请核对")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RETURNED
    assert "床位号有误，请核对" in text_of(portal.get(reverse("portal:provider", args=[home.pk])).content.decode())
    edit = portal.get(reverse("portal:submission_edit", args=[home.pk, submission.pk])).content.decode()
    assert NEW_ID in edit  # the provider corrects its own entry
    portal.post(
        reverse("portal:submission_edit", args=[home.pk, submission.pk]), {**admission(bed_number="A-12"), "draft": "1"}
    )
    detail = portal.get(reverse("portal:submission", args=[home.pk, submission.pk])).content.decode()
    assert reverse("portal:submission_send", args=[home.pk, submission.pk]) in detail  # send the correction from here
    portal.post(reverse("portal:submission_send", args=[home.pk, submission.pk]))
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    accept(staff, submission)
    assert Resident.objects.get(provider=home).bed_number == "A-12"


# --- The residents roster ------------------------------------------------------------------


def roster_row(provider: Any, number: str, name: str, **cells: Any) -> dict[str, Any]:
    return {
        "身份证号": number,
        "姓名": name,
        "机构统一社会信用代码": provider.uscc,
        "床位号": "",
        "入住日期": (timezone.localdate() - datetime.timedelta(days=10)).isoformat(),
        "照护等级": "半失能",
        "人员类别": "高龄",
        **cells,
    }


def test_the_roster_is_checked_for_the_provider_then_imported_as_previewed(
    home: Any, clerk: User, client_for: Callable[[User], Client]
) -> None:
    stays = ResidentFactory(provider=home, name="张老人", care_level="self_care")
    user = provider_user(home)
    portal = portal_client(user)
    first = make_id_number("150203", datetime.date(1939, 2, 3), 11)
    second = make_id_number("150203", datetime.date(1938, 4, 5), 12)
    rows = [
        roster_row(home, first, "新老人甲"),
        roster_row(home, second, "新老人乙"),
        roster_row(home, stays.id_number, "张老人", 入住日期="2024-01-01", 照护等级="失能", 床位号=stays.bed_number),
    ]
    checked = portal.post(
        reverse("portal:submission_new", args=[home.pk, "residents_roster"]),
        {"note": "三月名册", "files": xlsx_upload(HEADERS, rows), "draft": "1"},
    )
    assert checked.status_code == 302, form_errors(checked)
    submission = latest(home, "residents_roster")
    assert submission.status == Submission.Status.DRAFT  # checked, not yet sent
    preview = text_of(portal.get(checked.url).content.decode())
    assert "2 new rows, 1 changed, 0 unchanged." in preview
    assert "照护等级: 自理 → 失能" in preview and "新老人甲、新老人乙" in preview
    assert Resident.objects.filter(provider=home).count() == 1  # nothing imported yet

    portal.post(reverse("portal:submission_send", args=[home.pk, submission.pk]))
    staff = client_for(clerk)
    assert "新老人乙" in review_page(staff, submission)
    accept(staff, submission)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.ACCEPTED, submission.result
    assert set(Resident.objects.filter(provider=home).values_list("name", flat=True)) == {
        "张老人",
        "新老人甲",
        "新老人乙",
    }
    stays.refresh_from_db()
    assert stays.care_level == "disabled"
    entry = AuditEntry.objects.get(action="roster.import")
    assert entry.actor_id == clerk.pk and entry.after["new"] == 2 and entry.after["changed"] == 1


def test_row_errors_are_shown_before_anything_is_kept(home: Any, other_home: Any) -> None:
    portal = portal_client(provider_user(home))
    good = make_id_number("150203", datetime.date(1939, 2, 3), 11)
    rows = [
        roster_row(home, good, "新老人甲"),
        roster_row(home, "150203193902031234", "坏号码"),
        roster_row(other_home, make_id_number("150203", datetime.date(1937, 1, 1), 13), "别家老人"),
    ]
    response = portal.post(
        reverse("portal:submission_new", args=[home.pk, "residents_roster"]),
        {"files": xlsx_upload(HEADERS, rows), "draft": "1"},
    )
    assert response.status_code == 200
    errors = form_errors(response)
    assert "row 3, 身份证号" in errors and "row 4, 机构统一社会信用代码: Not the code of 测试颐养院" in errors
    assert other_home.name not in errors and "row 2" not in errors
    assert not Submission.objects.exists() and not Upload.objects.exists()
    assert not Resident.objects.filter(provider=other_home).exists()


def test_a_roster_whose_data_changed_since_its_check_is_not_imported(
    home: Any, clerk: User, client_for: Callable[[User], Client]
) -> None:
    stays = ResidentFactory(provider=home, name="张老人", care_level="self_care")
    portal = portal_client(provider_user(home))
    rows = [
        roster_row(home, stays.id_number, "张老人", 入住日期="2024-01-01", 照护等级="失能", 床位号=stays.bed_number)
    ]
    portal.post(
        reverse("portal:submission_new", args=[home.pk, "residents_roster"]),
        {"files": xlsx_upload(HEADERS, rows), "draft": "1"},
    )
    submission = latest(home, "residents_roster")
    portal.post(reverse("portal:submission_send", args=[home.pk, submission.pk]))
    Resident.objects.filter(pk=stays.pk).update(bed_number="Z-1")  # a clerk changed the stay meanwhile
    accept(client_for(clerk), submission)
    submission.refresh_from_db()
    stays.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED and stays.care_level == "self_care"
    assert not AuditEntry.objects.filter(action="roster.import").exists()


def test_a_roster_needs_its_file(home: Any) -> None:
    portal = portal_client(provider_user(home))
    response = portal.post(reverse("portal:submission_new", args=[home.pk, "residents_roster"]), {"draft": "1"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    page = portal.get(reverse("portal:submission_new", args=[home.pk, "residents_roster"])).content.decode()
    assert 'name="draft"' in page and 'name="submit"' not in page  # checked first, sent from the result


def test_the_provider_downloads_the_roster_spreadsheet_with_its_own_code(home: Any) -> None:
    portal = portal_client(provider_user(home))
    form = portal.get(reverse("portal:submission_new", args=[home.pk, "residents_roster"])).content.decode()
    template_url = reverse("portal:roster_template", args=[home.pk, "residents_roster"])
    assert template_url in form
    response = portal.get(template_url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][: len(HEADERS)] == HEADERS
    assert rows[1][HEADERS.index("机构统一社会信用代码")] == home.uscc
