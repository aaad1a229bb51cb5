"""Credit disclosure (双公示): what the public register publishes of a provider's credit
information, and the objections a provider raises against it (issue 19).

- Administrative licences and penalties (000:589-593; 002:245-247) are published with
  their decision number, date, deciding authority, decision and legal basis
  (``CreditDisclosure``, saved through ``disclosure_save``). A penalty stays published for
  a period: at least and at most ``settings.CREDIT_PENALTY_PUBLICATION_YEARS`` years from
  the decision (the seeds set none; the national rule for 信用中国 is one to three years
  for ordinary penalties); without an end it is published for the most. A licence is
  published while it stands (an end may be given).
- Credit records (``CreditRecord``: blacklist, dishonesty record, commendation) are
  published with their period while in force; a blacklisting that has ended is taken off
  the list, as 信用中国 does when a subject leaves the list.
- Objections (异议, 002:247: 信用信息异议申诉): a clerk records one (``objection_record``)
  and its outcome (``objection_decide``). While one is open the entry shows "under
  objection". Upheld, the entry's text is replaced by the corrected text and shown as
  corrected with the day; the earlier text stays in the entry's history and in the
  objection, never shown as current. Upheld in full (the decision itself annulled), the
  entry is withdrawn: no longer published, and a withdrawn blacklisting no longer pauses
  payments (``registry.holds``) — a decision annulled never stood, so publishing it as
  "annulled" would keep pointing at the provider for something it was cleared of.
  Who raised an objection and its grounds are never published.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguards.audit import audit_record

from .models import CreditDisclosure, CreditObjection, CreditRecord, Provider, User
from .periods import years_later

Entry = CreditDisclosure | CreditRecord


def penalty_publication_bounds(decided_on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The earliest and latest day a penalty decided on ``decided_on`` may stop being published."""
    least, most = settings.CREDIT_PENALTY_PUBLICATION_YEARS
    return years_later(decided_on, least), years_later(decided_on, most)


def disclosure_errors(disclosure: CreditDisclosure) -> dict[str, str]:
    """Why ``disclosure`` cannot be published as it is (empty: it can)."""
    errors: dict[str, str] = {}
    if disclosure.kind == CreditDisclosure.Kind.PENALTY:
        if not disclosure.penalty_type:
            errors["penalty_type"] = _("Give the type of penalty.")
        if disclosure.penalty_type == CreditDisclosure.PenaltyType.FINE and not disclosure.fine_yuan:
            errors["fine_yuan"] = _("Give the amount of the fine.")
        if disclosure.decided_on and disclosure.publish_until:
            least, most = penalty_publication_bounds(disclosure.decided_on)
            if not least <= disclosure.publish_until <= most:
                errors["publish_until"] = _(
                    "A penalty is published from %(least)s at the earliest to %(most)s at the latest."
                ) % {"least": least.isoformat(), "most": most.isoformat()}
    else:
        if disclosure.penalty_type:
            errors["penalty_type"] = _("A licence has no penalty type.")
        if disclosure.fine_yuan is not None:
            errors["fine_yuan"] = _("A licence has no fine.")
    return errors


def _disclosure_values(disclosure: CreditDisclosure) -> dict[str, Any]:
    names = ("kind", "decision_number", "decided_on", "authority", "content", "legal_basis")
    values = {name: getattr(disclosure, name) for name in names}
    values.update(
        penalty_type=disclosure.penalty_type, fine_yuan=disclosure.fine_yuan, publish_until=disclosure.publish_until
    )
    return values


@transaction.atomic
def disclosure_save(*, disclosure: CreditDisclosure, actor: User | None) -> CreditDisclosure:
    """Publish a new licence or penalty decision, or save a change to one. A penalty
    without an end of publication is published for the longest period. Refused by
    ``disclosure_errors``. One ``credit_disclosure.record`` or ``.change`` audit entry."""
    Provider.objects.select_for_update().filter(pk=disclosure.provider_id).first()
    if disclosure.kind == CreditDisclosure.Kind.PENALTY and disclosure.publish_until is None and disclosure.decided_on:
        disclosure.publish_until = penalty_publication_bounds(disclosure.decided_on)[1]
    errors = disclosure_errors(disclosure)
    if errors:
        raise ValidationError(errors)
    disclosure.full_clean()
    new = disclosure.pk is None
    before = None if new else _disclosure_values(CreditDisclosure.objects.get(pk=disclosure.pk))
    disclosure.save()
    audit_record(
        "credit_disclosure.record" if new else "credit_disclosure.change",
        actor=actor,
        obj=disclosure,
        before=before,
        after=_disclosure_values(disclosure),
    )
    return disclosure


# --- objections (异议) ------------------------------------------------------------------


def _entry_field(entry: Entry) -> str:
    return "content" if isinstance(entry, CreditDisclosure) else "description"


def _locked_entry(entry: Entry) -> Entry:
    model = type(entry)
    return model.objects.select_for_update().get(pk=entry.pk)


@transaction.atomic
def objection_record(
    *,
    entry: Entry,
    received_on: datetime.date,
    raised_by: str,
    grounds: str,
    actor: User,
) -> CreditObjection:
    """Record an objection the provider raised against a published entry (a licence or
    penalty, or a credit record). Refused while another objection to it is open, for an
    entry no longer published, or dated in the future. One ``credit_objection.record``
    audit entry (without the grounds)."""
    entry = _locked_entry(entry)
    if entry.withdrawn_on is not None:
        raise ValidationError(_("This entry was withdrawn on %(day)s.") % {"day": entry.withdrawn_on.isoformat()})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("An objection is recorded once it has been received.")})
    if entry.objections.filter(status=CreditObjection.Status.RECEIVED).exists():
        raise ValidationError(_("An objection to this entry is already under review."))
    objection = CreditObjection(
        provider_id=entry.provider_id,
        received_on=received_on,
        raised_by=raised_by.strip(),
        grounds=grounds.strip(),
        recorded_by=actor,
    )
    if isinstance(entry, CreditDisclosure):
        objection.disclosure = entry
    else:
        objection.record = entry
    objection.full_clean()
    objection.save()
    audit_record(
        "credit_objection.record",
        actor=actor,
        obj=objection,
        after={"entry": str(entry), "received_on": received_on},
    )
    return objection


@transaction.atomic
def objection_decide(
    *,
    objection: CreditObjection,
    upheld: bool,
    decided_on: datetime.date,
    outcome_text: str,
    corrected_content: str = "",
    corrected_fine_yuan: Decimal | None = None,
    withdraws_entry: bool = False,
    actor: User,
) -> CreditObjection:
    """Record the outcome of an open objection.

    Upheld with a corrected text: the entry's text becomes it, marked corrected on
    ``decided_on`` (the earlier text is kept on the objection and in the entry's history);
    a penalty's fine may be corrected with it (``corrected_fine_yuan``).
    Upheld in full (``withdraws_entry``): the decision was annulled, the entry is withdrawn.
    Rejected: the entry stands as it was. One ``credit_objection.decide`` audit entry."""
    objection = CreditObjection.objects.select_for_update().get(pk=objection.pk)
    if objection.status != CreditObjection.Status.RECEIVED:
        raise ValidationError(_("This objection was already decided."))
    entry = objection.entry
    if entry is None:  # the constraint makes this impossible; mypy cannot know
        raise ValidationError(_("This objection names no entry."))
    entry = _locked_entry(entry)
    errors: dict[str, str] = {}
    if decided_on < objection.received_on:
        errors["decided_on"] = _("An objection is decided on or after the day it was received.")
    if decided_on > timezone.localdate():
        errors["decided_on"] = _("An objection is decided on or before today.")
    if not outcome_text.strip():
        errors["outcome_text"] = _("Say what was decided: it is published with the entry.")
    corrected = corrected_content.strip()
    if upheld and not withdraws_entry and not corrected:
        errors["corrected_content"] = _("An upheld objection corrects the entry: give the corrected text.")
    if not upheld and (withdraws_entry or corrected or corrected_fine_yuan is not None):
        errors["corrected_content"] = _("A rejected objection changes nothing in the entry.")
    fine_corrected = upheld and not withdraws_entry and corrected_fine_yuan is not None
    if fine_corrected and not (isinstance(entry, CreditDisclosure) and entry.fine_yuan is not None):
        errors["corrected_fine_yuan"] = _("Only a fine's amount can be corrected.")
    elif fine_corrected and corrected_fine_yuan is not None and corrected_fine_yuan <= 0:
        errors["corrected_fine_yuan"] = _("A fine is more than 0 yuan.")
    if errors:
        raise ValidationError(errors)
    field = _entry_field(entry)
    objection.status = CreditObjection.Status.UPHELD if upheld else CreditObjection.Status.REJECTED
    objection.decided_on = decided_on
    objection.outcome_text = outcome_text.strip()
    objection.decided_by = actor
    objection.withdraws_entry = upheld and withdraws_entry
    if upheld:
        objection.original_content = getattr(entry, field)
        if withdraws_entry:
            entry.withdrawn_on = decided_on
            entry.save(update_fields=["withdrawn_on"])
        else:
            objection.corrected_content = corrected
            setattr(entry, field, corrected)
            entry.corrected_on = decided_on
            changed = [field, "corrected_on"]
            if fine_corrected and isinstance(entry, CreditDisclosure):
                entry.fine_yuan = corrected_fine_yuan
                changed.append("fine_yuan")
            entry.save(update_fields=changed)
    objection.full_clean()
    objection.save()
    audit_record(
        "credit_objection.decide",
        actor=actor,
        obj=objection,
        before={field: objection.original_content} if upheld else None,
        after={
            "status": objection.status,
            "decided_on": decided_on,
            "withdrawn": objection.withdraws_entry,
            field: getattr(entry, field),
            **({"fine_yuan": str(corrected_fine_yuan)} if fine_corrected else {}),
        },
    )
    return objection


# --- what the public register shows ------------------------------------------------------


def _latest_objection(**entry: Any) -> dict[str, Subquery]:
    """The latest objection of the outer entry: its status, received and decided days and
    outcome (never its grounds), as annotations — one query for the whole list."""
    latest = CreditObjection.objects.filter(**entry).order_by("-received_on", "-pk")
    return {
        f"objection_{name}": Subquery(latest.values(name)[:1])
        for name in ("status", "received_on", "decided_on", "outcome_text")
    }


def published_disclosures(provider: Provider, day: datetime.date) -> QuerySet[CreditDisclosure]:
    """The licences and penalties of ``provider`` published on ``day``: not withdrawn, and
    within their publication period."""
    return (
        CreditDisclosure.objects.filter(provider=provider, withdrawn_on__isnull=True, decided_on__lte=day)
        .filter(Q(publish_until__isnull=True) | Q(publish_until__gte=day))
        .annotate(**_latest_objection(disclosure=OuterRef("pk")))
        .order_by("-decided_on", "-pk")
    )


def published_records(provider: Provider, day: datetime.date) -> QuerySet[CreditRecord]:
    """The credit records of ``provider`` published on ``day``: in force, not withdrawn."""
    return (
        CreditRecord.objects.filter(provider=provider, withdrawn_on__isnull=True, start_on__lte=day)
        .filter(Q(end_on__isnull=True) | Q(end_on__gte=day))
        .annotate(**_latest_objection(record=OuterRef("pk")))
        .order_by("-start_on", "-pk")
    )


# The keys of ``public_credit_entries``: a stable contract of the provider page and the open data.
PUBLIC_CREDIT_KEYS = (
    "type",
    "decision_number",
    "decided_on",
    "authority",
    "content",
    "legal_basis",
    "penalty_type",
    "fine_yuan",
    "period_start",
    "period_end",
    "corrected_on",
    "objection",
)


def entry_type_label(code: str) -> str:
    """The label of a ``public_credit_entries`` type: a licence or penalty, or a credit record's kind."""
    for choices in (CreditDisclosure.Kind, CreditRecord.Kind):
        if code in choices.values:
            return str(choices(code).label)
    return code


def _objection(row: Any) -> dict[str, Any] | None:
    if row.objection_status is None:
        return None
    return {
        "status": row.objection_status,
        "received_on": row.objection_received_on,
        "decided_on": row.objection_decided_on,
        "outcome": row.objection_outcome_text or "",
    }


def public_credit_entries(provider: Provider, day: datetime.date | None = None) -> list[dict[str, Any]]:
    """A provider's published credit information on ``day`` (default today), licences and
    penalties first, then its credit records, each newest first (two queries). Each entry:

    - ``type``: "licence", "penalty" (双公示), "blacklist", "dishonesty" or "commendation";
    - ``decision_number`` (text, "" for a credit record), ``decided_on`` (date: the
      decision's, or the day a credit record took effect), ``authority`` (the deciding
      authority or the record's source), ``content`` (the decision's public text, as
      corrected), ``legal_basis`` (text, "" for a credit record);
    - ``penalty_type`` (a ``CreditDisclosure.PenaltyType`` code, "" unless a penalty),
      ``fine_yuan`` (Decimal or None);
    - ``period_start``, ``period_end`` (dates; ``period_end`` None: no end): how long a
      penalty is published, how long a record (a blacklisting) is in force;
    - ``corrected_on`` (date or None): the day an upheld objection corrected ``content``;
    - ``objection``: None, or the latest objection's ``status`` ("received": under review,
      "upheld", "rejected"), ``received_on``, ``decided_on`` and ``outcome`` (the
      published outcome text). Who raised it and its grounds are never included.
    """
    day = day or timezone.localdate()
    entries: list[dict[str, Any]] = []
    for row in published_disclosures(provider, day):
        entries.append(
            {
                "type": row.kind,
                "decision_number": row.decision_number,
                "decided_on": row.decided_on,
                "authority": row.authority,
                "content": row.content,
                "legal_basis": row.legal_basis,
                "penalty_type": row.penalty_type,
                "fine_yuan": row.fine_yuan,
                "period_start": row.decided_on,
                "period_end": row.publish_until,
                "corrected_on": row.corrected_on,
                "objection": _objection(row),
            }
        )
    for record in published_records(provider, day):
        entries.append(
            {
                "type": record.kind,
                "decision_number": "",
                "decided_on": record.start_on,
                "authority": record.source,
                "content": record.description,
                "legal_basis": "",
                "penalty_type": "",
                "fine_yuan": None,
                "period_start": record.start_on,
                "period_end": record.end_on,
                "corrected_on": record.corrected_on,
                "objection": _objection(record),
            }
        )
    return entries
