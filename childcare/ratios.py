"""Class sizes and staff-to-child ratios against the class standard in force (DOMAIN §7;
the numbers are data, ``ClassStandard``, loaded by ``reference_data``).

On a day, for each class:

- *children*: those enrolled that day (``ages.enrolled_on``) whose class it is;
- *carers*: its staff employed that day (from ``employed_from`` to ``employed_to``, both
  days included) in a carer role (``CARER_ROLES``: 保育员, 育婴员, early-years teachers);
  a director or a health-care worker does not count;
- *the standard*: the row of the class type in force that day (the latest start wins);
- *too many children*: more children than the standard's largest class;
- *too few carers*: more children than carers × the standard's children per carer (1:3 is
  at most 3 children per carer; a class at exactly the limit passes);
- *ages outside the class*: children whose age in full months that day is not within the
  class type's months (youngest included, oldest excluded: a child of 12 months belongs to
  a younger toddler class, not an infant class).

A class whose type has no standard in force cannot be shown to comply: it is reported as
"no standard in force", never as passing, and the workbench lists it with the breaches.
``class_checks`` reads one provider's classes in three queries; ``classes_breaching`` is
one query over every class, the same rule in SQL.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from registry.models import Provider
from registry.selectors import covers, in_force_on

from .ages import age_in_months, enrolled_on
from .models import CARER_ROLES, Child, ChildcareClass, ChildcareWorker, ClassStandard


def standard_in_force(class_type: str, day: datetime.date) -> ClassStandard | None:
    """The standard of ``class_type`` in force on ``day`` (the latest start if two overlap)."""
    standards = ClassStandard.objects.filter(in_force_on(day), class_type=class_type)
    return standards.order_by("-effective_from").first()


def standards_in_force(day: datetime.date) -> dict[str, ClassStandard]:
    """Every class type's standard in force on ``day``, in one query."""
    in_force: dict[str, ClassStandard] = {}
    for standard in ClassStandard.objects.filter(in_force_on(day)).order_by("class_type", "effective_from"):
        in_force[standard.class_type] = standard  # the later start wins
    return in_force


def carers_employed_on(day: datetime.date, *, prefix: str = "") -> Q:
    """Staff in a carer role employed on ``day``."""
    return Q(**{f"{prefix}role__in": sorted(CARER_ROLES)}) & covers(
        day, day, start=f"{prefix}employed_from", end=f"{prefix}employed_to"
    )


def _count_of(queryset: QuerySet[Child] | QuerySet[ChildcareWorker]) -> Coalesce:
    counted = queryset.order_by().values("childcare_class").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0), output_field=IntegerField())


def _standard_value(field: str, day: datetime.date) -> Subquery:
    standard = ClassStandard.objects.filter(in_force_on(day), class_type=OuterRef("class_type"))
    return Subquery(standard.order_by("-effective_from").values(field)[:1], output_field=IntegerField())


def with_class_figures(classes: QuerySet[ChildcareClass], day: datetime.date) -> QuerySet[ChildcareClass]:
    """``classes`` with, for ``day``: ``children_on_day``, ``carers_on_day``, and the standard
    in force as ``standard_max_children`` and ``standard_children_per_carer`` (None without
    one), each a correlated subquery of the same query."""
    return classes.annotate(
        children_on_day=_count_of(Child.objects.filter(enrolled_on(day), childcare_class=OuterRef("pk"))),
        carers_on_day=_count_of(
            ChildcareWorker.objects.filter(carers_employed_on(day), childcare_class=OuterRef("pk"))
        ),
        standard_max_children=_standard_value("max_children", day),
        standard_children_per_carer=_standard_value("children_per_carer", day),
    )


def breaching() -> Q:
    """On classes annotated by ``with_class_figures``: over the largest class, short of
    carers, or holding children with no standard in force."""
    return (
        Q(children_on_day__gt=F("standard_max_children"))
        | Q(children_on_day__gt=F("carers_on_day") * F("standard_children_per_carer"))
        | Q(standard_max_children__isnull=True, children_on_day__gt=0)
    )


def classes_breaching(day: datetime.date) -> QuerySet[ChildcareClass]:
    """Classes over size or short of carers on ``day`` (or with children and no standard in
    force), in one query: the workbench's count and its list's filter."""
    return with_class_figures(ChildcareClass.objects.all(), day).filter(breaching())


WITHIN, OVER, SHORT, OVER_AND_SHORT, NO_STANDARD = "within", "over", "short", "over_and_short", "no_standard"
VERDICTS = {
    WITHIN: _("Within the standard"),
    OVER: _("Too many children for the class size"),
    SHORT: _("Too few carers for the children"),
    OVER_AND_SHORT: _("Too many children and too few carers"),
    NO_STANDARD: _("No class standard in force for this class type"),
}


def over_class_size(children: int, max_children: int) -> bool:
    return children > max_children


def short_of_carers(children: int, carers: int, children_per_carer: int) -> bool:
    """More children than the carers may look after (1:3: three children per carer)."""
    return children > carers * children_per_carer


def verdict_of(children: int, carers: int, max_children: int | None, children_per_carer: int | None) -> str:
    """The result (a ``VERDICTS`` key) of a class's figures against a standard's (None:
    no standard in force; a class without children then has nothing to breach)."""
    if max_children is None or children_per_carer is None:
        return NO_STANDARD if children else WITHIN
    over = over_class_size(children, max_children)
    short = short_of_carers(children, carers, children_per_carer)
    if over and short:
        return OVER_AND_SHORT
    return OVER if over else SHORT if short else WITHIN


@dataclass(frozen=True)
class ClassCheck:
    """One class on one day, against its standard."""

    childcare_class: ChildcareClass
    class_type: str
    children: int
    carers: int
    standard: ClassStandard | None
    children_outside_ages: tuple[int, ...]  # ids of the class's children too young or too old for it

    @property
    def too_many_children(self) -> bool:
        return self.standard is not None and over_class_size(self.children, self.standard.max_children)

    @property
    def too_few_carers(self) -> bool:
        return self.standard is not None and short_of_carers(
            self.children, self.carers, self.standard.children_per_carer
        )

    @property
    def verdict(self) -> str:
        standard = self.standard
        if standard is None:
            return verdict_of(self.children, self.carers, None, None)
        return verdict_of(self.children, self.carers, standard.max_children, standard.children_per_carer)

    @property
    def verdict_label(self) -> str:
        return str(VERDICTS[self.verdict])


def age_fits_class(months: int, standard: ClassStandard) -> bool:
    """Whether a child of ``months`` full months belongs in the standard's class type."""
    return standard.min_age_months <= months < standard.max_age_months


def class_checks(provider: Provider, day: datetime.date) -> list[ClassCheck]:
    """Each of the provider's classes on ``day``: children, carers, the standard, the
    breaches and the children outside the class's ages. Three queries, whatever the
    number of classes: the classes with their counts, the standards, the children's ages."""
    classes = list(with_class_figures(provider.childcare_classes.all(), day).order_by("class_type", "name"))
    standards = standards_in_force(day)
    births: dict[int, list[tuple[int, datetime.date]]] = {}
    enrolled = Child.objects.filter(enrolled_on(day), provider=provider, childcare_class__isnull=False)
    for pk, class_id, birth_date in enrolled.values_list("pk", "childcare_class_id", "birth_date").order_by("pk"):
        births.setdefault(class_id, []).append((pk, birth_date))
    checks = []
    for group in classes:
        standard = standards.get(group.class_type)
        outside: tuple[int, ...] = ()
        if standard is not None:
            outside = tuple(
                pk
                for pk, birth_date in births.get(group.pk, [])
                if not age_fits_class(age_in_months(birth_date, day), standard)
            )
        checks.append(
            ClassCheck(
                childcare_class=group,
                class_type=group.class_type,
                children=group.children_on_day,  # type: ignore[attr-defined]  # annotated by with_class_figures
                carers=group.carers_on_day,  # type: ignore[attr-defined]  # annotated by with_class_figures
                standard=standard,
                children_outside_ages=outside,
            )
        )
    return checks
