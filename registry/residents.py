"""A stay's start and end, one resident at a time: the write services of an admission and
a discharge (the provider portal's monthly census, issue 18; any back-office entry point
may call them too). A roster changes many stays at once through the roster engine.

A stay is one ``Resident`` row, and a person has one row per provider
(``resident_once_per_provider``). The rules:

- an admission meets the model's rules (a valid ID number, a known care level and
  categories, a banner/county as home county) and is not dated after today: a census
  records what happened;
- a person whose earlier stay at the same provider is on record is refused: admitting
  them again would mean reopening that row, which rewrites the stay earlier months were
  counted (and paid) for; the district office corrects it in the back office;
- a stay that shares days with the same person's stay at another provider is *not*
  refused: it is a data conflict the clerks decide (``overlaps``, DOMAIN §7 "Same person,
  two providers"), and the admission says so (``shares_days_elsewhere``);
- a discharge ends a stay not yet ended, on a day from its admission to today; a transfer
  out is a discharge whose note names where the person went.

Each service locks what it changes and writes one audit entry, the ID number masked (the
audit log is read by people who may not see personal data).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguards.audit import audit_record
from safeguards.crypto import id_number_hash
from safeguards.identifiers import mask_id_number, normalise_id_number

from .models import Division, Provider, Resident, User
from .overlaps import shares_days


def check_admission(resident: Resident) -> None:
    """Every rule of a new stay (the model's and those above), as one ValidationError by
    field; nothing is saved. The portal's form calls it so that the provider sees a
    refusal before sending, the service again when the clerk accepts."""
    messages: dict[str, list[str]] = {}
    try:
        resident.full_clean()
    except ValidationError as error:
        messages = {name: list(errors) for name, errors in error.message_dict.items()}
    if resident.admitted_on and resident.admitted_on > timezone.localdate():
        messages.setdefault("admitted_on", []).append(_("The admission date cannot be in the future."))
    earlier = earlier_stay_here(resident)
    if earlier is not None:
        # Replaces the model's "already registered" message with what to do about it.
        messages["id_number"] = [
            _(
                "This person's stay here from %(admitted)s is on record: the district office corrects it "
                "(one record per person and provider)."
            )
            % {"admitted": earlier.admitted_on.isoformat()}
        ]
    if messages:
        raise ValidationError(messages)


def earlier_stay_here(resident: Resident) -> Resident | None:
    """The stay of the same person already on record at the same provider, if any."""
    if not resident.provider_id or not resident.id_number:
        return None
    number = normalise_id_number(resident.id_number)
    return (
        Resident.objects.filter(provider_id=resident.provider_id, id_number_hash=id_number_hash(number))
        .exclude(pk=resident.pk)
        .first()
    )


def shares_days_elsewhere(resident: Resident) -> bool:
    """Whether the same person has a stay at another provider sharing a day with this one:
    both are then counted at neither provider until a clerk decides (``overlaps``)."""
    others: Iterable[Resident] = Resident.objects.filter(id_number_hash=resident.id_number_hash).exclude(
        provider_id=resident.provider_id
    )
    return any(shares_days(resident, other) for other in others)


@transaction.atomic
def resident_admit(
    *,
    provider: Provider,
    name: str,
    id_number: str,
    admitted_on: datetime.date,
    care_level: str,
    categories: Iterable[str] = (),
    bed_number: str = "",
    home_county: Division | None = None,
    actor: User | None,
    source: str = "",
) -> Resident:
    """Record a new stay at ``provider`` after every check (``check_admission``); one
    ``resident.admit`` audit entry naming ``source`` (e.g. the portal submission)."""
    Provider.objects.select_for_update().filter(pk=provider.pk).first()  # admissions at a provider, one at a time
    resident = Resident(
        provider=provider,
        name=name.strip(),
        id_number=normalise_id_number(id_number),
        admitted_on=admitted_on,
        care_level=care_level,
        categories=sorted(set(categories)),
        bed_number=bed_number.strip(),
        home_county=home_county,
    )
    check_admission(resident)
    resident.save()
    audit_record(
        "resident.admit",
        actor=actor,
        obj=resident,
        after={
            "provider": provider.name,
            "id_number": mask_id_number(resident.id_number),
            "admitted_on": admitted_on,
            "care_level": care_level,
            "categories": resident.categories,
            "bed_number": resident.bed_number,
        },
        detail=source,
    )
    return resident


@transaction.atomic
def resident_discharge(
    *, resident: Resident, discharged_on: datetime.date, actor: User | None, note: str = "", source: str = ""
) -> Resident:
    """End ``resident``'s stay on ``discharged_on`` (their last day in care); refused for a
    stay already ended, before the admission or after today. ``note``: where the person
    went (a transfer out names the receiving provider). One ``resident.discharge`` entry."""
    locked = Resident.objects.select_for_update().select_related("provider").get(pk=resident.pk)
    if locked.discharged_on is not None:
        raise ValidationError(
            {"resident": _("%(name)s was discharged on %(day)s.") % {"name": locked.name, "day": locked.discharged_on}}
        )
    if discharged_on < locked.admitted_on:
        raise ValidationError({"discharged_on": _("The discharge date cannot be before the admission date.")})
    if discharged_on > timezone.localdate():
        raise ValidationError({"discharged_on": _("The discharge date cannot be in the future.")})
    locked.discharged_on = discharged_on
    locked.save(update_fields=["discharged_on"])
    audit_record(
        "resident.discharge",
        actor=actor,
        obj=locked,
        before={"discharged_on": None},
        after={"discharged_on": discharged_on, "note": note},
        detail=source,
    )
    return locked
