"""The region's operating grant pays by the grade in force on the month's last day — the
day its rates are read on — from the grade records, not by the provider's grade today
(issue 19; 000:1044-1052, rates by grade: 1★100 … 5★300 as example data)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from factories import ResidentFactory

from registry.grades import grade_end, grade_record
from registry.models import Provider, ProviderGrade
from subsidies.models import GrantLine, GrantRun
from subsidies.services import run_refresh

pytestmark = pytest.mark.django_db

D = datetime.date
OCT = D(2026, 10, 1)
NOV = D(2026, 11, 1)
REGION = "IM-OPERATING"


def line_of(period: datetime.date, provider: Provider) -> GrantLine:
    run: GrantRun = run_refresh(scheme_code=REGION, period=period)
    return run.lines.get(provider=provider, kind=GrantLine.Kind.REGULAR)


@pytest.fixture
def graded(make_provider, superuser):
    """A 3★ home (since 2020) regraded 4★ from 15 November 2026, two residents all autumn."""
    provider = make_provider(grade=3)
    for _ in range(2):
        ResidentFactory(provider=provider, admitted_on=D(2026, 9, 1))
    grade_record(
        provider=provider,
        grade=4,
        assessor="包头市民政局",
        assessed_on=D(2026, 11, 10),
        valid_from=D(2026, 11, 15),
        actor=superuser,
    )
    return provider


def test_a_month_regraded_in_its_middle_pays_the_grade_in_force_on_its_last_day(graded):
    line = line_of(NOV, graded)

    # 3★ until the 14th, 4★ from the 15th: the rate is read on 30 November, so 4★ (250).
    assert (line.basis["grade"], line.basis["rate_key"], line.rate, line.amount) == (
        4,
        "4",
        Decimal("250.00"),
        Decimal("500.00"),
    )
    assert line.holds == []


def test_a_past_month_run_after_the_regrade_pays_the_old_grade(graded):
    assert Provider.objects.get(pk=graded.pk).grade == 4  # today's grade is the new one

    line = line_of(OCT, graded)

    assert (line.basis["grade"], line.rate, line.amount) == (3, Decimal("200.00"), Decimal("400.00"))


def test_a_grade_that_expired_before_the_last_day_is_not_rated(make_provider, superuser):
    provider = make_provider(grade=5)
    ResidentFactory(provider=provider, admitted_on=D(2026, 9, 1))
    grade_end(provider=provider, last_day=D(2026, 11, 20), actor=superuser, reason="等级有效期届满")

    november = line_of(NOV, provider)
    october = line_of(OCT, provider)

    assert november.basis["grade"] == 0
    assert [hold["code"] for hold in november.holds] == ["no_rate"]
    assert (november.rate, november.amount, november.payable) == (Decimal("0.00"), Decimal("0.00"), False)
    assert (october.basis["grade"], october.amount) == (5, Decimal("300.00"))
    assert ProviderGrade.objects.get(provider=provider).valid_until == D(2026, 11, 20)


def test_the_provider_grade_column_alone_no_longer_decides_the_rate(make_provider):
    """A grade with no record in force (a stale column) pays nothing: the records decide."""
    provider = make_provider(grade=2)
    ResidentFactory(provider=provider, admitted_on=D(2026, 9, 1))
    ProviderGrade.objects.filter(provider=provider).update(valid_from=D(2026, 12, 1), assessed_on=D(2026, 12, 1))

    line = line_of(NOV, provider)

    assert Provider.objects.get(pk=provider.pk).grade == 2
    assert line.basis["grade"] == 0 and [hold["code"] for hold in line.holds] == ["no_rate"]
