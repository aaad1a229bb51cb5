"""Recording caregivers' accident insurance policies (000:1081-1083): the checks a policy
must pass and the one service that saves or removes it.

A policy is accepted only when (DOMAIN §7 "Quantities", issue #13):

- its premium is a finite amount above zero, in yuan to the fen;
- its cover ends after it starts;
- it covers at least one caregiver, and only caregivers of its own provider;
- none of its caregivers is already covered, on any day of its period, by another policy:
  the government co-funds one accident policy per caregiver at a time;
- the insurer has not already issued a policy with the same number (the same policy
  entered twice would be co-funded twice).

Every refusal is a ValidationError naming the field. What the government pays of the
premium (6:3:1) is ``subsidies.accident_insurance``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from safeguards.audit import audit_record

from .models import AccidentPolicy, Caregiver, Provider, User

MAX_PREMIUM = Decimal("999999999999.99")  # what the premium column holds (14 digits, 2 places)


def premium_error(value: object) -> str | None:
    """Why ``value`` is not a premium (None: it is one): text, NaN, Infinity, zero or less,
    fractions of a fen, or more than the column holds."""
    try:
        if isinstance(value, str):
            value = value.strip()
        number = Decimal(value) if isinstance(value, Decimal | int | float | str) else Decimal("NaN")
    except (ArithmeticError, TypeError, ValueError):
        number = Decimal("NaN")
    if not number.is_finite():
        return _("The premium must be a finite number of yuan.")
    if number <= 0:
        return _("The premium must be more than zero.")
    if number != number.quantize(Decimal("0.01")):
        return _("The premium is in yuan to the fen (two decimal places).")
    if number > MAX_PREMIUM:
        return _("The premium is too large.")
    return None


def accident_policy_errors(
    *,
    provider: Provider | None,
    insurer: str,
    number: str,
    starts_on: datetime.date | None,
    ends_on: datetime.date | None,
    premium_yuan: object,
    caregivers: Iterable[Caregiver],
    policy_pk: int | None = None,
) -> dict[str, list[str]]:
    """Every reason the policy may not be saved, by field (empty: it may). ``policy_pk``:
    the policy being changed, which does not overlap itself."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    caregivers = list(caregivers)
    if (reason := premium_error(premium_yuan)) is not None:
        add("premium_yuan", reason)
    if starts_on is not None and ends_on is not None and ends_on <= starts_on:
        add("ends_on", _("The cover must end after it starts."))
    if not caregivers:
        add("caregivers", _("A policy covers at least one caregiver."))
    if provider is not None:
        others = [c for c in caregivers if c.provider_id != provider.pk]
        if others:
            add(
                "caregivers",
                _("Not caregivers of %(provider)s: %(names)s.")
                % {"provider": provider, "names": ", ".join(sorted(c.name for c in others))},
            )
    if insurer and number:
        same_number = AccidentPolicy.objects.filter(insurer=insurer.strip(), number=number.strip())
        if same_number.exclude(pk__in=[policy_pk] if policy_pk else []).exists():
            add("number", _("%(insurer)s has already issued a policy with this number.") % {"insurer": insurer})
    if caregivers and starts_on is not None and ends_on is not None and ends_on > starts_on:
        overlapping = (
            AccidentPolicy.objects.filter(
                caregivers__in=[c.pk for c in caregivers], starts_on__lte=ends_on, ends_on__gte=starts_on
            )
            .exclude(pk__in=[policy_pk] if policy_pk else [])
            .distinct()
            .order_by("starts_on", "pk")
        )
        for other in overlapping:
            covered = sorted(c.name for c in other.caregivers.all() if c in caregivers)
            add(
                "caregivers",
                _("Already covered by policy %(policy)s (%(start)s to %(end)s): %(names)s.")
                % {
                    "policy": other,
                    "start": other.starts_on.isoformat(),
                    "end": other.ends_on.isoformat(),
                    "names": ", ".join(covered),
                },
            )
    return errors


def _values(policy: AccidentPolicy) -> dict[str, Any]:
    return {
        "provider": policy.provider_id,
        "insurer": policy.insurer,
        "number": policy.number,
        "starts_on": policy.starts_on.isoformat(),
        "ends_on": policy.ends_on.isoformat(),
        "premium_yuan": str(policy.premium_yuan),
        "caregivers": sorted(policy.caregivers.values_list("pk", flat=True)),
    }


@transaction.atomic
def accident_policy_save(
    *,
    provider: Provider,
    insurer: str,
    number: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    premium_yuan: object,
    caregivers: Iterable[Caregiver],
    user: User | None,
    policy: AccidentPolicy | None = None,
) -> AccidentPolicy:
    """Record a new policy, or change ``policy``. The caregivers named are locked first, so
    two clerks covering the same caregiver at once cannot both succeed; every check of
    ``accident_policy_errors`` is applied; one ``accident_policy.add`` or
    ``accident_policy.change`` audit entry is written."""
    ids = sorted({c.pk for c in caregivers})
    locked_caregivers = list(Caregiver.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if policy is not None and policy.pk is not None:
        policy = AccidentPolicy.objects.select_for_update().get(pk=policy.pk)
        before: dict[str, Any] | None = _values(policy)
    else:
        policy, before = AccidentPolicy(), None
    errors = accident_policy_errors(
        provider=provider,
        insurer=insurer,
        number=number,
        starts_on=starts_on,
        ends_on=ends_on,
        premium_yuan=premium_yuan,
        caregivers=locked_caregivers,
        policy_pk=policy.pk,
    )
    if errors:
        raise ValidationError(errors)
    policy.provider = provider
    policy.insurer = insurer.strip()
    policy.number = number.strip()
    policy.starts_on = starts_on
    policy.ends_on = ends_on
    policy.premium_yuan = Decimal(str(premium_yuan).strip())
    policy.save()
    policy.caregivers.set(locked_caregivers)
    after = _values(policy)
    if before is None:
        audit_record("accident_policy.add", actor=user, obj=policy, after=after)
    elif before != after:
        changed = [name for name in after if before[name] != after[name]]
        audit_record(
            "accident_policy.change",
            actor=user,
            obj=policy,
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    return policy


@transaction.atomic
def accident_policy_delete(*, policy: AccidentPolicy, user: User | None) -> None:
    """Remove a policy entered in error; one ``accident_policy.delete`` audit entry keeps
    what it said. Lines already co-funding it keep their basis."""
    locked = AccidentPolicy.objects.select_for_update().get(pk=policy.pk)
    audit_record("accident_policy.delete", actor=user, obj=locked, before=_values(locked))
    locked.delete()
