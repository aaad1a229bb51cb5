"""The clerk's side of grades and credit disclosure (issue 19): a grade recorded on its
admin page closes the previous one; the provider's page lists grades and disclosures; an
objection is recorded and decided in the admin; the provider form no longer edits the
grade itself; a roster's grade column records a grade."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from factories import ProviderFactory

from registry.disclosure import disclosure_save
from registry.models import CreditDisclosure, CreditObjection, Provider, ProviderGrade, ProviderStatus

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def home(divisions) -> Provider:
    return ProviderFactory(status=ProviderStatus.CERTIFIED, name="后台评级养老院", grade=2)


def test_a_clerk_records_a_grade_and_the_provider_page_lists_the_history(home, clerk, client_for):
    client = client_for(clerk)
    response = client.post(
        reverse("admin:registry_providergrade_add"),
        {
            "provider": home.pk,
            "grade": 4,
            "standard": "《养老机构等级划分与评定》（GB/T 37276-2018）",
            "assessor": "包头市民政局",
            "assessed_on": "2026-06-01",
            "valid_from": "2026-07-01",
            "valid_until": "",
            "notes": "",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    grades = list(
        ProviderGrade.objects.filter(provider=home).order_by("valid_from").values_list("grade", "valid_until")
    )
    assert grades == [(2, D(2026, 6, 30)), (4, None)]
    assert Provider.objects.get(pk=home.pk).grade == 4
    page = client.get(reverse("admin:registry_provider_change", args=[home.pk])).content.decode()
    assert "等级评定" in page and "包头市民政局" in page
    assert f"{reverse('admin:registry_providergrade_add')}?provider={home.pk}" in page  # "Record a grade"


def test_an_overlapping_grade_is_refused_on_the_form(home, clerk, client_for):
    client = client_for(clerk)
    response = client.post(
        reverse("admin:registry_providergrade_add"),
        {
            "provider": home.pk,
            "grade": 3,
            "standard": "x",
            "assessor": "包头市民政局",
            "assessed_on": "2019-01-01",
            "valid_from": "2019-01-01",
            "valid_until": "2021-12-31",
        },
    )

    assert response.status_code == 200
    assert "的2★等级重叠" in str(response.context["adminform"].form.errors)
    assert ProviderGrade.objects.filter(provider=home).count() == 1


def test_the_provider_form_shows_the_grade_without_editing_it(home, clerk, client_for):
    page = client_for(clerk).get(reverse("admin:registry_provider_change", args=[home.pk]))

    assert "grade" not in page.context["adminform"].form.fields


def test_a_clerk_records_an_objection_and_decides_it(home, clerk, client_for):
    fine = disclosure_save(
        disclosure=CreditDisclosure(
            provider=home,
            kind=CreditDisclosure.Kind.PENALTY,
            decision_number="包昆消行罚决字〔2026〕第0007号",
            decided_on=timezone.localdate() - datetime.timedelta(days=30),
            authority="包头市昆都仑区消防救援大队",
            content="罚款人民币伍仟元。",
            legal_basis="《中华人民共和国消防法》第六十条",
            penalty_type=CreditDisclosure.PenaltyType.FINE,
            fine_yuan=Decimal("5000.00"),
        ),
        actor=clerk,
    )
    client = client_for(clerk)
    today = timezone.localdate()
    added = client.post(
        reverse("admin:registry_creditobjection_add"),
        {
            "disclosure": fine.pk,
            "record": "",
            "received_on": today.isoformat(),
            "raised_by": "机构负责人",
            "grounds": "金额有误",
        },
    )
    assert added.status_code == 302, added.context["adminform"].form.errors
    objection = CreditObjection.objects.get()
    assert (objection.provider, objection.status, objection.recorded_by) == (home, "received", clerk)

    listed = client.get(reverse("admin:registry_creditobjection_changelist")).content.decode()
    assert ">处理<" in listed or "处理</a>" in listed
    decided = client.post(
        reverse("admin:registry_creditobjection_decide", args=[objection.pk]),
        {
            "upheld": "1",
            "decided_on": today.isoformat(),
            "outcome_text": "更正罚款金额。",
            "corrected_content": "罚款人民币叁仟元。",
        },
    )

    assert decided.status_code == 302
    fine.refresh_from_db()
    assert (fine.content, fine.corrected_on) == ("罚款人民币叁仟元。", today)


def test_a_roster_grade_column_records_a_grade(home, superuser):
    from registry.grades import grade_on
    from registry.rosters.kinds import grades_from_roster

    grades_from_roster([(home, {"uscc": home.uscc, "grade": 5})], superuser)
    grades_from_roster([(home, {"uscc": home.uscc, "grade": 5})], superuser)  # unchanged: nothing new

    today = timezone.localdate()
    assert grade_on([home.pk], today) == {home.pk: 5}
    newest = ProviderGrade.objects.filter(provider=home).order_by("-valid_from").first()
    assert newest is not None and (newest.valid_from, newest.assessor, newest.notes) == (today, "", "名册导入")
    assert ProviderGrade.objects.filter(provider=home).count() == 2


def test_a_clerk_publishes_a_penalty_for_the_longest_period_unless_told(home, clerk, client_for):
    response = client_for(clerk).post(
        reverse("admin:registry_creditdisclosure_add"),
        {
            "provider": home.pk,
            "kind": "penalty",
            "decision_number": "包昆民罚决字〔2026〕第0002号",
            "decided_on": "2026-02-10",
            "authority": "包头市昆都仑区民政局",
            "content": "未按规定公示收费标准，给予警告。",
            "legal_basis": "《养老机构管理办法》第四十六条",
            "penalty_type": "warning",
            "fine_yuan": "",
            "publish_until": "",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert CreditDisclosure.objects.get().publish_until == D(2029, 2, 10)
