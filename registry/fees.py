"""Publishing a provider's fee items (000:525-531: fee items and standards are disclosed,
at the provider and on the public register).

A fee item is in force from ``effective_from`` to ``effective_to`` (empty: until further
notice); the public page shows the items in force today (``selectors.in_force_on``). A
new item replaces the provider's item of the same kind, name and childcare service mode:
``fee_item_publish`` ends the one in force the day before the new one starts, so that on
every day exactly one price of that item is disclosed. Market-priced fees "are announced
in advance" (000:542-546): an item that starts after today is published at once and shown
from its day.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from safeguards.audit import audit_record

from .models import FeeItem, Provider, User


def fee_item_successor_errors(
    *, provider: Provider, kind: str, name: str, care_mode: str, effective_from: datetime.date
) -> dict[str, str]:
    """Why a new item of this kind and name could not follow the provider's items (empty:
    it can): an item of the same kind and name that starts on or after the new one's day
    would leave two prices for the same days."""
    later = (
        FeeItem.objects.filter(
            provider=provider, kind=kind, name=name.strip(), care_mode=care_mode, effective_from__gte=effective_from
        )
        .order_by("effective_from")
        .first()
    )
    if later is None:
        return {}
    return {
        "effective_from": _("“%(name)s” already has a price from %(day)s: choose a later day.")
        % {"name": later.name, "day": later.effective_from.isoformat()}
    }


@transaction.atomic
def fee_item_publish(
    *,
    provider: Provider,
    kind: str,
    name: str,
    amount: Decimal,
    unit: str,
    effective_from: datetime.date,
    care_mode: str = "",
    actor: User | None,
    source: str = "",
) -> FeeItem:
    """Publish a new fee item from ``effective_from``; the provider's item of the same kind,
    name and service mode in force the day before ends that day. Refused when such an item
    starts on or after ``effective_from`` (``fee_item_successor_errors``) or when the item
    breaks the model's rules (a negative amount, an unknown kind or unit). One
    ``fee_item.publish`` audit entry."""
    name = name.strip()
    # The provider's items of this name, locked: two publications of one item, one after the other.
    same = list(
        FeeItem.objects.select_for_update().filter(provider=provider, kind=kind, name=name, care_mode=care_mode)
    )
    errors = fee_item_successor_errors(
        provider=provider, kind=kind, name=name, care_mode=care_mode, effective_from=effective_from
    )
    if errors:
        raise ValidationError(errors)
    item = FeeItem(
        provider=provider,
        kind=kind,
        name=name,
        amount=amount,
        unit=unit,
        care_mode=care_mode,
        effective_from=effective_from,
    )
    item.full_clean()
    day_before = effective_from - datetime.timedelta(days=1)
    ended = []
    for previous in same:
        if previous.effective_to is None or previous.effective_to > day_before:
            previous.effective_to = day_before
            previous.save(update_fields=["effective_to"])
            ended.append(previous)
    item.save()
    audit_record(
        "fee_item.publish",
        actor=actor,
        obj=item,
        after={
            "kind": kind,
            "name": name,
            "amount": str(amount),
            "unit": unit,
            "care_mode": care_mode,
            "effective_from": effective_from,
            "ended": [f"{p.name} {p.amount} → {day_before.isoformat()}" for p in ended],
        },
        detail=source,
    )
    return item
