"""Writing the records a ratio check reads — classes, childcare staff, class standards —
through one audited service each, whichever back-office page saves them.

A class and its staff member must belong to an infant-care provider, and a staff member's
class to their own provider (the model checks the latter). A class standard is reference
data: two standards of one class type in force on the same day would make the check
depend on which was read, so a standard that overlaps another of its type is refused.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from registry.models import User
from registry.selectors import covers

from .auditing import delete_audited, save_audited
from .children import is_childcare_provider
from .models import ChildcareClass, ChildcareWorker, ClassStandard


def staffing_errors(record: ChildcareClass | ChildcareWorker) -> dict[str, str]:
    """Why a class or a staff member may not be recorded, beyond the model's own rules
    (empty: it may): its provider must be an infant-care provider."""
    provider = record.provider if record.provider_id else None
    if provider is None or is_childcare_provider(provider):
        return {}
    message = _(
        "%(provider)s is not an infant-care provider: only infant-care providers have classes and childcare staff."
    )
    return {"provider": message % {"provider": provider.name}}


def _checked(record: ChildcareClass | ChildcareWorker) -> None:
    messages: dict[str, list[str]] = {}
    try:
        record.full_clean()
    except ValidationError as error:
        messages = {name: list(errors) for name, errors in error.message_dict.items()}
    for name, message in staffing_errors(record).items():
        messages.setdefault(name, []).append(message)
    if messages:
        raise ValidationError(messages)


@transaction.atomic
def class_save(*, childcare_class: ChildcareClass, actor: User | None) -> ChildcareClass:
    """Add or change a class (``childcare_class.add`` / ``.change`` audit entries)."""
    _checked(childcare_class)
    save_audited(childcare_class, action="childcare_class", actor=actor)
    return childcare_class


@transaction.atomic
def class_delete(*, childcare_class: ChildcareClass, actor: User | None) -> None:
    """Remove a class; its children and staff keep their records, without a class."""
    delete_audited(childcare_class, action="childcare_class", actor=actor)


@transaction.atomic
def worker_save(*, worker: ChildcareWorker, actor: User | None) -> ChildcareWorker:
    """Add or change a member of a provider's childcare staff (``childcare_worker.*``)."""
    _checked(worker)
    save_audited(worker, action="childcare_worker", actor=actor)
    return worker


@transaction.atomic
def worker_delete(*, worker: ChildcareWorker, actor: User | None) -> None:
    delete_audited(worker, action="childcare_worker", actor=actor)


def standard_overlaps(standard: ClassStandard) -> bool:
    """Whether another standard of the same class type is in force on a day of this one's."""
    if not standard.class_type or standard.effective_from is None:
        return False
    last = standard.effective_to or datetime.date.max
    others = ClassStandard.objects.filter(
        covers(standard.effective_from, last, start="effective_from", end="effective_to"),
        class_type=standard.class_type,
    )
    return others.exclude(pk=standard.pk).exists()


def standard_errors(standard: ClassStandard) -> dict[str, str]:
    """Why a class standard may not be recorded, beyond the model's own rules (empty: it
    may): it ends before it starts, or another standard of its type is in force on one of
    its days (which would make a class's check depend on which of the two was read)."""
    if standard.effective_from and standard.effective_to and standard.effective_to < standard.effective_from:
        return {"effective_to": _("A standard cannot end before it starts.")}
    if standard_overlaps(standard):
        return {
            "effective_from": _(
                "Another standard of this class type is in force on a day of this one: "
                "end it the day before this one starts."
            )
        }
    return {}


@transaction.atomic
def standard_save(*, standard: ClassStandard, actor: User | None) -> ClassStandard:
    """Add or change a class standard after every check (``standard_errors``): to change
    the numbers from a date, end the old standard the day before the new one starts. The
    type's standards are locked while compared, so two users cannot add overlapping ones.
    One ``class_standard.add`` or ``.change`` audit entry."""
    list(ClassStandard.objects.select_for_update().filter(class_type=standard.class_type))
    standard.full_clean()
    errors = standard_errors(standard)
    if errors:
        raise ValidationError(errors)
    save_audited(standard, action="class_standard", actor=actor)
    return standard


@transaction.atomic
def standard_delete(*, standard: ClassStandard, actor: User | None) -> None:
    delete_audited(standard, action="class_standard", actor=actor)
