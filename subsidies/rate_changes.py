"""Changing the rate tables: every addition, change or removal of a rate is audited here,
whichever back-office page made it (the rate list or the scheme's inline rates).

Grant lines already computed keep the rate they were computed with (they store it), so a
change applies to runs made after it; that is the lines' rule, not this module's.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from registry.models import User
from safeguards.audit import audit_record

from .models import Rate


def _values(rate: Rate) -> dict[str, Any]:
    """The rate's stored values, by field name (the scheme by its id)."""
    return {field.name: getattr(rate, field.attname) for field in Rate._meta.concrete_fields if not field.primary_key}


@transaction.atomic
def rate_save(*, rate: Rate, user: User | None) -> Rate:
    """Add ``rate``, or save the changes made to it. Writes one ``rate.add`` audit entry
    (every value), or one ``rate.change`` entry with the fields changed, before and after
    (none when nothing changed). The stored row is locked while it is compared and saved."""
    if rate.pk is None:
        rate.save()
        audit_record("rate.add", actor=user, obj=rate, after=_values(rate))
        return rate
    before = _values(Rate.objects.select_for_update().get(pk=rate.pk))
    after = _values(rate)
    changed = [name for name, value in after.items() if before[name] != value]
    rate.save()
    if changed:
        audit_record(
            "rate.change",
            actor=user,
            obj=rate,
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    return rate


@transaction.atomic
def rate_delete(*, rate: Rate, user: User | None) -> None:
    """Remove a rate. Writes one ``rate.delete`` audit entry with the values it had."""
    locked = Rate.objects.select_for_update().get(pk=rate.pk)
    audit_record("rate.delete", actor=user, obj=locked, before=_values(locked))
    locked.delete()
