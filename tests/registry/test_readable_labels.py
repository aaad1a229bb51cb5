"""Issue 21: what a clerk reads instead of the codes the system keeps."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from registry.holds import hold_source_label
from registry.labels import choice_labels, plain_number, yes_no
from registry.models import ProviderStatus, ProviderStatusChange, Resident, ResidentCategory, User
from safeguards.audit import audit_record
from safeguards.audit_labels import action_label, object_type_label
from tests.downloads import file_bytes
from tests.factories import ProviderFactory, ProviderHoldFactory, ResidentFactory

pytestmark = pytest.mark.django_db


# --- Django's own strings keep their own Chinese -------------------------------------


def test_a_read_only_page_closes_with_djangos_close_not_deregister(
    clerk: User, client_for: Callable[[User], Client], divisions: dict[str, object]
) -> None:
    """A standard division is read-only for a clerk: its button says 关闭 (close the page),
    never 注销 (deregister), the project's word for closing a provider."""
    page = client_for(clerk).get(reverse("admin:registry_division_change", args=[divisions["150203"].pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "关闭" in html and "注销" not in html


def test_the_lifecycle_close_keeps_its_own_word() -> None:
    with translation.override("zh-hans"):
        assert str(ProviderStatusChange.Action.CLOSE.label) == "注销"
        assert translation.gettext("Close") == "关闭"
    with translation.override("en"):
        assert str(ProviderStatusChange.Action.CLOSE.label) == "Close"


# --- person categories: ticked by label, stored as codes ------------------------------


def test_a_clerk_ticks_person_categories_by_their_chinese_labels(
    clerk: User, client_for: Callable[[User], Client], admin_form_data: Callable[..., dict[str, object]]
) -> None:
    resident = ResidentFactory(categories=["advanced_age"])
    client = client_for(clerk)
    url = reverse("admin:registry_resident_change", args=[resident.pk])

    page = client.get(url)
    html = page.content.decode()
    assert 'type="checkbox" name="categories" value="advanced_age"' in html
    assert "高龄" in html and "低保对象" in html
    assert '["advanced_age"]' not in html

    data = admin_form_data(page)
    data["categories"] = ["dibao", "advanced_age"]
    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    resident.refresh_from_db()
    assert sorted(resident.categories) == ["advanced_age", "dibao"]  # the codes, as before


def test_a_view_only_user_reads_the_categories_as_labels(reviewer: User, client_for: Callable[[User], Client]) -> None:
    resident = ResidentFactory(categories=["extreme_poverty", "advanced_age"])

    html = client_for(reviewer).get(reverse("admin:registry_resident_change", args=[resident.pk])).content.decode()

    assert "特困人员、高龄" in html
    assert "extreme_poverty" not in html


# --- numbers, lists, booleans -----------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("19.0000", "19"), (Decimal("19.5000"), "19.5"), (Decimal("0.0000"), "0"), (None, "-")],
)
def test_head_counts_read_as_plain_numbers(stored: object, shown: str) -> None:
    assert plain_number(stored) == shown


def test_lists_of_codes_and_yes_no_read_in_the_page_language() -> None:
    with translation.override("zh-hans"):
        assert choice_labels(["advanced_age", "dibao"], ResidentCategory) == "高龄、低保对象"
        assert (yes_no(True), yes_no(False)) == ("是", "否")
    with translation.override("en"):
        assert choice_labels(["advanced_age"], ResidentCategory) == "Advanced age"
        assert (yes_no(True), yes_no(False)) == ("Yes", "No")


# --- a hold says what opened it ------------------------------------------------------------


def test_a_hold_names_the_record_that_opened_it(clerk: User, client_for: Callable[[User], Client]) -> None:
    resident = ResidentFactory()
    hold = ProviderHoldFactory(provider=resident.provider, source=f"registry.resident:{resident.pk}")

    text, url = hold_source_label(hold.source)
    html = client_for(clerk).get(reverse("admin:registry_providerhold_changelist")).content.decode()

    assert str(Resident._meta.verbose_name) in text and str(resident) in text
    assert url == reverse("admin:registry_resident_change", args=[resident.pk])
    assert f'href="{url}"' in html
    assert f"registry.resident:{resident.pk}" not in html


def test_a_hold_from_an_unknown_source_shows_the_source() -> None:
    assert hold_source_label("finding:7") == ("finding:7", None)


# --- the audit log reads as words ------------------------------------------------------------


def test_audit_actions_and_object_types_read_as_words() -> None:
    with translation.override("en"):
        assert action_label("personal_data.reveal") == "Personal data revealed"
        assert action_label("provider.close") == "Provider: closed (deregistered)"
        assert action_label("care_level_weight.change") == "Care-level weight: changed"
        assert action_label("something.new") == "something: new"  # an unknown part stays visible
        assert action_label("review.returned") == "Review: returned"  # the review flow's steps
        assert object_type_label("registry.Resident") == "Resident"
        assert object_type_label("gone.Model") == "gone.Model"
    with translation.override("zh-hans"):
        assert action_label("review.returned") == "审核：退回经办"
        assert action_label("review.approved") == "审核：审批通过"


def test_the_audit_log_list_shows_action_names_not_codes(
    superuser: User, client_for: Callable[[User], Client], divisions: dict[str, object]
) -> None:
    resident = ResidentFactory()
    audit_record("personal_data.reveal", actor=superuser, obj=resident, detail="id_number")

    html = client_for(superuser).get("/en" + reverse("admin:safeguards_auditentry_changelist")).content.decode()

    assert "Personal data revealed" in html
    visible = re.sub(r'href="[^"]*"', "", html)  # the filters' and links' addresses carry the codes
    assert "personal_data.reveal" not in visible
    assert "registry.Resident" not in visible


# --- the open data as a table a person reads ---------------------------------------------------


def test_the_readable_open_data_table_uses_labels_and_yes_no(client: Client, divisions: dict[str, object]) -> None:
    provider = ProviderFactory(status=ProviderStatus.CERTIFIED, has_medical_unit=True)

    rows = list(csv.reader(io.StringIO(file_bytes(client.get("/providers-table.csv")).decode("utf-8-sig"))))
    english = list(csv.reader(io.StringIO(file_bytes(client.get("/en/providers-table.csv")).decode("utf-8-sig"))))
    machine = list(csv.DictReader(io.StringIO(file_bytes(client.get("/providers.csv")).decode("utf-8-sig"))))

    (row,) = [r for r in rows[1:] if r[0] == provider.uscc]
    assert rows[0][:2] == ["统一社会信用代码", "名称"]
    assert {"养老机构", "非营利性", "民办", "是"} <= set(row)
    assert not {"elderly_institution", "non_profit", "private", "True", "False"} & set(row)
    (en_row,) = [r for r in english[1:] if r[0] == provider.uscc]
    assert {"Elderly-care institution", "Non-profit", "Yes"} <= set(en_row)
    # the machine-readable file keeps its field names and codes
    (machine_row,) = [r for r in machine if r["uscc"] == provider.uscc]
    assert (machine_row["kind"], machine_row["has_medical_unit"]) == ("elderly_institution", "True")
