"""Search and filters of the public directory (pages, CSV and JSON share them)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from django_filters.fields import IsoDateTimeField

from .models import (
    AgeBand,
    CareMode,
    ChildcarePlaces,
    Division,
    FeeItem,
    LegalForm,
    OperationMode,
    Provider,
    ProviderKind,
    Resident,
    name_in_language,
)
from .occupancy import providers_with_occupancy_changes
from .pinyin import pinyin_keyword
from .public import MONTHLY_FEE_DIGITS, providers_by_monthly_fee

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Vacancies(TypedDict):  # public.public_providers, the queryset filtered
        vacancies: int

    _Listed = QuerySet[WithAnnotations[Provider, _Vacancies]]

GRADE_CHOICES = [(str(n), f"{n}★+") for n in range(1, 6)]


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorting with ties broken by name and id, so that pages never overlap or skip rows."""

    def filter(self, qs: QuerySet[Provider], value: Any) -> QuerySet[Provider]:
        if value in EMPTY_VALUES:
            return qs
        ordering = [self.get_ordering_value(param) for param in value if param not in EMPTY_VALUES]
        # Providers with no such figure (a day-care centre's vacancies) come last either way.
        expressions = [
            F(field[1:]).desc(nulls_last=True) if field.startswith("-") else F(field).asc(nulls_last=True)
            for field in ordering
        ]
        return qs.order_by(*expressions, "name", "pk")


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, in UTC. ISO allows offsets up to ±23:59 but PostgreSQL only
    ±15:59 (a server error otherwise); a time before year 1 or after 9999 in UTC is invalid."""

    def to_python(self, value: Any) -> datetime.datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(datetime.UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


KEYWORD_DIVISIONS = 200  # divisions a keyword may name (their providers match): "qu" names every district


def keyword_matches(word: str) -> Q:
    """A provider matches a keyword in its name (Chinese or Mongolian) or address; a keyword
    in pinyin also in the pinyin of its name (full or initials: "kundulun", "kdl") or of its
    division or a division above it ("kundulun" finds every provider of the district). Chinese
    characters match the name and address as written (the address names the district)."""
    matches = Q(name__icontains=word) | Q(name_mn__icontains=word) | Q(address__icontains=word)
    pinyin = pinyin_keyword(word)
    if pinyin is None:
        return matches
    matches |= Q(name_pinyin__contains=pinyin)
    named = Division.objects.filter(name_pinyin__contains=pinyin)
    paths = sorted(named.values_list("path", flat=True)[:KEYWORD_DIVISIONS])
    outermost = [p for i, p in enumerate(paths) if not any(p.startswith(q) for q in paths[:i])]
    for path in outermost:
        matches |= Q(division__path__startswith=path)
    return matches


def offered_places() -> QuerySet[ChildcarePlaces]:
    """The provider row's childcare places that exist (more than none)."""
    return ChildcarePlaces.objects.filter(provider=OuterRef("pk"), places__gt=0)


class ProviderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Keyword"), method="filter_keyword")
    league = django_filters.ChoiceFilter(label=_("League/City"), method="filter_division", empty_label=_("All"))
    county = django_filters.ChoiceFilter(
        label=_("Banner/County/District"), method="filter_division", empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ProviderKind.choices, empty_label=_("All"))
    legal_form = django_filters.ChoiceFilter(label=_("Legal form"), choices=LegalForm.choices, empty_label=_("All"))
    operation_mode = django_filters.ChoiceFilter(
        label=_("Operation mode"), choices=OperationMode.choices, empty_label=_("All")
    )
    min_grade = django_filters.ChoiceFilter(
        label=_("Minimum grade"), choices=GRADE_CHOICES, method="filter_min_grade", empty_label=_("Any")
    )
    nursing = django_filters.BooleanFilter(
        label=_("Has nursing-type beds"), method="filter_nursing", widget=forms.CheckboxInput
    )
    vacancies = django_filters.BooleanFilter(
        label=_("Has vacancies"), method="filter_vacancies", widget=forms.CheckboxInput
    )
    medical = django_filters.BooleanFilter(
        label=_("Has an in-house medical unit"), method="filter_medical", widget=forms.CheckboxInput
    )
    # Infant care: what a family of a child under 3 asks first (issue 17).
    age_band = django_filters.ChoiceFilter(
        label=_("Childcare: takes children aged"),
        choices=AgeBand.choices,
        method="filter_age_band",
        empty_label=_("Any"),
    )
    care_mode = django_filters.ChoiceFilter(
        label=_("Childcare: service mode"), choices=CareMode.choices, method="filter_care_mode", empty_label=_("Any")
    )
    inclusive = django_filters.BooleanFilter(
        label=_("Childcare: has inclusive places"), method="filter_inclusive", widget=forms.CheckboxInput
    )
    demonstration = django_filters.BooleanFilter(
        label=_("Childcare: demonstration provider"), method="filter_demonstration", widget=forms.CheckboxInput
    )
    # Amounts in yuan and fen, as the monthly fee is: PostgreSQL refuses to compare with a
    # number as large or as precise as 1e1000000 or 1e-1000000 (a server error otherwise).
    fee_min = django_filters.NumberFilter(
        label=_("Monthly fee from (yuan)"),
        method="filter_monthly_fee",
        lookup_expr="gte",
        max_digits=MONTHLY_FEE_DIGITS,
        decimal_places=2,
    )
    fee_max = django_filters.NumberFilter(
        label=_("Monthly fee up to (yuan)"),
        method="filter_monthly_fee",
        lookup_expr="lte",
        max_digits=MONTHLY_FEE_DIGITS,
        decimal_places=2,
    )
    modified_after = UtcDateTimeFilter(
        label=_("Changed after"), method="filter_modified_after", widget=forms.HiddenInput
    )
    sort = StableOrderingFilter(
        label=_("Sort by"),
        fields=(("name", "name"), ("grade", "grade"), ("vacancies", "vacancies"), ("beds", "beds")),
        # Every label lazy, descending ones included: django-filter's "%s (descending)"
        # would be formatted once at import, in whatever language was active then.
        field_labels={
            "name": _("Name"),
            "-name": _("Name (descending)"),
            "grade": _("Grade"),
            "-grade": _("Grade (descending)"),
            "vacancies": _("Vacancies"),
            "-vacancies": _("Vacancies (descending)"),
            "beds": _("Beds"),
            "-beds": _("Beds (descending)"),
        },
        empty_label=None,
    )

    class Meta:
        model = Provider
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One query for both lists. Counties are grouped under their league/city, so the
        # choice reads "league, then county" without any script. Names in the page's
        # language (the glossary's columns, glossary.py), Chinese where one has none.
        divisions = [
            (code, name_in_language(name, mn=mn, en=en), level, path, parent)
            for code, name, mn, en, level, path, parent in Division.objects.filter(
                level__in=[Division.Level.LEAGUE_CITY, Division.Level.COUNTY]
            )
            .order_by("path")
            .values_list("code", "name", "name_mn", "name_en", "level", "path", "parent__code")
        ]
        self.division_paths = {code: path for code, _n, _l, path, _p in divisions}
        leagues = [
            (code, name) for code, name, level, _path, _parent in divisions if level == Division.Level.LEAGUE_CITY
        ]
        self.filters["league"].extra["choices"] = leagues
        self.filters["county"].extra["choices"] = [
            (
                league_name,
                [
                    (c, n)
                    for c, n, level, _path, parent in divisions
                    if level == Division.Level.COUNTY and parent == league
                ],
            )
            for league, league_name in leagues
        ]

    def filter_keyword(self, queryset: QuerySet[Provider], name: str, value: str) -> QuerySet[Provider]:
        for word in value.split()[:5]:
            queryset = queryset.filter(keyword_matches(word))
        return queryset

    def filter_division(self, queryset: QuerySet[Provider], name: str, value: str) -> QuerySet[Provider]:
        # A prefix of the materialised path: served by the path index.
        path = self.division_paths.get(value)
        return queryset.filter(division__path__startswith=path) if path else queryset.none()

    def filter_modified_after(self, queryset: QuerySet[Provider], name: str, value: Any) -> QuerySet[Provider]:
        """Providers whose published row may have changed: the provider itself, its fees
        (monthly fee), its residents, children or attendance (vacancies) or its childcare
        places, as their history rows show."""
        changed = Q(updated_at__gt=value)
        for changes in [
            FeeItem.history.filter(history_date__gt=value).values("provider_id"),
            Resident.history.filter(history_date__gt=value).values("provider_id"),
            ChildcarePlaces.history.filter(history_date__gt=value).values("provider_id"),
            *providers_with_occupancy_changes(value),
        ]:
            changed |= Q(pk__in=changes)
        return queryset.filter(changed)

    def filter_min_grade(self, queryset: QuerySet[Provider], name: str, value: str) -> QuerySet[Provider]:
        return queryset.filter(grade__gte=int(value))

    def filter_nursing(self, queryset: QuerySet[Provider], name: str, value: bool) -> QuerySet[Provider]:
        return queryset.filter(nursing_beds__gt=0) if value else queryset

    def filter_vacancies(self, queryset: _Listed, name: str, value: bool) -> _Listed:
        return queryset.filter(vacancies__gt=0) if value else queryset

    def filter_monthly_fee(self, queryset: QuerySet[Provider], name: str, value: Decimal) -> QuerySet[Provider]:
        # Through one GROUP BY of the fee items (a semi-join), not the page's per-provider
        # fee subquery, which PostgreSQL would compute for every certified provider first.
        lookup = self.filters[name].lookup_expr
        return queryset.filter(pk__in=providers_by_monthly_fee(timezone.localdate(), **{f"fee__{lookup}": value}))

    def filter_age_band(self, queryset: QuerySet[Provider], name: str, value: str) -> QuerySet[Provider]:
        return queryset.filter(Exists(offered_places().filter(age_band=value)))

    def filter_care_mode(self, queryset: QuerySet[Provider], name: str, value: str) -> QuerySet[Provider]:
        return queryset.filter(Exists(offered_places().filter(mode=value)))

    def filter_inclusive(self, queryset: QuerySet[Provider], name: str, value: bool) -> QuerySet[Provider]:
        return queryset.filter(inclusive_places__gt=0) if value else queryset

    def filter_demonstration(self, queryset: QuerySet[Provider], name: str, value: bool) -> QuerySet[Provider]:
        return queryset.exclude(demonstration_level="") if value else queryset

    def filter_medical(self, queryset: QuerySet[Provider], name: str, value: bool) -> QuerySet[Provider]:
        return queryset.filter(has_medical_unit=True) if value else queryset
