"""Vacancies by kind (issue 17): what a provider's free capacity means depends on what it is.

- A home where people live (an elderly-care institution, a township home, an integrated
  medical and elderly-care institution, a mutual-aid happiness home) has vacant **beds**:
  beds − residents in care on the day.
- A childcare provider has vacant **places** (托位): places − children enrolled on the day.
  The children are the ``childcare`` app's; it registers how to count them
  (``register_enrolment``), so the registry never imports it. Without it, a childcare
  provider's vacancies are unknown (None), never "all places free".
- A day-care centre or a service station has no residents and no vacant beds: people come
  for the day. It shows its daily **capacity** and the **attendance** of the latest day
  reported (``Attendance``), with that day as the figure's date.

Every figure has its as-of date: the day asked for, or the attendance's own day.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Case, Expression, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Greatest
from django.utils.translation import gettext_lazy as _

from .models import Attendance, ProviderKind
from .selectors import residents_in_care

K = ProviderKind
DAY_KINDS = frozenset({K.DAY_CARE_CENTRE, K.SERVICE_STATION})


class VacancyBasis(models.TextChoices):
    BEDS = "beds", _("Vacant beds")
    PLACES = "places", _("Vacant childcare places")
    ATTENDANCE = "attendance", _("Daily capacity and attendance")


def vacancy_basis(kind: str) -> str:
    """What a provider of ``kind`` counts as free capacity."""
    if kind in ProviderKind.childcare():
        return VacancyBasis.PLACES
    if kind in DAY_KINDS:
        return VacancyBasis.ATTENDANCE
    return VacancyBasis.BEDS


@dataclass(frozen=True)
class Enrolment:
    """How another app counts a childcare provider's children: ``count(day)`` is an
    expression of the provider row (OuterRef("pk")); ``changed(since)`` the ids of the
    providers whose children changed after ``since`` (for ``modified_after``)."""

    count: Callable[[datetime.date], Expression]
    changed: Callable[[datetime.datetime], QuerySet[Any, Any]]


_ENROLMENT: list[Enrolment] = []


def register_enrolment(enrolment: Enrolment) -> None:
    """Called once from the childcare app's ``ready()``."""
    _ENROLMENT[:] = [enrolment]


def enrolment() -> Enrolment | None:
    return _ENROLMENT[0] if _ENROLMENT else None


def latest_attendance(day: datetime.date, field: str) -> Subquery:
    """``field`` of the provider's latest attendance on or before ``day``."""
    latest = Attendance.objects.filter(provider=OuterRef("pk"), day__lte=day).order_by("-day")
    output: models.Field[Any, Any] = IntegerField() if field == "attended" else models.DateField()
    return Subquery(latest.values(field)[:1], output_field=output)


def occupancy_annotations(day: datetime.date) -> dict[str, Any]:
    """Annotations of a provider queryset: ``vacancy_basis`` (``vacancy_basis()`` in SQL),
    ``in_care`` (residents), ``enrolled``
    (children, None where not childcare or not counted), ``vacancies`` (None where the
    kind has no vacancies), ``attendance`` and ``attendance_on`` (day-care kinds)."""
    childcare = Q(kind__in=ProviderKind.childcare())
    day_kinds = Q(kind__in=DAY_KINDS)
    counted = enrolment()
    enrolled: Any = (
        Case(When(childcare, then=counted.count(day)), default=Value(None), output_field=IntegerField())
        if counted
        else Value(None, output_field=IntegerField())
    )
    # Unknown without the childcare app: never "all places free". (GREATEST ignores a
    # NULL on PostgreSQL but not on SQLite, so the NULL is said, not computed.)
    childcare_vacancies: Any = Greatest(F("childcare_places") - F("enrolled"), Value(0)) if counted else Value(None)
    return {
        "vacancy_basis": Case(
            When(childcare, then=Value(VacancyBasis.PLACES.value)),
            When(day_kinds, then=Value(VacancyBasis.ATTENDANCE.value)),
            default=Value(VacancyBasis.BEDS.value),
            output_field=models.CharField(),
        ),
        "in_care": residents_in_care(day),
        "enrolled": enrolled,
        "vacancies": Case(
            When(childcare, then=childcare_vacancies),
            When(day_kinds, then=Value(None)),
            default=Greatest(F("beds") - F("in_care"), Value(0)),
            output_field=IntegerField(),
        ),
        "attendance": Case(
            When(day_kinds, then=latest_attendance(day, "attended")), default=Value(None), output_field=IntegerField()
        ),
        "attendance_on": Case(
            When(day_kinds, then=latest_attendance(day, "day")),
            default=Value(None),
            output_field=models.DateField(),
        ),
    }


def occupancy_as_of(provider: Any) -> datetime.date | None:
    """The date of an annotated provider's occupancy figure: the attendance's own day for
    a day-care kind, the day computed for the others, None when there is no figure."""
    if vacancy_basis(provider.kind) == VacancyBasis.ATTENDANCE:
        return provider.attendance_on
    return provider.occupancy_on if provider.vacancies is not None else None


def providers_with_occupancy_changes(since: datetime.datetime) -> list[QuerySet[Any, Any]]:
    """Querysets of provider ids whose published occupancy may have changed after
    ``since``: attendance recorded, children enrolled or left (residents and fees are
    the directory's own)."""
    changes: list[QuerySet[Any, Any]] = [
        Attendance.history.filter(history_date__gt=since).values("provider_id"),
    ]
    counted = enrolment()
    if counted:
        changes.append(counted.changed(since))
    return changes


def sync_childcare_places(provider: Any) -> None:
    """A childcare provider's places (托位, what the indicators count) are the sum of its
    places by service mode and age band, once it has any: one figure, never two that
    disagree. A provider without rows keeps the total it was given."""
    total = provider.childcare_place_offers.aggregate(total=models.Sum("places"))["total"]
    if total is None or total == provider.childcare_places:
        return
    provider.childcare_places = total
    provider.inclusive_places = min(provider.inclusive_places, total)
    provider.save(update_fields=["childcare_places", "inclusive_places", "updated_at"])
