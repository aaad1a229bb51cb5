"""A child's identifier: a resident ID number, or before one is issued the number of the
birth certificate (出生医学证明编号: one capital letter and nine digits)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from safeguards.identifiers import normalise_id_number, validate_id_number

BIRTH_CERTIFICATE = re.compile(r"[A-Z][0-9]{9}")


def is_birth_certificate_number(value: str) -> bool:
    return bool(BIRTH_CERTIFICATE.fullmatch(normalise_id_number(value).upper()))


def validate_child_identifier(value: str) -> None:
    """An ID number that passes its check digit, or a birth-certificate number."""
    if is_birth_certificate_number(value):
        return
    try:
        validate_id_number(value)
    except ValidationError:
        raise ValidationError(
            _("Enter the child's 18-digit ID number or birth-certificate number (a letter and nine digits)."),
            code="child_identifier",
        ) from None
