"""A concern's life as a case: received → under investigation → closed, one write service
per step. Each locks the concern, checks the step is allowed from its status and by whom,
and writes one audit entry (``safeguards.audit.audit_record``) that names the case by its
reference and never copies the description or the contact.

Who may receive a concern: a provider that may have people in its care, i.e. filed,
certified or suspended (``RECEIVING_STATUSES``). A suspended provider is still operating
while it puts things right, and is the one a family most needs to report on; a filed one
may already take residents or children (the demo enrols them). A closed or revoked
provider has nobody in its care: the form is not offered and the public page says to
contact the civil affairs or health bureau instead. A draft has no public existence.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Provider, ProviderStatus, User
from registry.scoping import scope_queryset, user_can_see_personal_data
from safeguards.audit import audit_record

from .contacts import contact_errors
from .deadlines import response_due_on
from .models import Category, Concern, Outcome, Status
from .references import new_reference, normalise_reference
from .replies import public_reply_errors

RECEIVING_STATUSES = frozenset({ProviderStatus.FILED, ProviderStatus.CERTIFIED, ProviderStatus.SUSPENDED})
PUBLIC_FORM = "public concern form"  # the audit entry's actor when a citizen sent it (``SYSTEM_ACTORS``)
SCOPE = "provider__division__path"

# Which outcome may close a case from which status: a finding (substantiated or not) needs an
# investigation; a concern referred elsewhere or withdrawn may be closed on receipt.
WITHOUT_INVESTIGATION = frozenset({Outcome.REFERRED, Outcome.WITHDRAWN})
CLOSABLE_FROM: dict[str, frozenset[str]] = {
    Status.RECEIVED: WITHOUT_INVESTIGATION,
    Status.INVESTIGATING: frozenset(Outcome.values),
}


def may_receive_concerns(provider: Provider) -> bool:
    return provider.status in RECEIVING_STATUSES


def may_handle(user: User, concern: Concern) -> bool:
    """A staff user who may change concerns and has this one in their jurisdiction."""
    return user.has_perm("concerns.change_concern") and (
        scope_queryset(Concern.objects.filter(pk=concern.pk), user, SCOPE).exists()
    )


def _check_may_handle(user: User, concern: Concern) -> None:
    if not may_handle(user, concern):
        raise PermissionDenied(_("You may not handle concerns about this provider."))


def concern_receive(
    *,
    provider: Provider,
    category: str,
    description: str,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    actor: User | None = None,
    received_at: datetime.datetime | None = None,
    reference: str | None = None,
) -> Concern:
    """Record a concern about ``provider`` (sent by a citizen through the public form,
    ``actor`` None, or taken down by a clerk from a call or a letter) with its due date and
    a fresh reference number (or ``reference``, fixed in advance: the demo's, so that its
    README can name one; it must be well formed and free)."""
    received_at = received_at or timezone.now()
    if category not in Category.values:
        raise ValidationError({"category": _("Choose what the concern is about.")})
    errors = contact_errors(contact_phone.strip(), contact_email.strip())
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Provider.objects.select_for_update().get(pk=provider.pk)
        if not may_receive_concerns(locked):
            raise ValidationError(
                _("Concerns about a provider whose status is “%(status)s” are not taken here.")
                % {"status": ProviderStatus(locked.status).label}
            )
        if (
            actor is not None
            and not scope_queryset(Provider.objects.filter(pk=locked.pk), actor, "division__path").exists()
        ):
            raise PermissionDenied(_("You may not record concerns about this provider."))
        concern = Concern(
            provider=locked,
            category=category,
            description=description.strip(),
            contact_name=contact_name.strip(),
            contact_phone=contact_phone.strip(),
            contact_email=contact_email.strip(),
            received_at=received_at,
            due_on=response_due_on(received_at),
        )
        concern.full_clean(exclude=["reference"])
        if reference is None:
            _save_with_fresh_reference(concern, year=timezone.localtime(received_at).year, actor=actor)
        else:
            if normalise_reference(reference) != reference or Concern.objects.filter(reference=reference).exists():
                raise ValidationError(_("This reference number is malformed or taken."))
            concern.reference = reference
            concern._history_user = actor
            concern.save()
        audit_record(
            "concern.receive",
            actor=actor,
            actor_name="" if actor is not None else PUBLIC_FORM,
            obj=concern,
            after={
                "provider": locked.uscc,
                "category": concern.category,
                "due_on": concern.due_on.isoformat(),
                "contact_left": concern.has_contact,
            },
        )
    return concern


def _save_with_fresh_reference(concern: Concern, *, year: int, actor: User | None) -> None:
    """Save under a reference nobody has; a collision (one in a trillion) draws again."""
    concern._history_user = actor
    for _attempt in range(5):
        concern.reference = new_reference(year)
        try:
            with transaction.atomic():
                concern.save()
            return
        except IntegrityError:
            if not Concern.objects.filter(reference=concern.reference).exists():
                raise
    raise IntegrityError("no free concern reference after 5 draws")


def _locked(concern: Concern) -> Concern:
    return Concern.objects.select_for_update().select_related("provider").get(pk=concern.pk)


def concern_start_investigation(*, concern: Concern, actor: User) -> Concern:
    """received → under investigation; the clerk who starts it handles the case."""
    _check_may_handle(actor, concern)
    with transaction.atomic():
        locked = _locked(concern)
        if locked.status != Status.RECEIVED:
            raise ValidationError(
                _("Only a concern that is “%(received)s” can be investigated; this one is “%(status)s”.")
                % {"received": Status.RECEIVED.label, "status": Status(locked.status).label}
            )
        locked.status = Status.INVESTIGATING
        locked.investigation_started_at = timezone.now()
        locked.handled_by = actor
        locked._history_user = actor
        locked.save(update_fields=["status", "investigation_started_at", "handled_by"])
        audit_record(
            "concern.investigate",
            actor=actor,
            obj=locked,
            before={"status": Status.RECEIVED.value},
            after={"status": locked.status},
        )
    return locked


def concern_close(*, concern: Concern, outcome: str, public_reply: str, actor: User) -> Concern:
    """Close the case with its outcome and the reply the citizen reads on lookup.

    A finding needs an investigation first; a referral or a withdrawal may close a case
    that is only received (``CLOSABLE_FROM``). The reply is required and may hold no
    personal data (``replies.public_reply_errors``)."""
    _check_may_handle(actor, concern)
    public_reply = (public_reply or "").strip()
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    if not public_reply:
        raise ValidationError({"public_reply": _("Write the reply the citizen will read.")})
    with transaction.atomic():
        locked = _locked(concern)
        allowed = CLOSABLE_FROM.get(locked.status, frozenset())
        if outcome not in allowed:
            if locked.status == Status.CLOSED:
                message = _("This concern is already closed.")
            else:
                message = _(
                    "A concern that is “%(status)s” cannot be closed as “%(outcome)s”: investigate it first."
                ) % {
                    "status": Status(locked.status).label,
                    "outcome": Outcome(outcome).label,
                }
            raise ValidationError(message)
        errors = public_reply_errors(public_reply, contact_name=locked.contact_name)
        if errors:
            raise ValidationError({"public_reply": errors})
        before = locked.status
        locked.status = Status.CLOSED
        locked.outcome = outcome
        locked.public_reply = public_reply
        locked.closed_at = timezone.now()
        locked.handled_by = locked.handled_by or actor
        locked._history_user = actor
        locked.full_clean(exclude=["reference"], validate_unique=False)
        locked.save(update_fields=["status", "outcome", "public_reply", "closed_at", "handled_by"])
        audit_record(
            "concern.close",
            actor=actor,
            obj=locked,
            before={"status": before},
            after={"status": locked.status, "outcome": outcome},
        )
    return locked


def concern_save_notes(*, concern: Concern, internal_notes: str, actor: User) -> Concern:
    """Change the staff-only notes of a case (any status); audited without their text."""
    _check_may_handle(actor, concern)
    with transaction.atomic():
        locked = _locked(concern)
        notes = (internal_notes or "").strip()
        if notes == locked.internal_notes:
            return locked
        locked.internal_notes = notes
        locked._history_user = actor
        locked.save(update_fields=["internal_notes"])
        audit_record("concern.note", actor=actor, obj=locked, detail="internal_notes")
    return locked


def concern_contact_reveal(*, concern: Concern, actor: User) -> dict[str, str]:
    """The citizen's contact in full, for a clerk of the jurisdiction who may see personal
    data; recorded in the audit log (as ``registry.personal_data.personal_data_reveal``)."""
    if not user_can_see_personal_data(actor) or not may_handle(actor, concern):
        raise PermissionDenied
    audit_record("personal_data.reveal", actor=actor, obj=concern, detail="contact_name, contact_phone, contact_email")
    return {"name": concern.contact_name, "phone": concern.contact_phone, "email": concern.contact_email}
