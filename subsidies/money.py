"""Money: Decimal yuan with two places, rounded half-up to the fen, exact splits.

One rounding helper for the whole project (STYLE: one ``round_decimal``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FEN = Decimal("0.01")


def to_fen(amount: Decimal | int | str) -> Decimal:
    """Round to the fen, half-up: 0.005 → 0.01."""
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)


def as_decimal(value: object) -> Decimal:
    """``value`` (a number or its text) as a Decimal; NaN when it is not a number."""
    try:
        if isinstance(value, str):
            value = value.strip()
        return Decimal(value) if isinstance(value, Decimal | int | float | str) else Decimal("NaN")
    except (ArithmeticError, TypeError, ValueError):
        return Decimal("NaN")


def finite_number(value: object, field_name: str, label: str) -> Decimal:
    """``value`` as a finite Decimal; text, NaN or Infinity is a validation error naming the field."""
    number = as_decimal(value)
    if not number.is_finite():
        raise ValidationError({field_name: _("%(field)s must be a number.") % {"field": label}})
    return number


def check_amount(amount: object, field_name: str = "amount") -> Decimal:
    """``amount`` as a Decimal if it is a finite, non-negative number (DOMAIN §7: every
    amount finite and non-negative); otherwise a ValidationError naming the field."""
    value = as_decimal(amount)
    if not value.is_finite():
        raise ValidationError({field_name: _("The amount must be a finite number.")})
    if value < 0:
        raise ValidationError({field_name: _("The amount cannot be negative.")})
    return value


def split_exact(total: Decimal, ratios: Sequence[int | Decimal]) -> list[Decimal]:
    """Split ``total`` by ``ratios`` so the parts sum exactly to ``total``.

    Every part but the last is rounded half-up to the fen; the last takes the rounding
    difference (DESIGN: a 3:3:4 or 5:3:2 split always sums exactly).

    >>> split_exact(Decimal("600000.00"), [3, 3, 4])
    [Decimal('180000.00'), Decimal('180000.00'), Decimal('240000.00')]
    >>> split_exact(Decimal("100.00"), [1, 1, 1])
    [Decimal('33.33'), Decimal('33.33'), Decimal('33.34')]
    """
    if not ratios or any(Decimal(r) <= 0 for r in ratios):
        raise ValueError("ratios must be positive")
    check_amount(total)
    total = to_fen(total)
    weight = sum(Decimal(r) for r in ratios)
    parts = [to_fen(total * Decimal(r) / weight) for r in ratios[:-1]]
    parts.append(total - sum(parts, Decimal("0.00")))
    if parts[-1] < 0:
        # Cannot happen with three parts or fewer (the rounding of two parts is at most
        # one fen); refuse rather than pay a negative share.
        raise ValueError("split would give the last part a negative amount")
    return parts
