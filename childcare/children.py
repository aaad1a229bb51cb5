"""Enrolling children and recording that they left: the rules a child's record must meet
beyond the model's own, and the write services every entry point calls.

A child's record is accepted only when (issue 17, DOMAIN §7):

- its provider is an infant-care provider (托育机构, nursery, kindergarten toddler class,
  childcare point): an elderly-care provider enrols no children;
- the child is under 3 on the enrolment date (36 full months, ``ages.age_in_months``):
  infant care is for children under 3 (000:36-38);
- an 18-digit ID number carries the date of birth recorded (a birth-certificate number
  carries none);
- and the model's rules: enrolled on or after birth, left on or after enrolment, a class of
  the same provider, one record per child and provider.

The back-office saves children through ``child_save`` and ``record_leaving``; the roster
engine checks each row with ``child_errors`` (``rosters.CHILDREN``) and records the import.
Each service writes one audit entry (``child.add``, ``child.change``, ``child.leave``,
``child.delete``), ID and phone numbers masked.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from registry.models import Provider, ProviderKind, User
from safeguards.audit import audit_record

from .ages import THREE_YEARS_IN_MONTHS, age_in_months
from .auditing import delete_audited, save_audited
from .models import Child, ChildcareClass

ID_NUMBER_LENGTH = 18


def is_childcare_provider(provider: Provider) -> bool:
    return provider.kind in ProviderKind.childcare()


def child_errors(child: Child) -> dict[str, str]:
    """The reasons, by field, why ``child`` may not be recorded, beyond the model's own
    (empty: it may). Reads the provider the record holds, no other query."""
    errors: dict[str, str] = {}
    provider = child.provider if child.provider_id else None
    if provider is not None and not is_childcare_provider(provider):
        errors["provider"] = _(
            "%(provider)s is not an infant-care provider: only infant-care providers enrol children."
        ) % {"provider": provider.name}
    if (
        child.birth_date
        and child.enrolled_on
        and age_in_months(child.birth_date, child.enrolled_on) >= THREE_YEARS_IN_MONTHS
    ):
        errors["enrolled_on"] = _("The child is already 3 on the enrolment date: infant care is for children under 3.")
    number = child.id_number or ""
    if child.birth_date and len(number) == ID_NUMBER_LENGTH and number[6:14] != child.birth_date.strftime("%Y%m%d"):
        errors["birth_date"] = _("The date of birth differs from the one in the ID number.")
    return errors


def check_child(child: Child) -> None:
    """Every rule of a child's record, as one ValidationError by field; nothing is saved.
    The provider portal's enrolment form calls it so that the provider sees a refusal
    before sending; ``child_save`` again when the clerk accepts."""
    messages: dict[str, list[str]] = {}
    try:
        child.full_clean()
    except ValidationError as error:
        messages = {name: list(errors) for name, errors in error.message_dict.items()}
    for name, message in child_errors(child).items():
        messages.setdefault(name, []).append(message)
    if messages:
        raise ValidationError(messages)


@transaction.atomic
def child_save(*, child: Child, actor: User | None) -> Child:
    """Enrol ``child`` (new) or save the changes made to it, after every check; one
    ``child.add`` entry with its values, or ``child.change`` with the fields changed."""
    check_child(child)
    save_audited(child, action="child", actor=actor)
    return child


def enrol_child(
    *,
    provider: Provider,
    name: str,
    id_number: str,
    birth_date: datetime.date,
    mode: str,
    enrolled_on: datetime.date,
    guardian_name: str,
    phone: str = "",
    childcare_class: ChildcareClass | None = None,
    actor: User | None,
) -> Child:
    """A new child at ``provider`` (``child_save``'s checks and audit entry)."""
    child = Child(
        provider=provider,
        name=name,
        id_number=id_number,
        birth_date=birth_date,
        mode=mode,
        enrolled_on=enrolled_on,
        guardian_name=guardian_name,
        phone=phone,
        childcare_class=childcare_class,
    )
    return child_save(child=child, actor=actor)


@transaction.atomic
def record_leaving(*, child: Child, left_on: datetime.date, actor: User | None) -> Child:
    """Record the last day ``child`` attended (or correct it). The child is locked, so two
    clerks recording it at once write one after the other; refused before the enrolment.
    One ``child.leave`` audit entry with the day before and after."""
    locked = Child.objects.select_for_update().get(pk=child.pk)
    if left_on < locked.enrolled_on:
        raise ValidationError({"left_on": _("The day the child left cannot be before the enrolment.")})
    before = locked.left_on
    if before == left_on:
        return locked
    locked.left_on = left_on
    locked.save(update_fields=["left_on"])
    audit_record(
        "child.leave",
        actor=actor,
        obj=locked,
        before={"left_on": before},
        after={"left_on": left_on},
    )
    return locked


@transaction.atomic
def child_delete(*, child: Child, actor: User | None) -> None:
    """Remove a child entered in error (one ``child.delete`` entry keeps what it said)."""
    delete_audited(child, action="child", actor=actor)
