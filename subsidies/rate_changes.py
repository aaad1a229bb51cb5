"""Changing the rate tables: every addition, change or removal of a rate is audited here,
whichever back-office page made it (the rate list or the scheme's inline rates).

Grant lines already computed keep the rate they were computed with (they store it), so a
change applies to runs made after it; that is the lines' rule, not this module's.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from registry.models import User
from safeguards.audit import audited_delete, audited_save

from .models import Rate


def _values(rate: Rate) -> dict[str, Any]:
    """The rate's stored values, by field name (the scheme by its id)."""
    return {field.name: getattr(rate, field.attname) for field in Rate._meta.concrete_fields if not field.primary_key}


@transaction.atomic
def rate_save(*, rate: Rate, user: User | None) -> Rate:
    """Add ``rate``, or save the changes made to it. Writes one ``rate.add`` audit entry
    (every value), or one ``rate.change`` entry with the fields changed, before and after
    (none when nothing changed). The stored row is locked while it is compared and saved."""
    return audited_save(rate, action="rate", actor=user, values=_values)


@transaction.atomic
def rate_delete(*, rate: Rate, user: User | None) -> None:
    """Remove a rate. Writes one ``rate.delete`` audit entry with the values it had."""
    audited_delete(rate, action="rate", actor=user, values=_values)
