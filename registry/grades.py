"""Grade history (issue 19): a provider's grade is a record with its standard, rating body,
assessment date and validity (``ProviderGrade``); the grade in force on a day is read from
those records (``grade_on``), and the operating grants pay by it (subsidies/operating_grants.py).

``Provider.grade`` stays as the grade in force *today*, because the public directory
filters and sorts by it through its indexes (``provider_status_grade``): reading it from
the records would mean a subquery per row of every list. It is kept in step by the one
write service (``grade_save``) and, for grades that expire or start on a later day, by the
daily task ``registry.tasks.sync_current_grades`` (``grades_sync``), which sets it to the
grade in force that day (0, "not rated", once the last one has expired). Pages that show a
single provider read the records themselves, so they are right even before the task runs.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguards.audit import audit_record

from .models import Provider, ProviderGrade, User
from .public_cache import public_data_changed
from .selectors import covers

ONE_DAY = datetime.timedelta(days=1)
SYNC_ACTOR = "sync_current_grades"


def grade_in_force(day: datetime.date, *, prefix: str = "") -> Q:
    """Grade records valid on ``day`` (``valid_from`` to ``valid_until``, both included)."""
    return covers(day, day, start=f"{prefix}valid_from", end=f"{prefix}valid_until")


def grade_on(provider_ids: Iterable[int], day: datetime.date) -> dict[int, int]:
    """The grade in force on ``day`` of each of these providers, 0 when none is (one query)."""
    ids = list(provider_ids)
    found = dict(
        ProviderGrade.objects.filter(grade_in_force(day), provider_id__in=ids).values_list("provider_id", "grade")
    )
    return {pk: found.get(pk, 0) for pk in ids}


def current_grade_subquery(day: datetime.date) -> Coalesce:
    """The grade in force on ``day`` of the outer provider (``OuterRef("pk")``), 0 if none."""
    in_force = ProviderGrade.objects.filter(grade_in_force(day), provider=OuterRef("pk")).values("grade")[:1]
    return Coalesce(Subquery(in_force, output_field=IntegerField()), Value(0), output_field=IntegerField())


def _set_current_grade(provider_ids: list[int], day: datetime.date) -> dict[int, tuple[int, int]]:
    """Set ``Provider.grade`` of these providers (all of them: None) to the grade in force on
    ``day`` where it differs; returns {provider id: (before, after)} of those changed."""
    providers = Provider.objects.annotate(current=current_grade_subquery(day)).exclude(grade=F("current"))
    if provider_ids:
        providers = providers.filter(pk__in=provider_ids)
    changed = {pk: (before, after) for pk, before, after in providers.values_list("pk", "grade", "current")}
    now = timezone.now()
    by_grade: dict[int, list[int]] = {}
    for pk, (_before, after) in changed.items():
        by_grade.setdefault(after, []).append(pk)
    for grade, ids in by_grade.items():
        Provider.objects.filter(pk__in=ids).update(grade=grade, updated_at=now)
    if changed:  # an update sends no signal: the public pages show the grade
        public_data_changed()
    return changed


def grades_sync(day: datetime.date | None = None) -> int:
    """Set every provider's ``grade`` to the grade in force on ``day`` (default today):
    grades that expired become 0, grades that start that day take over. Idempotent: a second
    run the same day changes nothing. One audit entry when anything changed."""
    day = day or timezone.localdate()
    with transaction.atomic():
        changed = _set_current_grade([], day)
        if changed:
            audit_record(
                "grade.sync",
                actor_name=SYNC_ACTOR,
                after={"day": day.isoformat(), "providers": {str(pk): list(pair) for pk, pair in changed.items()}},
            )
    return len(changed)


def _overlap_message(other: ProviderGrade) -> str:
    until = other.valid_until.isoformat() if other.valid_until else _("no end")
    return _(
        "This grade's validity overlaps the %(grade)d★ grade valid from %(start)s to %(end)s. "
        "Correct that record, or choose other dates."
    ) % {"grade": other.grade, "start": other.valid_from.isoformat(), "end": until}


def _overlap_error(other: ProviderGrade) -> ValidationError:
    return ValidationError({"valid_from": _overlap_message(other)})


def _grade_values(record: ProviderGrade) -> dict[str, Any]:
    return {
        "grade": record.grade,
        "standard": record.standard,
        "assessor": record.assessor,
        "assessed_on": record.assessed_on,
        "valid_from": record.valid_from,
        "valid_until": record.valid_until,
    }


def _overlaps(record: ProviderGrade) -> tuple[ProviderGrade | None, ProviderGrade | None]:
    """(the open grade a new ``record`` closes, the first other grade it would overlap)."""
    others = ProviderGrade.objects.filter(provider_id=record.provider_id).exclude(pk=record.pk)
    closed: ProviderGrade | None = None
    if record.pk is None:
        closed = others.filter(valid_until__isnull=True, valid_from__lt=record.valid_from).first()
    overlapping = others.filter(
        covers(record.valid_from, record.valid_until or datetime.date.max, start="valid_from", end="valid_until")
    )
    if closed is not None:
        overlapping = overlapping.exclude(pk=closed.pk)
    return closed, overlapping.order_by("valid_from").first()


def grade_errors(record: ProviderGrade) -> dict[str, str]:
    """Why ``record`` (new or corrected, otherwise valid) cannot be saved: it would overlap
    another grade of its provider (a new grade may close the open one that started earlier)."""
    if record.provider_id is None or record.valid_from is None:
        return {}
    _closed, other = _overlaps(record)
    return {} if other is None else {"valid_from": _overlap_message(other)}


@transaction.atomic
def grade_save(*, record: ProviderGrade, actor: User | None, actor_name: str = "") -> ProviderGrade:
    """Save a new or corrected grade record of ``record.provider``.

    Under a lock on the provider: a new grade closes the provider's open grade (no end)
    that started before it on the day before it starts; any other overlap with the
    provider's grades is refused. ``Provider.grade`` is then set to the grade in force
    today. One ``grade.record`` (new) or ``grade.change`` audit entry."""
    provider = Provider.objects.select_for_update().get(pk=record.provider_id)
    record.full_clean()
    new = record.pk is None
    before = None if new else _grade_values(ProviderGrade.objects.get(pk=record.pk))
    closed, other = _overlaps(record)
    if other is not None:
        raise _overlap_error(other)
    if closed is not None:
        closed.valid_until = record.valid_from - ONE_DAY
        closed.save(update_fields=["valid_until"])
    record.save()
    _set_current_grade([provider.pk], timezone.localdate())
    after = _grade_values(record)
    if closed is not None:
        after["closed_grade"] = {"id": closed.pk, "valid_until": closed.valid_until}
    audit_record(
        "grade.record" if new else "grade.change",
        actor=actor,
        actor_name=actor_name,
        obj=record,
        before=before,
        after=after,
        detail=record.notes[:200],
    )
    return record


def grade_record(
    *,
    provider: Provider,
    grade: int,
    assessor: str,
    assessed_on: datetime.date,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    standard: str = "",
    notes: str = "",
    actor: User | None,
    actor_name: str = "",
) -> ProviderGrade:
    """Record a new grade of ``provider`` (``grade_save``); ``standard`` empty: the default one."""
    record = ProviderGrade(
        provider=provider,
        grade=grade,
        assessor=assessor,
        assessed_on=assessed_on,
        valid_from=valid_from,
        valid_until=valid_until,
        notes=notes,
    )
    if standard:
        record.standard = standard
    return grade_save(record=record, actor=actor, actor_name=actor_name)


@transaction.atomic
def grade_end(
    *, provider: Provider, last_day: datetime.date, actor: User | None, actor_name: str = "", reason: str = ""
) -> ProviderGrade | None:
    """End the grade in force on ``last_day`` on that day (not rated from the day after);
    None when no grade is in force then. One ``grade.change`` audit entry."""
    Provider.objects.select_for_update().get(pk=provider.pk)
    record = ProviderGrade.objects.filter(grade_in_force(last_day), provider=provider).first()
    if record is None:
        return None
    if record.valid_until == last_day:
        return record
    before = _grade_values(record)
    record.valid_until = last_day
    record.notes = "\n".join(n for n in (record.notes, reason) if n)
    record.save(update_fields=["valid_until", "notes"])
    _set_current_grade([provider.pk], timezone.localdate())
    audit_record(
        "grade.change", actor=actor, actor_name=actor_name, obj=record, before=before, after=_grade_values(record)
    )
    return record


# --- what the public register shows ------------------------------------------------

# The keys of ``public_grades``: a stable contract of the provider page and the open data.
PUBLIC_GRADE_KEYS = ("grade", "standard", "assessor", "assessed_on", "valid_from", "valid_until", "in_force")


def public_grades(provider: Provider, day: datetime.date | None = None) -> list[dict[str, Any]]:
    """A provider's grades, newest first (one query), as the public register shows them:

    - ``grade`` (int 1-5), ``standard`` (the rating standard, text), ``assessor`` (the
      rating body, text; "" when not known);
    - ``assessed_on``, ``valid_from`` (dates), ``valid_until`` (date, or None: until
      replaced);
    - ``in_force`` (bool): the grade in force on ``day`` (default today).

    Grades that start after ``day`` are not shown yet; a clerk's notes never are."""
    day = day or timezone.localdate()
    rows = ProviderGrade.objects.filter(provider=provider, valid_from__lte=day).order_by("-valid_from", "-pk")
    return [
        {
            "grade": row.grade,
            "standard": row.standard,
            "assessor": row.assessor,
            "assessed_on": row.assessed_on,
            "valid_from": row.valid_from,
            "valid_until": row.valid_until,
            "in_force": row.valid_until is None or row.valid_until >= day,
        }
        for row in rows
    ]
