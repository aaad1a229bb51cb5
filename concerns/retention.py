"""How long the contact a citizen left with a concern is kept (``CONCERN_CONTACT_RETENTION_DAYS``).

The contact (a name, a phone, an email) is there so that the clerk can ask the citizen
more and tell them the outcome. Once the concern has been closed that long, nobody needs
it: ``delete_old_concern_contacts`` blanks it (nightly, ``concerns.tasks``), as the
personal-data rules of DESIGN.md ask for data kept without a purpose.

- **What goes**: the contact name, phone (and its keyed hash) and email. The history
  tables never held them (``models.Concern.history``), so nothing else needs cleaning.
- **What stays**: the case — provider, category, the citizen's description, the outcome,
  the public reply — which the public statistics and the reference lookup still read, and
  ``contact_deleted_at``, which the admin shows in place of the contact.
- **Open cases are never touched**, however old: the period runs from ``closed_at``.
- **Safe to run at any time, and twice**: each case is locked and checked again before its
  contact goes; a case whose contact is gone is not selected again.
- **Audited**: one ``concern.contact_purge`` entry per run that deleted something, with the
  count (never a reference: the audit log is not where a case's history is read).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone

from safeguards.audit import audit_record

from .models import Concern, Status

CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_phone_hash", "contact_email")


def contact_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Concerns closed before this are past ``CONCERN_CONTACT_RETENTION_DAYS``."""
    return (now or timezone.now()) - datetime.timedelta(days=settings.CONCERN_CONTACT_RETENTION_DAYS)


def concerns_keeping_old_contact(cutoff: datetime.datetime) -> QuerySet[Concern]:
    """Closed before ``cutoff`` and still holding a contact. The email is encrypted, so it
    is compared by its stored length (empty stays empty, ``safeguards.fields``)."""
    return (
        Concern.objects.filter(status=Status.CLOSED, closed_at__lt=cutoff)
        .annotate(email_stored=Length("contact_email"))
        .filter(~Q(contact_name="") | ~Q(contact_phone_hash="") | Q(email_stored__gt=0))
    )


def contact_kept_until(concern: Concern) -> datetime.date | None:
    """The day the contact of ``concern`` is deleted, or None while it is open or has none."""
    if concern.status != Status.CLOSED or concern.closed_at is None or not concern.has_contact:
        return None
    return timezone.localdate(concern.closed_at + datetime.timedelta(days=settings.CONCERN_CONTACT_RETENTION_DAYS))


def _delete_contact(pk: int, cutoff: datetime.datetime, now: datetime.datetime) -> bool:
    with transaction.atomic():
        concern = concerns_keeping_old_contact(cutoff).select_for_update(of=("self",)).filter(pk=pk).first()
        if concern is None:  # deleted meanwhile by another run
            return False
        Concern.objects.filter(pk=pk).update(**dict.fromkeys(CONTACT_FIELDS, ""), contact_deleted_at=now)
    return True


def delete_old_concern_contacts(*, now: datetime.datetime | None = None) -> int:
    """Blank the contact of every concern closed more than ``CONCERN_CONTACT_RETENTION_DAYS``
    ago; how many were blanked. One audit entry when any was; a second run finds none."""
    now = now or timezone.now()
    cutoff = contact_cutoff(now)
    pks = list(concerns_keeping_old_contact(cutoff).order_by("pk").values_list("pk", flat=True))
    deleted = sum(_delete_contact(pk, cutoff, now) for pk in pks)
    if deleted:
        audit_record(
            "concern.contact_purge",
            actor=None,
            after={"contacts_deleted": deleted},
            detail=(
                f"contacts of concerns closed before {cutoff:%Y-%m-%d} deleted "
                f"({settings.CONCERN_CONTACT_RETENTION_DAYS} days)"
            ),
        )
    return deleted
