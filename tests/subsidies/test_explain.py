"""The sentence beside each line lets a clerk recompute its amount by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import translation

from subsidies.explain import explain_line
from subsidies.models import GrantLine


def operating_line(**overrides) -> GrantLine:
    basis = {
        "rule": "min_days",
        "min_days": 15,
        "residents_counted": "52",
        "residents_excluded_as_duplicates": 1,
        "cap_beds": 50,
        **overrides,
    }
    return GrantLine(
        period=datetime.date(2026, 11, 1),
        basis=basis,
        quantity=Decimal("50.0000"),
        rate=Decimal("100.00"),
        amount=Decimal("5000.00"),
    )


def test_an_operating_line_names_rule_count_cap_and_arithmetic():
    with translation.override("en"):
        text = explain_line(operating_line())

    assert "at least 15 days" in text
    assert "52 counted (1 excluded" in text
    assert "capped at 50 beds" in text
    assert "50 × 100.00 yuan = 5000.00 yuan" in text


def test_the_explanation_is_in_chinese_by_default():
    with translation.override("zh-hans"):
        text = explain_line(operating_line())

    assert "当月在住满15天" in text and "5000.00元" in text


def test_an_adjustment_says_which_approved_count_it_corrects():
    line = operating_line(adjusts_quantity="48.0000")
    line.kind = GrantLine.Kind.ADJUSTMENT

    with translation.override("en"):
        assert "Adjusts the approved count 48 of 2026-11." in explain_line(line)  # issue 21: counts as plain numbers
