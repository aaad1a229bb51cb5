"""The contact a citizen may leave with a concern: what is accepted, and how it is shown
masked (every list, and every page of a user who may not see personal data)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from safeguards.identifiers import mask_phone, normalise_phone

from .models import Concern


def contact_errors(phone: str, email: str) -> dict[str, str]:
    """Why a phone or an email cannot be kept (by field name); empty when both can."""
    errors = {}
    digits = normalise_phone(phone).removeprefix("+")
    if phone and not (digits.isdigit() and 7 <= len(digits) <= 20):
        errors["contact_phone"] = _("Enter a phone number of 7 to 20 digits.")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["contact_email"] = _("Enter an email address such as name@example.cn.")
    return errors


def mask_name(name: str) -> str:
    """``王建国`` → ``王**``; ``Anna Li`` → ``A******``."""
    name = (name or "").strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_email(email: str) -> str:
    """``wang.li@example.cn`` → ``w***@example.cn``."""
    local, at, domain = (email or "").strip().partition("@")
    if not at:
        return "*" * len(local)
    return f"{local[:1]}***@{domain}"


def masked_contact(concern: Concern) -> str:
    """The contact left, masked, on one line ("" if none)."""
    parts = [mask_name(concern.contact_name), mask_phone(concern.contact_phone), mask_email(concern.contact_email)]
    return " · ".join(part for part in parts if part)
