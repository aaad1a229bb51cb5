"""What a stored code or number reads as on a screen (issue 21: no raw codes in front of users).

Codes stay in the database, the API and the machine-readable downloads; every screen and
every human-readable file shows the label of the active language instead. A code without a
label is shown as it is, so a new code is visible rather than lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models
from django.template.defaultfilters import yesno
from django.utils.formats import number_format
from django.utils.translation import get_language


def list_separator() -> str:
    """The enumeration comma of the active language: 、 in Chinese, ", " in English."""
    return ", " if (get_language() or "").startswith("en") else "、"


def plain_number(value: Any) -> str:
    """A stored quantity as a person writes it: 19.0000 → "19", 19.5000 → "19.5"; "-" when empty."""
    if value is None or value == "":
        return "-"
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return number_format(number.normalize())


def field_label(model: type[models.Model], name: str) -> str:
    """A model attribute by its verbose name: ``households_served`` → 服务户数."""
    field = model._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def choice_label(code: Any, choices: Any) -> str:
    """The label of one code of ``choices`` (a TextChoices class or a mapping), the code if unknown."""
    labels: Mapping[Any, Any] = choices if isinstance(choices, Mapping) else dict(choices.choices)
    label = labels.get(code)
    return str(label) if label is not None else str(code)


def choice_labels(codes: Iterable[Any] | None, choices: Any) -> str:
    """The labels of a stored list of codes (a JSON list field), joined; "-" for none."""
    codes = list(codes or [])
    if not codes:
        return "-"
    return list_separator().join(choice_label(code, choices) for code in codes)


def yes_no(value: Any) -> str:
    """A boolean in a human-readable file: 是 / 否 (Yes / No under English).

    Django's own "yes,no,maybe" message: the project's catalogue translates a bare "Yes" as
    有 (a medical unit: present), which is not the answer a true/false column needs."""
    return str(yesno(bool(value))).capitalize()


def division_name(code: str | None) -> str:
    """An administrative division by its name (``150203`` → 昆都仑区); the code if unknown."""
    from .models import Division  # the models read nothing from here

    if not code:
        return "-"
    return Division.objects.filter(code=code).values_list("name", flat=True).first() or code
