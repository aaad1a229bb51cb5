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

**Reported by the provider** (issue 18): once a clerk accepts a provider's own count of
its vacant beds or places (``VacancyReport``, sent through the portal), the latest report
on or before the day is the figure, with its date and "reported by the provider"; after
``REPORTED_VACANCIES_STALE_DAYS`` it is marked out of date (and still shown: it is the
last word the provider gave). Without a report the count from the records stands.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, Expression, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeguards.audit import audit_record

from .models import Attendance, ProviderKind, VacancyReport
from .selectors import residents_in_care

K = ProviderKind
DAY_KINDS = frozenset({K.DAY_CARE_CENTRE, K.SERVICE_STATION})


class VacancyBasis(models.TextChoices):
    BEDS = "beds", gettext_lazy("Vacant beds")
    PLACES = "places", gettext_lazy("Vacant childcare places")
    ATTENDANCE = "attendance", gettext_lazy("Daily capacity and attendance")


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


def latest_report(day: datetime.date, field: str) -> Subquery:
    """``field`` of the provider's latest vacancy report on or before ``day``."""
    latest = VacancyReport.objects.filter(provider=OuterRef("pk"), as_of__lte=day).order_by("-as_of")
    output: models.Field[Any, Any] = IntegerField() if field == "vacant" else models.DateField()
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
    reported = ~day_kinds
    return {
        "reported_on": Case(
            When(reported, then=latest_report(day, "as_of")), default=Value(None), output_field=models.DateField()
        ),
        "reported_vacancies": Case(
            When(reported, then=latest_report(day, "vacant")), default=Value(None), output_field=IntegerField()
        ),
        "vacancy_basis": Case(
            When(childcare, then=Value(VacancyBasis.PLACES.value)),
            When(day_kinds, then=Value(VacancyBasis.ATTENDANCE.value)),
            default=Value(VacancyBasis.BEDS.value),
            output_field=models.CharField(),
        ),
        "in_care": residents_in_care(day),
        "enrolled": enrolled,
        "vacancies": Case(
            When(reported_on__isnull=False, then=F("reported_vacancies")),
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
    a day-care kind, the provider's report's day, or the day computed; None without one."""
    if vacancy_basis(provider.kind) == VacancyBasis.ATTENDANCE:
        return provider.attendance_on
    if provider.reported_on is not None:
        return provider.reported_on
    return provider.occupancy_on if provider.vacancies is not None else None


def report_out_of_date(provider: Any, day: datetime.date) -> bool:
    """The provider's reported figure is older than ``REPORTED_VACANCIES_STALE_DAYS``."""
    reported_on = getattr(provider, "reported_on", None)
    return reported_on is not None and (day - reported_on).days > settings.REPORTED_VACANCIES_STALE_DAYS


def providers_with_occupancy_changes(since: datetime.datetime) -> list[QuerySet[Any, Any]]:
    """Querysets of provider ids whose published occupancy may have changed after
    ``since``: attendance recorded, children enrolled or left (residents and fees are
    the directory's own)."""
    changes: list[QuerySet[Any, Any]] = [
        Attendance.history.filter(history_date__gt=since).values("provider_id"),
        VacancyReport.history.filter(history_date__gt=since).values("provider_id"),
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


def vacancy_capacity(provider: Any) -> int | None:
    """What a reported number of vacancies may not exceed: beds, or childcare places;
    None for the kinds that report attendance instead."""
    basis = vacancy_basis(provider.kind)
    if basis == VacancyBasis.PLACES:
        return int(provider.childcare_places)
    if basis == VacancyBasis.BEDS:
        return int(provider.beds)
    return None


@transaction.atomic
def vacancy_report_save(*, provider: Any, as_of: datetime.date, vacant: int, source: str, actor: Any) -> VacancyReport:
    """Record the provider's own count of its vacancies on ``as_of`` (a later report of the
    same day replaces it); audited. Refused for a day-care kind and above its capacity."""
    capacity = vacancy_capacity(provider)
    if capacity is None:
        raise ValidationError(_("A day-care centre or service station reports its attendance, not vacancies."))
    if vacant > capacity:
        raise ValidationError({"vacant": _("More vacancies than the %(capacity)d on record.") % {"capacity": capacity}})
    report, _created = VacancyReport.objects.update_or_create(
        provider=provider, as_of=as_of, defaults={"vacant": vacant, "source": source[:100]}
    )
    audit_record("occupancy.vacancies", actor=actor, obj=provider, detail=f"{as_of}: {vacant} ({source})")
    return report


@transaction.atomic
def attendance_save(*, provider: Any, day: datetime.date, attended: int, actor: Any) -> Attendance:
    """Record how many people a day-care centre or service station served on ``day``
    (a second count of the same day replaces it); audited."""
    if vacancy_basis(provider.kind) != VacancyBasis.ATTENDANCE:
        raise ValidationError(_("Attendance is recorded for day-care centres and service stations only."))
    record, _created = Attendance.objects.update_or_create(provider=provider, day=day, defaults={"attended": attended})
    audit_record("occupancy.attendance", actor=actor, obj=provider, detail=f"{day}: {attended}")
    return record
