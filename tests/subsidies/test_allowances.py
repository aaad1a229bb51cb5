"""Caregiver special-post allowances (certificate, ≥ 2 years of nursing inclusive, still
employed at month end) and the exact insurance cost splits (5:3:2, 6:3:1)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from factories import KUNDULUN, CaregiverFactory, LicenceFactory, division

from registry.models import Caregiver, CertificateLevel, Licence, ProviderStatusChange
from registry.periods import years_later
from subsidies.allowances import has_nursing_years
from subsidies.models import GrantLine, Rate
from subsidies.services import batch_create, cost_split, run_refresh

pytestmark = pytest.mark.django_db

Action = ProviderStatusChange.Action
D = datetime.date
NOV = D(2026, 11, 1)


def allowance_run(scheme_code="BT-CAREGIVER", period=NOV):
    return run_refresh(scheme_code=scheme_code, period=period)


def amounts_by_caregiver(run):
    return {line.subject: line.amount for line in run.lines.all()}


@pytest.fixture
def provider(make_provider):
    return make_provider()


# --- ≥ 2 years of nursing, inclusive, to the last day of the month -----------------------


@pytest.mark.parametrize("since, paid", [(D(2024, 11, 30), True), (D(2024, 12, 1), False), (D(2024, 11, 1), True)])
def test_two_years_of_nursing_counted_to_the_last_day_of_the_month(provider, since, paid):
    caregiver = CaregiverFactory(provider=provider, nursing_since=since)

    run = allowance_run()

    assert run.lines.filter(subject=f"caregiver:{caregiver.pk}").exists() == paid


@pytest.mark.parametrize(
    "since, period, qualifies",
    [
        (D(2024, 2, 29), D(2026, 2, 1), True),  # anniversary taken as 28 Feb 2026
        (D(2024, 3, 1), D(2026, 2, 1), False),
        (D(2024, 2, 29), D(2026, 1, 1), False),
        (D(2024, 12, 31), D(2026, 12, 1), True),
    ],
)
def test_nursing_years_around_a_leap_day(since, period, qualifies):
    caregiver = Caregiver(nursing_since=since)

    assert has_nursing_years(caregiver, 2, period) is qualifies


def test_years_later_of_a_leap_day():
    assert years_later(D(2024, 2, 29), 2) == D(2026, 2, 28)
    assert years_later(D(2024, 2, 29), 4) == D(2028, 2, 29)


def test_no_nursing_start_date_no_allowance(provider):
    CaregiverFactory(provider=provider, nursing_since=None)

    assert not allowance_run().lines.exists()


def test_no_certificate_no_line(provider):
    CaregiverFactory(provider=provider, certificate_level=CertificateLevel.NONE, certificate_number="")

    assert not allowance_run().lines.exists()


@pytest.mark.parametrize(
    "employed_to, paid",
    [(D(2026, 11, 29), False), (D(2026, 11, 30), True), (D(2026, 12, 31), True), (None, True)],
)
def test_a_caregiver_who_left_before_month_end_gets_no_line(provider, employed_to, paid):
    CaregiverFactory(provider=provider, employed_to=employed_to)

    assert allowance_run().lines.exists() == paid


def test_a_caregiver_employed_only_after_the_month_gets_no_line(provider):
    CaregiverFactory(provider=provider, employed_from=D(2026, 12, 1))

    assert not allowance_run().lines.exists()


# --- rates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scheme_code, expected",
    [
        ("BT-CAREGIVER", {"junior": "100.00", "intermediate": "300.00", "senior": "500.00"}),
        ("IM-CAREGIVER", {"junior": "300.00", "intermediate": "500.00", "senior": "900.00"}),
    ],
)
def test_allowance_by_certificate_level(provider, scheme_code, expected):
    caregivers = {level: CaregiverFactory(provider=provider, certificate_level=level) for level in expected}

    run = allowance_run(scheme_code)

    assert amounts_by_caregiver(run) == {
        f"caregiver:{caregivers[level].pk}": Decimal(amount) for level, amount in expected.items()
    }


def test_an_allowance_line_records_its_basis(provider):
    caregiver = CaregiverFactory(provider=provider, certificate_level=CertificateLevel.SENIOR)

    line = allowance_run().lines.get()

    rate = Rate.objects.get(scheme__code="BT-CAREGIVER", key="senior")
    assert (line.provider, line.period, line.kind) == (provider, NOV, GrantLine.Kind.REGULAR)
    assert (line.quantity, line.rate, line.amount) == (Decimal(1), Decimal("500.00"), Decimal("500.00"))
    assert line.basis["certificate_level"] == "senior"
    assert line.basis["nursing_since"] == caregiver.nursing_since.isoformat()
    assert line.basis["min_nursing_years"] == 2
    assert line.basis["rate_id"] == rate.pk
    assert line.payable


def test_allowances_of_a_suspended_provider_are_held(provider, lifecycle):
    CaregiverFactory(provider=provider)
    lifecycle(provider, Action.SUSPEND, D(2026, 11, 10))

    line = allowance_run().lines.get()

    # Suspended on the month's last day, the day the allowance is counted on.
    assert [hold["code"] for hold in line.holds] == ["not_filed"]
    assert not line.payable


def test_refreshing_an_allowance_run_gives_the_same_lines(provider):
    CaregiverFactory.create_batch(3, provider=provider)
    first = amounts_by_caregiver(allowance_run())

    again = allowance_run()

    assert amounts_by_caregiver(again) == first
    assert GrantLine.objects.count() == 3


# --- cost splits --------------------------------------------------------------------------


def test_region_premium_split_532_sums_exactly(divisions):
    parts = cost_split(scheme_code="IM-INSURANCE-532", amount=Decimal("10000.01"))

    assert parts == [
        ("region", Decimal("5000.01")),
        ("league_city", Decimal("3000.00")),
        ("county", Decimal("2000.00")),
    ]
    assert sum(amount for _level, amount in parts) == Decimal("10000.01")


def test_baotou_premium_split_532(divisions):
    assert cost_split(scheme_code="BT-INSURANCE-532", amount=Decimal("3333.33")) == [
        ("region", Decimal("1666.67")),
        ("league_city", Decimal("1000.00")),
        ("county", Decimal("666.66")),
    ]


@pytest.mark.parametrize(
    "amount, expected",
    [
        ("1000.00", ["600.00", "300.00", "100.00"]),
        ("0.07", ["0.04", "0.02", "0.01"]),
        ("99.99", ["59.99", "30.00", "10.00"]),
    ],
)
def test_accident_insurance_split_631(divisions, amount, expected):
    parts = cost_split(scheme_code="IM-ACCIDENT-631", amount=Decimal(amount))

    assert parts == list(zip(["government", "institution", "caregiver"], map(Decimal, expected), strict=True))
    assert sum(part for _level, part in parts) == Decimal(amount)


def test_cost_split_of_a_scheme_without_shares_is_refused(divisions):
    with pytest.raises(ValidationError):
        cost_split(scheme_code="BT-OPERATING", amount=Decimal("100.00"))


# --- insurance co-funding runs ------------------------------------------------------------


NOV_5 = D(2026, 11, 5)


def _policy(provider, premium, issued_on=NOV_5):
    return LicenceFactory(
        provider=provider,
        kind=Licence.Kind.LIABILITY_INSURANCE,
        issuer="中国人保包头分公司",
        issued_on=issued_on,
        expires_on=years_later(issued_on, 1),
        premium_yuan=Decimal(premium),
    )


def test_a_policy_issued_in_the_month_is_split_532_one_line_per_payer_level(provider, finance, approved_run):
    policy = _policy(provider, "10000.01")
    _policy(provider, "800.00", issued_on=D(2026, 10, 31))  # another month

    run = allowance_run("IM-INSURANCE-532")

    lines = {line.payer_level: line for line in run.lines.all()}
    assert {level: line.amount for level, line in lines.items()} == {
        "region": Decimal("5000.01"),
        "league_city": Decimal("3000.00"),
        "county": Decimal("2000.00"),
    }
    assert {line.subject for line in lines.values()} == {f"policy:{policy.pk}:{level}" for level in lines}
    assert lines["county"].basis["premium"] == "10000.01"


def test_a_policy_co_funded_by_the_region_is_not_co_funded_again_by_baotou(provider):
    _policy(provider, "1000.00")
    allowance_run("IM-INSURANCE-532")

    assert not allowance_run("BT-INSURANCE-532").lines.exists()


def test_each_payer_level_pays_its_own_share(provider, finance, approved_run):
    _policy(provider, "1000.00")
    approved_run("IM-INSURANCE-532", NOV)

    def batch(level):
        return batch_create(name=level, division=division(KUNDULUN), payer_level=level, prepared_by=finance)

    assert list(batch("county").items.values_list("amount", flat=True)) == [Decimal("200.00")]
    assert list(batch("league_city").items.values_list("amount", flat=True)) == [Decimal("300.00")]
    assert list(batch("region").items.values_list("amount", flat=True)) == [Decimal("500.00")]
