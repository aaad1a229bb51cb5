"""Fire-filing exemption (000:439-447), payment holds and blacklisting."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from factories import BAOTOU, HOHHOT, CreditRecordFactory, LicenceFactory, ProviderFactory, division

from registry.credit import is_blacklisted
from registry.fire_safety import fire_safety_status, is_fire_filing_exempt
from registry.holds import active_holds, hold_close, hold_open
from registry.models import CreditRecord, FireExemptionRule, Licence, ProviderHold

pytestmark = pytest.mark.django_db

ON = datetime.date(2024, 6, 1)
BIG = {"floor_area_m2": Decimal("5000"), "investment_yuan": Decimal("8000000")}


@pytest.fixture
def big_provider(divisions):
    """Built after the cut-off, large and expensive: needs fire acceptance or filing."""
    return ProviderFactory(built_on=datetime.date(2010, 5, 1), **BIG)


def status(provider, on=ON) -> str:
    return fire_safety_status(provider, on)


# --- exemption ---------------------------------------------------------------------------


def test_a_large_new_building_without_licences_is_missing_fire_approval(big_provider):
    assert not is_fire_filing_exempt(big_provider, ON)
    assert status(big_provider) == "missing"


def test_old_building_never_altered_is_exempt(divisions):
    provider = ProviderFactory(built_on=datetime.date(1998, 8, 31), **BIG)

    assert status(provider) == "exempt"


def test_building_finished_on_the_cut_off_day_is_not_old_enough(divisions):
    provider = ProviderFactory(built_on=datetime.date(1998, 9, 1), **BIG)

    assert status(provider) == "missing"


def test_old_building_altered_later_is_not_exempt(divisions):
    provider = ProviderFactory(built_on=datetime.date(1990, 1, 1), last_altered_on=datetime.date(2012, 4, 1), **BIG)

    assert status(provider) == "missing"


def test_old_altered_building_that_is_small_is_exempt(divisions):
    provider = ProviderFactory(
        built_on=datetime.date(1990, 1, 1),
        last_altered_on=datetime.date(2012, 4, 1),
        floor_area_m2=Decimal("280"),
        investment_yuan=Decimal("8000000"),
    )

    assert status(provider) == "exempt"


@pytest.mark.parametrize(("area", "expected"), [("300", "exempt"), ("300.00", "exempt"), ("300.01", "missing")])
def test_floor_area_of_300_square_metres_or_less_is_exempt(big_provider, area, expected):
    big_provider.floor_area_m2 = Decimal(area)

    assert status(big_provider) == expected


@pytest.mark.parametrize(("investment", "expected"), [("300000", "exempt"), ("300000.01", "missing")])
def test_investment_of_300000_yuan_or_less_is_exempt(big_provider, investment, expected):
    big_provider.investment_yuan = Decimal(investment)

    assert status(big_provider) == expected


def test_unknown_building_facts_give_no_exemption(divisions):
    provider = ProviderFactory(built_on=None, floor_area_m2=None, investment_yuan=None)

    assert status(provider) == "missing"


def test_no_exemption_before_the_rule_took_effect(divisions):
    provider = ProviderFactory(floor_area_m2=Decimal("100"))

    assert not is_fire_filing_exempt(provider, datetime.date(2019, 6, 27))
    assert is_fire_filing_exempt(provider, datetime.date(2019, 6, 28))


def test_a_stricter_city_rule_overrides_the_region_rule_inside_the_city(divisions):
    FireExemptionRule.objects.create(
        jurisdiction=division(BAOTOU),
        max_floor_area_m2=Decimal("200"),
        max_investment_yuan=Decimal("300000"),
        built_before=datetime.date(1998, 9, 1),
        effective_from=datetime.date(2023, 1, 1),
        source="test",
    )
    in_baotou = ProviderFactory(floor_area_m2=Decimal("250"), investment_yuan=Decimal("8000000"))
    in_hohhot = ProviderFactory(
        division=division("150102"), floor_area_m2=Decimal("250"), investment_yuan=Decimal("8000000")
    )

    assert status(in_baotou) == "missing"
    assert status(in_hohhot) == "exempt"
    assert status(in_baotou, datetime.date(2022, 12, 31)) == "exempt"  # before the city rule
    assert division("150102").parent.code == HOHHOT


# --- licences ---------------------------------------------------------------------------------


def test_a_current_fire_acceptance_means_accepted(big_provider):
    LicenceFactory(provider=big_provider, kind=Licence.Kind.FIRE_ACCEPTANCE, issued_on=datetime.date(2015, 1, 1))

    assert status(big_provider) == "accepted"


def test_fire_acceptance_wins_over_filing_and_exemption(divisions):
    provider = ProviderFactory(floor_area_m2=Decimal("100"))
    LicenceFactory(provider=provider, kind=Licence.Kind.FIRE_FILING, issued_on=datetime.date(2015, 1, 1))
    LicenceFactory(provider=provider, kind=Licence.Kind.FIRE_ACCEPTANCE, issued_on=datetime.date(2016, 1, 1))

    assert status(provider) == "accepted"


def test_a_current_fire_filing_means_filed(big_provider):
    LicenceFactory(provider=big_provider, kind=Licence.Kind.FIRE_FILING, issued_on=datetime.date(2020, 1, 1))

    assert status(big_provider) == "filed"


def test_expired_or_future_fire_acceptance_does_not_count(big_provider):
    LicenceFactory(
        provider=big_provider,
        kind=Licence.Kind.FIRE_ACCEPTANCE,
        issued_on=datetime.date(2015, 1, 1),
        expires_on=datetime.date(2024, 5, 31),
    )
    LicenceFactory(provider=big_provider, kind=Licence.Kind.FIRE_ACCEPTANCE, issued_on=datetime.date(2024, 6, 2))

    assert status(big_provider) == "missing"


def test_fire_acceptance_is_current_on_its_expiry_day(big_provider):
    LicenceFactory(
        provider=big_provider,
        kind=Licence.Kind.FIRE_ACCEPTANCE,
        issued_on=datetime.date(2015, 1, 1),
        expires_on=ON,
    )

    assert status(big_provider) == "accepted"


def test_other_licences_do_not_count_as_fire_approval(big_provider):
    LicenceFactory(provider=big_provider, kind=Licence.Kind.FOOD_BUSINESS, issued_on=datetime.date(2015, 1, 1))

    assert status(big_provider) == "missing"


# --- payment holds ------------------------------------------------------------------------------


@pytest.fixture
def provider(divisions):
    return ProviderFactory()


def test_opening_a_hold_twice_for_the_same_source_keeps_one_hold(provider):
    first = hold_open(provider=provider, source="finding:7", reason="重大隐患")
    second = hold_open(provider=provider, source="finding:7", reason="重大隐患（再次）")

    assert first == second
    assert ProviderHold.objects.filter(provider=provider).count() == 1
    assert active_holds(provider) == [first]


def test_holds_from_different_sources_are_separate(provider):
    hold_open(provider=provider, source="finding:7", reason="消防")
    hold_open(provider=provider, source="finding:8", reason="食品")

    assert len(active_holds(provider)) == 2


def test_closing_a_hold_ends_it(provider):
    hold = hold_open(provider=provider, source="finding:7", reason="重大隐患")

    assert hold_close(provider=provider, source="finding:7") == 1

    hold.refresh_from_db()
    assert hold.ended_at is not None
    assert active_holds(provider) == []


def test_closing_a_hold_that_is_not_open_does_nothing(provider):
    assert hold_close(provider=provider, source="finding:7") == 0

    hold_open(provider=provider, source="finding:7", reason="重大隐患")
    hold_close(provider=provider, source="finding:7")
    assert hold_close(provider=provider, source="finding:7") == 0


def test_closing_one_source_leaves_the_others(provider):
    hold_open(provider=provider, source="finding:7", reason="消防")
    other = hold_open(provider=provider, source="finding:8", reason="食品")

    hold_close(provider=provider, source="finding:7")

    assert active_holds(provider) == [other]


def test_a_closed_hold_can_be_opened_again_as_a_new_hold(provider):
    first = hold_open(provider=provider, source="finding:7", reason="重大隐患")
    hold_close(provider=provider, source="finding:7")

    again = hold_open(provider=provider, source="finding:7", reason="复查仍未整改")

    assert again != first
    assert active_holds(provider) == [again]


def test_active_holds_at_a_past_moment(provider):
    hold = hold_open(provider=provider, source="finding:7", reason="重大隐患")
    opened = hold.started_at

    hold_close(provider=provider, source="finding:7")

    assert active_holds(provider, opened - datetime.timedelta(seconds=1)) == []
    assert active_holds(provider, opened) == [hold]
    assert active_holds(provider, timezone.now() + datetime.timedelta(seconds=1)) == []


def test_holds_belong_to_their_provider(provider):
    hold_open(provider=provider, source="finding:7", reason="重大隐患")

    assert active_holds(ProviderFactory()) == []


def test_the_database_refuses_a_second_open_hold_for_the_same_source(provider):
    hold_open(provider=provider, source="finding:7", reason="重大隐患")

    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderHold.objects.create(provider=provider, source="finding:7", reason="重复", started_at=timezone.now())


# --- blacklist -----------------------------------------------------------------------------------


def test_blacklisted_only_between_its_dates_inclusive(provider):
    CreditRecordFactory(provider=provider, start_on=datetime.date(2024, 1, 1), end_on=datetime.date(2024, 6, 30))

    assert not is_blacklisted(provider, datetime.date(2023, 12, 31))
    assert is_blacklisted(provider, datetime.date(2024, 1, 1))
    assert is_blacklisted(provider, datetime.date(2024, 6, 30))
    assert not is_blacklisted(provider, datetime.date(2024, 7, 1))


def test_open_ended_blacklisting_lasts(provider):
    CreditRecordFactory(provider=provider, start_on=datetime.date(2024, 1, 1), end_on=None)

    assert is_blacklisted(provider, datetime.date(2030, 1, 1))


@pytest.mark.parametrize("kind", [CreditRecord.Kind.COMMENDATION, CreditRecord.Kind.DISHONESTY])
def test_other_credit_records_are_not_a_blacklisting(provider, kind):
    CreditRecordFactory(provider=provider, kind=kind, start_on=datetime.date(2024, 1, 1))

    assert not is_blacklisted(provider, datetime.date(2024, 3, 1))


def test_another_providers_blacklisting_does_not_count(provider):
    CreditRecordFactory(start_on=datetime.date(2024, 1, 1))

    assert not is_blacklisted(provider, datetime.date(2024, 3, 1))
