"""The subsidies items of the workbench (issue 16), as the clerk, the reviewer and the
finance office see them: each count is the number of rows of the list its link opens,
scoped to the user's jurisdiction; the reviewer is never asked to approve what they
prepared; the finance forecast matches numbers computed by hand; the page costs the same
number of queries with one provider and with ten."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from factories import (
    BAOTOU,
    DONGHE,
    HOHHOT,
    KUNDULUN,
    CreditRecordFactory,
    ProviderHoldFactory,
    ResidentFactory,
    noon,
)

from registry.disclosure import objection_decide, objection_record
from registry.holds import hold_close
from registry.models import ProviderKind
from registry.periods import previous_month
from registry.staff import roles
from registry.workbench import workbench_sections
from subsidies.forecast import payment_forecast
from subsidies.models import GrantLine, Instalment, PaymentBatch, PaymentItem, Recovery
from subsidies.review import submit_for_review
from subsidies.services import award_prepare, batch_reconcile, grant_approve, grant_prepare, run_refresh
from subsidies.work_items import ITEMS, PANELS

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LAST_MONTH = previous_month(TODAY)


def item(key: str):
    return next(found for found in ITEMS if found.key == key)


def count(key: str, user) -> int:
    return item(key).count(user, timezone.localdate())


def listed(client, url: str) -> int:
    """The number of rows the list at ``url`` shows (all pages)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["cl"].result_count


def assert_counts_match_lists(user, client_for, role: str) -> None:
    """Every item of ``role``: the workbench's count == the rows of the list it links to."""
    client = client_for(user)
    for found in ITEMS:
        if role in found.roles:
            url = found.url(user, timezone.localdate())
            assert found.count(user, timezone.localdate()) == listed(client, url), found.key


@pytest.fixture
def home(make_provider):
    """A certified Kundulun home with two residents: 200.00 a month of BT-OPERATING."""
    provider = make_provider(name="甲养老院")
    for _ in range(2):
        ResidentFactory(provider=provider, admitted_on=datetime.date(2025, 6, 1))
    return provider


# --- district clerk ------------------------------------------------------------------------


def test_clerk_sees_the_monthly_schemes_not_yet_run_for_last_month(
    home, make_provider, divisions, clerk, outsider, make_staff, client_for
):
    make_provider(name="乙养老院", division=divisions[DONGHE])
    before, before_elsewhere = (
        count("subsidies.runs_not_prepared", clerk),
        count("subsidies.runs_not_prepared", outsider),
    )
    assert before >= 2  # BT-OPERATING and IM-OPERATING at least (000:1044-1052, 004:80)

    run_refresh(scheme_code="BT-OPERATING", period=LAST_MONTH)  # Baotou-wide: covers Kundulun and Donghe
    run_refresh(scheme_code="IM-OPERATING", period=LAST_MONTH, division_code=DONGHE)  # Donghe only

    assert count("subsidies.runs_not_prepared", clerk) == before - 1
    assert count("subsidies.runs_not_prepared", outsider) == before_elsewhere - 2
    page = client_for(clerk).get(item("subsidies.runs_not_prepared").url(clerk, TODAY)).content.decode()
    assert "IM-OPERATING" in page and "BT-OPERATING" not in page
    assert_counts_match_lists(clerk, client_for, roles.DISTRICT_CLERK)
    assert count("subsidies.runs_not_prepared", make_staff(roles.DISTRICT_CLERK, None)) == 0
    # No provider to pay in Hohhot: no run to prepare there.
    assert count("subsidies.runs_not_prepared", make_staff(roles.DISTRICT_CLERK, HOHHOT)) == 0


def test_clerk_sees_withheld_lines_once_their_hold_has_ended(
    home, make_provider, approved_run, clerk, outsider, client_for
):
    ProviderHoldFactory(provider=home, source="finding:3", started_at=noon(LAST_MONTH))
    # A hold that ended inside the month withheld nothing: the month had not ended yet.
    brief = make_provider(name="乙养老院")
    for _ in range(2):
        ResidentFactory(provider=brief, admitted_on=datetime.date(2025, 6, 1))
    ProviderHoldFactory(
        provider=brief,
        source="finding:4",
        started_at=noon(LAST_MONTH),
        ended_at=noon(LAST_MONTH + datetime.timedelta(days=3)),
    )
    approved_run("BT-OPERATING", LAST_MONTH)
    assert count("subsidies.released_lines", clerk) == 0  # still on hold

    hold_close(provider=home, source="finding:3")

    assert count("subsidies.released_lines", clerk) == 1
    assert count("subsidies.released_lines", outsider) == 0
    assert_counts_match_lists(clerk, client_for, roles.DISTRICT_CLERK)
    page = client_for(clerk).get(item("subsidies.released_lines").url(clerk, TODAY)).content.decode()
    assert "甲养老院" in page and "乙养老院" not in page


def test_lines_withheld_by_a_blacklisting_show_once_an_objection_withdraws_it(home, approved_run, clerk):
    """A withdrawn blacklisting (annulled on objection) has ended on the day it was withdrawn:
    the lines it withheld are released for the next batch, like those of one that expired."""
    record = CreditRecordFactory(provider=home, start_on=LAST_MONTH - datetime.timedelta(days=40))
    approved_run("BT-OPERATING", LAST_MONTH)
    assert count("subsidies.released_lines", clerk) == 0  # blacklisted: withheld, not released

    objection = objection_record(
        entry=record, received_on=TODAY, raised_by="甲养老院法定代表人", grounds="处罚决定已被撤销", actor=clerk
    )
    objection_decide(
        objection=objection,
        upheld=True,
        withdraws_entry=True,
        decided_on=TODAY,
        outcome_text="原列入决定已撤销，予以移出。",
        actor=clerk,
    )

    assert count("subsidies.released_lines", clerk) == 1


# --- reviewer ----------------------------------------------------------------------------------


def test_reviewer_sees_what_waits_for_approval_except_what_they_prepared(
    home, reviewer, make_staff, make_approver, clerk, client_for
):
    maker = make_approver("change_grantrun")  # a Baotou reviewer who may also refresh runs
    run = run_refresh(scheme_code="BT-OPERATING", period=LAST_MONTH, user=maker)
    submit_for_review(obj=run, user=maker)
    grant = grant_prepare(
        provider=home,
        scheme_code="BT-CONSTRUCT-BED",
        basis="new_build",
        beds_claimed=10,
        floor_area_m2=Decimal("300"),
        prepared_by=clerk,
    )
    submit_for_review(obj=grant, user=clerk)
    elsewhere = make_staff(roles.CITY_REVIEWER, HOHHOT)

    assert count("subsidies.runs_to_review", reviewer) == 1
    assert count("subsidies.runs_to_review", maker) == 0  # they refreshed it: someone else approves
    assert count("subsidies.grants_to_review", reviewer) == 1
    assert count("subsidies.runs_to_review", elsewhere) == count("subsidies.grants_to_review", elsewhere) == 0
    assert_counts_match_lists(reviewer, client_for, roles.CITY_REVIEWER)
    assert_counts_match_lists(maker, client_for, roles.CITY_REVIEWER)


def test_a_submitted_batch_waits_for_every_checker_but_its_preparer(
    home, approved_run, batch_through, finance, reviewer, make_staff, client_for
):
    approved_run("BT-OPERATING", LAST_MONTH)
    batch_through("submitted")  # prepared and submitted by ``finance``
    colleague = make_staff(roles.FINANCE, KUNDULUN)

    assert count("subsidies.batches_to_review", finance) == 0
    assert count("subsidies.batches_to_review", colleague) == 1
    assert count("subsidies.batches_to_review", reviewer) == 1
    assert count("subsidies.batches_to_review", make_staff(roles.FINANCE, DONGHE)) == 0
    assert_counts_match_lists(colleague, client_for, roles.FINANCE)


def test_a_submitted_award_waits_for_the_reviewer_not_for_its_preparer(
    make_provider, clerk, reviewer, make_approver, make_staff, client_for
):
    day_care = make_provider(kind=ProviderKind.DAY_CARE_CENTRE, name="阳光社区日间照料中心", beds=0, nursing_beds=0)
    award = award_prepare(
        provider=day_care,
        scheme_code="BT-DAYCARE-AWARD",
        year=TODAY.year - 1,
        evaluated_on=TODAY,
        score=Decimal("86.5"),
        evaluator="包头市民政局评估组",
        amount=Decimal("30000"),
        user=clerk,
    )
    assert count("subsidies.awards_to_review", reviewer) == 0  # being prepared: not yet for review
    submit_for_review(obj=award, user=clerk)

    assert count("subsidies.awards_to_review", reviewer) == 1
    assert item("subsidies.awards_to_review").count(clerk, TODAY) == 0
    assert count("subsidies.awards_to_review", make_staff(roles.CITY_REVIEWER, HOHHOT)) == 0
    assert_counts_match_lists(reviewer, client_for, roles.CITY_REVIEWER)


def test_reviewer_sees_the_instalments_due_but_never_those_of_grants_they_prepared(
    home, approved_grant, reviewer, clerk, make_staff, client_for
):
    approved_grant(home)  # prepared by ``clerk``; 3:3:4 from this year

    assert count("subsidies.instalments_to_release", reviewer) == 1  # this year's only (DOMAIN §7)
    assert item("subsidies.instalments_to_release").count(clerk, TODAY) == 0
    assert count("subsidies.instalments_to_release", make_staff(roles.CITY_REVIEWER, HOHHOT)) == 0
    assert_counts_match_lists(reviewer, client_for, roles.CITY_REVIEWER)


def test_reviewer_sees_the_holds_opened_this_week(home, reviewer, make_provider, make_staff, client_for):
    ProviderHoldFactory(provider=home, started_at=timezone.now())
    monday = TODAY - datetime.timedelta(days=TODAY.weekday())
    ProviderHoldFactory(provider=make_provider(name="乙养老院"), started_at=noon(monday - datetime.timedelta(days=1)))

    assert count("subsidies.holds_this_week", reviewer) == 1
    assert count("subsidies.holds_this_week", make_staff(roles.CITY_REVIEWER, HOHHOT)) == 0
    assert_counts_match_lists(reviewer, client_for, roles.CITY_REVIEWER)


# --- finance -------------------------------------------------------------------------------


def test_finance_follows_batches_failed_payments_and_recoveries(
    home, approved_run, batch_through, finance, bank_result, make_staff, client_for
):
    approved_run("BT-OPERATING", LAST_MONTH)
    exported = batch_through("exported")
    assert count("subsidies.batches_to_reconcile", finance) == 1
    payment = exported.items.get()
    errors = batch_reconcile(
        batch=exported,
        data=bank_result([(payment.pk, f"{payment.net_amount:.2f}", "failed", "账户已销户")]),
        filename="result.csv",
        user=finance,
    )
    assert errors == []
    assert count("subsidies.batches_to_reconcile", finance) == 0
    assert count("subsidies.failed_payments", finance) == 1
    Recovery.objects.create(provider=home, reason="改变用途", amount=Decimal("100"), opened_on=TODAY)
    Recovery.objects.create(provider=home, reason="停业", amount=Decimal("50"), opened_on=TODAY, offset_allowed=False)
    assert count("subsidies.recoveries_by_offset", finance) == count("subsidies.recoveries_by_transfer", finance) == 1
    assert_counts_match_lists(finance, client_for, roles.FINANCE)

    batch_through("approved", name="12月")  # collects the failed line again

    assert count("subsidies.failed_payments", finance) == 0
    assert count("subsidies.batches_to_export", finance) == 1
    assert_counts_match_lists(finance, client_for, roles.FINANCE)
    outsider = make_staff(roles.FINANCE, DONGHE)
    assert all(found.count(outsider, TODAY) == 0 for found in ITEMS if roles.FINANCE in found.roles)


def test_the_forecast_adds_unpaid_instalments_and_last_months_runs_times_the_months_left(
    make_provider, approved_run, grant_approver, outsider, finance, make_staff, divisions
):
    """By hand, on 15 November 2026: a 10-bed new build (50,000.00 = 15,000 + 15,000 +
    20,000 in 2026, 2027, 2028) and October's operating run of 200.00 a month (two
    residents) × the 2 months after it this year (November, December), × 12 next year."""
    october, today = datetime.date(2026, 10, 1), datetime.date(2026, 11, 15)
    kundulun = make_provider(name="甲养老院")
    for _ in range(2):
        ResidentFactory(provider=kundulun, admitted_on=datetime.date(2025, 6, 1))
    donghe = make_provider(name="乙养老院", division=divisions[DONGHE])
    for provider, preparer in ((kundulun, make_staff(roles.DISTRICT_CLERK, KUNDULUN)), (donghe, outsider)):
        grant = grant_prepare(
            provider=provider,
            scheme_code="BT-CONSTRUCT-BED",
            basis="new_build",
            beds_claimed=10,
            floor_area_m2=Decimal("300"),
            prepared_by=preparer,
        )
        grant_approve(grant=grant, approver=grant_approver, on=datetime.date(2026, 3, 2))
    run = approved_run("BT-OPERATING", october)
    assert run.lines.filter(provider=kundulun).get().amount == Decimal("200.00")

    forecast = payment_forecast(user=finance, today=today)

    assert (forecast.year, forecast.last_closed) == (2026, october)
    rows = {(row.payer_level, row.scheme_code): (row.this_year, row.next_year) for row in forecast.rows}
    assert rows == {
        ("league_city", "BT-CONSTRUCT-BED"): (Decimal("15000.00"), Decimal("15000.00")),
        ("league_city", "BT-OPERATING"): (Decimal("400.00"), Decimal("2400.00")),
    }
    assert (forecast.this_year, forecast.next_year) == (Decimal("15400.00"), Decimal("17400.00"))
    assert [(p.payer_level, p.this_year, p.next_year) for p in forecast.payers] == [
        ("league_city", Decimal("15400.00"), Decimal("17400.00"))
    ]

    operating = next(row for row in forecast.rows if row.scheme_code == "BT-OPERATING")
    assert (operating.estimated_from, operating.months_this_year) == (october, 2)

    # On 15 December November's runs are not approved yet: October's amounts stand for
    # November and December alike.
    december = payment_forecast(user=finance, today=datetime.date(2026, 12, 15))
    assert {row.scheme_code: (row.this_year, row.next_year) for row in december.rows}["BT-OPERATING"] == (
        Decimal("400.00"),
        Decimal("2400.00"),
    )

    # The city sees both districts' grants (and Donghe's operating line, none here).
    city = payment_forecast(user=make_staff(roles.FINANCE, BAOTOU), today=today)
    assert {row.scheme_code: row.this_year for row in city.rows}["BT-CONSTRUCT-BED"] == Decimal("30000.00")

    # A paid instalment is no longer due.
    Instalment.objects.filter(grant__provider=kundulun, year=2026).update(status=Instalment.Status.PAID)
    paid = payment_forecast(user=finance, today=today)
    assert {row.scheme_code: row.this_year for row in paid.rows}["BT-CONSTRUCT-BED"] == Decimal("0.00")
    assert paid.this_year == Decimal("400.00")


def test_nothing_due_names_the_forecast_in_the_nothing_waiting_line(finance):
    panel = PANELS[0]
    assert panel.context(finance, TODAY) is None
    section = next(s for s in workbench_sections(finance) if s.role == roles.FINANCE)
    assert panel.label in section.nothing_waiting


# --- the page ------------------------------------------------------------------------------


def test_the_workbench_shows_finance_its_items_and_the_forecast(
    home, approved_run, approved_grant, batch_through, finance, client_for
):
    approved_run("BT-OPERATING", LAST_MONTH)
    batch_through("exported")
    approved_grant(home)

    page = client_for(finance).get(reverse("admin:index")).content.decode()

    label = str(item("subsidies.batches_to_reconcile").label)
    assert label in page
    assert '<span class="count">1</span>' in page
    assert item("subsidies.batches_to_reconcile").url(finance, TODAY).replace("&", "&amp;") in page
    assert str(PANELS[0].label) in page
    assert "15000.00" in page  # this year's instalment of the 50,000.00 grant
    assert f'<th scope="col" class="number">{TODAY.year + 1}</th>' in page


def test_the_workbench_shows_the_reviewer_and_the_clerk_their_items(home, approved_grant, reviewer, clerk, client_for):
    approved_grant(home)

    reviewer_page = client_for(reviewer).get(reverse("admin:index")).content.decode()
    clerk_page = client_for(clerk).get(reverse("admin:index")).content.decode()

    assert str(item("subsidies.instalments_to_release").label) in reviewer_page
    assert str(item("subsidies.runs_not_prepared").label) in clerk_page
    assert str(item("subsidies.instalments_to_release").label) not in clerk_page


# --- queries --------------------------------------------------------------------------------


def _add_providers(n: int, make_provider, approved_grant, start: int) -> None:
    for i in range(start, start + n):
        provider = make_provider(name=f"第{i}养老院")
        for _ in range(2):
            ResidentFactory(provider=provider, admitted_on=datetime.date(2025, 6, 1))
        ProviderHoldFactory(provider=provider, started_at=timezone.now())
        Recovery.objects.create(provider=provider, reason="停业", amount=Decimal("10"), opened_on=TODAY)
        approved_grant(provider)


def _queries(user, role: str) -> int:
    workbench_sections(user)  # content types and the like cached
    with CaptureQueriesContext(connection) as captured:
        sections = workbench_sections(user)
    assert any(section.role == role for section in sections)
    return len(captured.captured_queries)


def test_the_finance_and_reviewer_sections_cost_the_same_queries_with_one_provider_or_ten(
    make_provider, approved_grant, approved_run, finance, reviewer
):
    _add_providers(1, make_provider, approved_grant, start=0)
    approved_run("BT-OPERATING", LAST_MONTH, KUNDULUN)
    few = (_queries(finance, roles.FINANCE), _queries(reviewer, roles.CITY_REVIEWER))

    _add_providers(9, make_provider, approved_grant, start=1)
    approved_run("BT-OPERATING", previous_month(LAST_MONTH), KUNDULUN)

    assert GrantLine.objects.count() >= 10 and PaymentItem.objects.count() == 0
    assert (_queries(finance, roles.FINANCE), _queries(reviewer, roles.CITY_REVIEWER)) == few
    assert PaymentBatch.objects.count() == 0
