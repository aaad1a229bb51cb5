"""Months are paid after they happen, and bad quantities are refused (issue 13, parts 4-6).

Written from DOMAIN §7: "An operating run for month M can be prepared from the last day of
M (census-day rules: from the census day). Instalments are released only in their own
year, never earlier, whatever the caller asks." — "beds claimed ≥ 1 and ≤ the provider's
approved beds; floor area > 0; households ≥ 0; every amount finite and non-negative. A bad
value is a clear validation error in the form, the API and the command, never a traceback
and never a saved 0.00 grant. Preparing a second grant for the same provider and scheme is
refused with a message." — and docs/subsidies.md: adjustments compare "each approved month
of the last 12".

No test depends on the calendar: a future month is computed from today, and the day a
month ends is set with ``on_day`` (django.utils.timezone.localdate patched for the test).
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from factories import ResidentFactory

from registry.periods import month_bounds
from subsidies.models import ConstructionGrant, GrantLine, GrantRun, Instalment, OccupancyRule, SubsidyScheme
from subsidies.money import split_exact
from subsidies.services import (
    construction_quote,
    cost_split,
    grant_prepare,
    instalments_review,
    run_refresh,
)
from subsidies.tasks import refresh_monthly_runs, review_instalments

pytestmark = pytest.mark.django_db

D = datetime.date
BT = "BT-OPERATING"
NOV = D(2026, 11, 1)
S = Instalment.Status


def today() -> datetime.date:
    return timezone.localdate()


def next_month() -> datetime.date:
    """The first day of the month after today's: never ended, whenever the test runs."""
    return month_bounds(today())[1] + datetime.timedelta(days=1)


@pytest.fixture
def on_day(monkeypatch):
    """``on_day(D(2026, 11, 30))``: today is that day for the services under test."""

    def set_today(day: datetime.date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return set_today


def field_errors(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


# --- 4. time: a month is run once it has happened ----------------------------------------


def test_a_run_for_a_month_that_has_not_happened_is_refused(divisions):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        run_refresh(scheme_code=BT, period=next_month())

    assert "months are paid after they happen" in " ".join(field_errors(refused)["period"])
    assert not GrantRun.objects.exists()


def test_a_month_may_be_run_from_its_last_day_not_before(divisions, on_day):
    on_day(D(2026, 11, 29))
    with pytest.raises(ValidationError):
        run_refresh(scheme_code=BT, period=NOV)
    assert not GrantRun.objects.exists()

    on_day(D(2026, 11, 30))
    assert run_refresh(scheme_code=BT, period=NOV).period == NOV


def test_a_census_day_scheme_may_be_run_from_its_census_day(divisions, on_day):
    SubsidyScheme.objects.filter(code=BT).update(occupancy_rule=OccupancyRule.CENSUS_DAY, census_day=15)

    on_day(D(2026, 11, 14))
    with pytest.raises(ValidationError):
        run_refresh(scheme_code=BT, period=NOV)

    on_day(D(2026, 11, 15))
    assert run_refresh(scheme_code=BT, period=NOV).period == NOV


def test_the_monthly_task_makes_no_run_of_a_future_month(divisions):
    results = refresh_monthly_runs(period=next_month().strftime("%Y-%m"))

    assert results  # every monthly scheme answered …
    assert not GrantRun.objects.exists()  # … and none made a run


def test_the_command_exits_non_zero_for_a_future_month(divisions):
    err = io.StringIO()

    with pytest.raises(CommandError, match="refused"):
        call_command(
            "run_operating_grants",
            "--period",
            next_month().strftime("%Y-%m"),
            "--scheme",
            BT,
            stdout=io.StringIO(),
            stderr=err,
        )
    assert BT in err.getvalue()
    assert not GrantRun.objects.exists()


# --- 4. time: instalments in their own year -----------------------------------------------


@pytest.fixture
def grant(make_provider, approved_grant):
    """BT-CONSTRUCT-BED 50,000.00 approved this year: 15,000 this year, 15,000 and 20,000 later."""
    return approved_grant(make_provider())


def statuses(grant: ConstructionGrant) -> list[str]:
    return list(grant.instalments.order_by("number").values_list("status", flat=True))


def test_a_review_for_a_later_year_releases_only_this_years_instalment(grant):
    counts = instalments_review(year=today().year + 2, on=today())

    assert counts == {"released": 1, "withheld": 0, "cancelled": 0}
    assert statuses(grant) == [S.RELEASED, S.SCHEDULED, S.SCHEDULED]


def test_a_review_dated_in_a_later_year_releases_nothing_early(grant):
    instalments_review(year=today().year + 1, on=D(today().year + 1, 1, 5))

    assert statuses(grant) == [S.RELEASED, S.SCHEDULED, S.SCHEDULED]
    assert grant.instalments.get(number=1).decided_on == today()  # the date asked for is not taken


def test_the_yearly_task_asked_for_next_year_releases_only_this_years(grant):
    review_instalments(year=today().year + 1)

    assert statuses(grant) == [S.RELEASED, S.SCHEDULED, S.SCHEDULED]


def test_next_years_instalment_is_released_when_its_year_comes(grant, on_day):
    instalments_review(year=today().year)
    on_day(D(today().year + 1, 1, 5))

    instalments_review(year=today().year)

    assert statuses(grant) == [S.RELEASED, S.RELEASED, S.SCHEDULED]


# --- 5. bad input -------------------------------------------------------------------------


def per_bed_quote(**values):
    return construction_quote(
        **{
            "scheme_code": "BT-CONSTRUCT-BED",
            "basis": "new_build",
            "beds": 10,
            "floor_area_m2": Decimal("300"),
            "first_year": 2026,
            **values,
        }
    )


@pytest.mark.parametrize(
    "values, field",
    [
        ({"beds": 0}, "beds_claimed"),
        ({"beds": -3}, "beds_claimed"),
        ({"beds": "ten"}, "beds_claimed"),
        ({"floor_area_m2": Decimal("0")}, "floor_area_m2"),
        ({"floor_area_m2": Decimal("-300")}, "floor_area_m2"),
        ({"floor_area_m2": Decimal("NaN")}, "floor_area_m2"),
        ({"floor_area_m2": Decimal("Infinity")}, "floor_area_m2"),
        ({"floor_area_m2": "NaN"}, "floor_area_m2"),
        ({"floor_area_m2": "Infinity"}, "floor_area_m2"),
        ({"floor_area_m2": float("nan")}, "floor_area_m2"),
        ({"floor_area_m2": "three hundred"}, "floor_area_m2"),
        ({"households_served": -1}, "households_served"),
    ],
)
def test_a_bad_quantity_in_a_quote_is_a_validation_error_naming_the_field(divisions, values, field):
    with pytest.raises(ValidationError) as refused:
        per_bed_quote(**values)

    assert list(field_errors(refused)) == [field]


def test_a_fixed_award_needs_no_beds_but_a_floor_area(divisions):
    quote = construction_quote(
        scheme_code="BT-CONSTRUCT-FIXED", basis="day_care_centre", beds=0, floor_area_m2=Decimal("150"), first_year=2026
    )
    assert quote.total == Decimal("100000.00")
    with pytest.raises(ValidationError) as refused:
        construction_quote(
            scheme_code="BT-CONSTRUCT-FIXED",
            basis="day_care_centre",
            beds=0,
            floor_area_m2=Decimal("0"),
            first_year=2026,
        )
    assert list(field_errors(refused)) == ["floor_area_m2"]


def prepare(provider, clerk, **values):
    return grant_prepare(
        **{
            "provider": provider,
            "scheme_code": "BT-CONSTRUCT-BED",
            "basis": "new_build",
            "beds_claimed": 10,
            "floor_area_m2": Decimal("300"),
            "prepared_by": clerk,
            **values,
        }
    )


@pytest.mark.parametrize(
    "values, field",
    [
        ({"beds_claimed": 0}, "beds_claimed"),
        ({"beds_claimed": 101}, "beds_claimed"),  # the provider has 100 approved beds
        ({"floor_area_m2": Decimal("0")}, "floor_area_m2"),
    ],
)
def test_a_bad_quantity_is_never_saved_as_a_grant(make_provider, clerk, values, field):
    provider = make_provider(beds=100)

    with pytest.raises(ValidationError) as refused:
        prepare(provider, clerk, **values)

    assert field in field_errors(refused)
    assert not ConstructionGrant.objects.exists()


def test_all_the_approved_beds_may_be_claimed(make_provider, clerk):
    grant = prepare(make_provider(beds=100), clerk, beds_claimed=100, floor_area_m2=Decimal("3000"))

    assert (grant.eligible_beds, grant.total) == (100, Decimal("500000.00"))


def test_a_second_grant_for_the_same_provider_and_scheme_is_refused_with_a_message(make_provider, clerk):
    provider = make_provider()
    prepare(provider, clerk)

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        prepare(provider, clerk, beds_claimed=20, floor_area_m2=Decimal("600"))

    assert "already has a grant of BT-CONSTRUCT-BED" in " ".join(field_errors(refused)["scheme"])
    assert ConstructionGrant.objects.filter(provider=provider).count() == 1


def test_an_unknown_scheme_is_a_validation_error_naming_the_field(divisions, make_provider, clerk):
    for call in (
        lambda: per_bed_quote(scheme_code="BT-NO-SUCH"),
        lambda: run_refresh(scheme_code="BT-NO-SUCH", period=NOV),
        lambda: cost_split(scheme_code="BT-NO-SUCH", amount=Decimal("100")),
        lambda: prepare(make_provider(), clerk, scheme_code="BT-NO-SUCH"),
    ):
        with pytest.raises(ValidationError) as refused:
            call()
        assert list(field_errors(refused)) == ["scheme_code"]


def test_the_command_refuses_an_unknown_scheme_with_a_non_zero_exit(divisions):
    with pytest.raises(CommandError):
        call_command("run_operating_grants", "--period", "2026-11", "--scheme", "BT-NO-SUCH", stdout=io.StringIO())


@pytest.mark.parametrize("ratios", [[3, 3, 4], [5, 3, 2], [6, 3, 1]])
@pytest.mark.parametrize("amount", [Decimal("-600000.00"), Decimal("-0.01"), Decimal("NaN"), Decimal("Infinity")])
def test_a_negative_or_non_finite_amount_is_not_split(ratios, amount):
    with pytest.raises(ValidationError) as refused:
        split_exact(amount, ratios)

    assert list(field_errors(refused)) == ["amount"]


@pytest.mark.parametrize("amount", [Decimal("-100.00"), Decimal("NaN"), "Infinity"])
def test_a_negative_or_non_finite_premium_is_not_cofunded(divisions, amount):
    with pytest.raises(ValidationError):
        cost_split(scheme_code="IM-INSURANCE-532", amount=amount)


def test_zero_is_still_split(divisions):
    assert split_exact(Decimal("0"), [3, 3, 4]) == [Decimal("0.00")] * 3


# --- 6. adjustment window -----------------------------------------------------------------


def test_adjustments_look_back_exactly_12_calendar_months(make_provider, approved_run, on_day):
    """Refreshing November 2026 compares November 2025 … October 2026 (12 months), not
    October 2025 (13 months back, which 31 × 12 days reached)."""
    provider = make_provider(filed_on=D(2025, 1, 5))
    on_day(D(2026, 12, 4))
    for period in (D(2025, 10, 1), D(2025, 11, 1)):
        approved_run(BT, period)
    ResidentFactory(provider=provider, admitted_on=D(2025, 1, 1))  # reported late: there all along

    november = run_refresh(scheme_code=BT, period=NOV)

    adjusted = november.lines.filter(kind=GrantLine.Kind.ADJUSTMENT).values_list("period", flat=True)
    assert list(adjusted) == [D(2025, 11, 1)]
