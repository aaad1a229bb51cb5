"""Money: half-up rounding to the fen, exact splits, and the worked construction examples
a clerk checks by hand (DOMAIN §3; DESIGN "Rules that hold everywhere")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subsidies.instalments import eligible_beds
from subsidies.money import split_exact, to_fen
from subsidies.services import construction_quote

# --- rounding ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, expected",
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("0.015", "0.02"),  # half-up, not banker's rounding (which gives 0.02 here too)
        ("0.025", "0.03"),  # banker's rounding would give 0.02
        ("2.675", "2.68"),
        ("100", "100.00"),
        ("-0.005", "-0.01"),
    ],
)
def test_to_fen_rounds_half_up_to_two_places(amount, expected):
    assert str(to_fen(Decimal(amount))) == expected


def test_to_fen_accepts_strings_and_ints():
    assert to_fen("12.345") == Decimal("12.35")
    assert to_fen(7) == Decimal("7.00")


# --- splits ------------------------------------------------------------------------------


def test_split_334_of_600000():
    assert split_exact(Decimal("600000.00"), [3, 3, 4]) == [
        Decimal("180000.00"),
        Decimal("180000.00"),
        Decimal("240000.00"),
    ]


def test_split_in_thirds_gives_the_last_part_the_rounding():
    assert split_exact(Decimal("100.00"), [1, 1, 1]) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]


def test_split_of_one_fen_puts_it_in_the_last_part():
    assert split_exact(Decimal("0.01"), [3, 3, 4]) == [Decimal("0.00"), Decimal("0.00"), Decimal("0.01")]


def test_split_532_rounds_the_first_share_half_up():
    assert split_exact(Decimal("10000.01"), [5, 3, 2]) == [Decimal("5000.01"), Decimal("3000.00"), Decimal("2000.00")]


@pytest.mark.parametrize("ratios", [[], [3, 0, 4], [1, -1]])
def test_split_refuses_ratios_that_are_not_all_positive(ratios):
    with pytest.raises(ValueError):
        split_exact(Decimal("100.00"), ratios)


def _half_up_share(total: Decimal, ratio: int, weight: int) -> Decimal:
    """The exact share (a fraction) rounded half-up to the fen, computed independently."""
    exact = Fraction(total) * ratio / weight
    fen = exact * 100
    whole = fen.numerator // fen.denominator
    if fen - whole >= Fraction(1, 2):
        whole += 1
    return (Decimal(whole) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


totals = st.integers(min_value=0, max_value=10**11).map(lambda fen: Decimal(fen).scaleb(-2))
ratio_lists = st.one_of(
    st.sampled_from([[3, 3, 4], [5, 3, 2], [6, 3, 1], [1]]),
    st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=3),
)


@settings(max_examples=400, deadline=None)
@given(total=totals, ratios=ratio_lists)
def test_every_split_sums_exactly_and_rounds_each_part_but_the_last_half_up(total, ratios):
    parts = split_exact(total, ratios)

    assert len(parts) == len(ratios)
    assert sum(parts, Decimal("0.00")) == total
    assert all(part >= 0 for part in parts)
    assert all(part.as_tuple().exponent == -2 for part in parts)
    weight = sum(ratios)
    assert parts[:-1] == [_half_up_share(total, ratio, weight) for ratio in ratios[:-1]]


# --- eligible beds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "beds, area, expected",
    [
        (120, "3600", 120),  # 3600 / 30 = 120 exactly
        (37, "1000", 33),  # floor(33.33): the area limits
        (120, "3599.99", 119),
        (10, "3600", 10),  # the claim limits
        (0, "3600", 0),
        (5, "29.99", 0),
    ],
)
def test_eligible_beds_is_the_lesser_of_beds_claimed_and_floor_of_area_over_30(beds, area, expected):
    assert eligible_beds(beds=beds, floor_area_m2=Decimal(area), area_per_bed_m2=Decimal("30")) == expected


# --- worked construction examples (rates from the reference data) ------------------------


def test_baotou_120_new_beds_on_3600_m2(divisions):
    quote = construction_quote(
        scheme_code="BT-CONSTRUCT-BED", basis="new_build", beds=120, floor_area_m2=Decimal("3600"), first_year=2026
    )

    assert quote.eligible_beds == 120
    assert quote.rate == Decimal("5000.00")
    assert quote.total == Decimal("600000.00")
    assert quote.instalments == [
        (2026, Decimal("180000.00")),
        (2027, Decimal("180000.00")),
        (2028, Decimal("240000.00")),
    ]
    assert quote.problems == []


def test_baotou_37_beds_on_1000_m2_counts_33_beds(divisions):
    quote = construction_quote(
        scheme_code="BT-CONSTRUCT-BED", basis="new_build", beds=37, floor_area_m2=Decimal("1000"), first_year=2027
    )

    assert quote.eligible_beds == 33
    assert quote.total == Decimal("165000.00")
    assert quote.instalments == [
        (2027, Decimal("49500.00")),
        (2028, Decimal("49500.00")),
        (2029, Decimal("66000.00")),
    ]


@pytest.mark.parametrize(
    "scheme_code, basis, total, instalments",
    [
        ("IM-CONSTRUCT-BED", "new_build", "300000.00", ["90000.00", "90000.00", "120000.00"]),
        ("IM-CONSTRUCT-BED", "bought_renovated", "200000.00", ["60000.00", "60000.00", "80000.00"]),
        ("IM-CONSTRUCT-BED", "leased_5y", "100000.00", ["30000.00", "30000.00", "40000.00"]),
        ("BT-CONSTRUCT-BED", "expansion", "100000.00", ["30000.00", "30000.00", "40000.00"]),
    ],
)
def test_per_bed_rates_by_premises_basis_for_50_beds(divisions, scheme_code, basis, total, instalments):
    quote = construction_quote(
        scheme_code=scheme_code, basis=basis, beds=50, floor_area_m2=Decimal("1500"), first_year=2026
    )

    assert quote.eligible_beds == 50
    assert quote.total == Decimal(total)
    assert quote.instalments == [(2026 + i, Decimal(a)) for i, a in enumerate(instalments)]


def test_an_odd_total_splits_to_the_fen_with_the_last_instalment_taking_the_rounding():
    # 30 % of 33,333.33 is 9,999.999 → 10,000.00 twice; the last takes what is left.
    assert split_exact(Decimal("33333.33"), [3, 3, 4]) == [
        Decimal("10000.00"),
        Decimal("10000.00"),
        Decimal("13333.33"),
    ]
    # 30 % of 0.05 is 0.015 → 0.02 (half-up) twice; the last gets the remaining 0.01.
    assert split_exact(Decimal("0.05"), [3, 3, 4]) == [Decimal("0.02"), Decimal("0.02"), Decimal("0.01")]
