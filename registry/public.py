"""What the public directory may show: certified providers, through an explicit allowlist.

Never personal data: residents, caregivers, contact persons and bank accounts are not
read here at all. What other apps add to the public pages (navigation, sitemap, sections
of the provider page) is in ``public_sections.py``.
"""

from __future__ import annotations

import datetime
import functools
import operator
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import (
    AgeBand,
    CareMode,
    ChildcarePlaces,
    Division,
    FeeItem,
    Provider,
    ProviderKind,
    ProviderStatus,
    ProviderStatusChange,
    name_in_language,
)
from .occupancy import occupancy_annotations, vacancy_basis
from .renewals import asked_for_annual_report, report_year_due
from .selectors import in_force_on

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class MonthlyFee(TypedDict):  # monthly_fees
        fee: Decimal


MONTHLY_FEE_KINDS = [FeeItem.Kind.BED, FeeItem.Kind.NURSING, FeeItem.Kind.MEAL, FeeItem.Kind.CHILDCARE]
MONTHLY_FEE_DIGITS = 14
MONTHLY_FEE_FIELD: DecimalField[Decimal, Decimal] = DecimalField(max_digits=MONTHLY_FEE_DIGITS, decimal_places=2)


def monthly_fees(day: datetime.date) -> QuerySet[WithAnnotations[FeeItem, MonthlyFee], dict[str, Any]]:
    """Each provider's monthly fee on ``day``: one row (``provider``, ``fee``) per provider
    with a monthly item in force, none for the others.

    What one person pays a month at the cheapest options: bed + nursing + meals (or the
    childcare fee). Alternative items of one kind (rooms, nursing grades) are not added up:
    the cheapest of each kind counts. One GROUP BY over the items, so the directory can
    filter by fee without computing it for every certified provider first.
    """
    cheapest = [
        Coalesce(Min("amount", filter=Q(kind=kind)), Value(Decimal("0.00")), output_field=MONTHLY_FEE_FIELD)
        for kind in MONTHLY_FEE_KINDS
    ]
    return (
        FeeItem.objects.filter(in_force_on(day), unit=FeeItem.Unit.MONTH, kind__in=MONTHLY_FEE_KINDS)
        .order_by()
        .values("provider")
        .annotate(fee=functools.reduce(operator.add, cheapest))
    )


def providers_by_monthly_fee(day: datetime.date, **bounds: Decimal) -> QuerySet[FeeItem, Any]:
    """Ids of the providers whose monthly fee on ``day`` is within ``bounds``
    (``fee__gte=…``, ``fee__lte=…``); a provider without monthly items has no fee and is never in."""
    return monthly_fees(day).filter(**bounds).values("provider")


def public_providers(day: datetime.date | None = None) -> QuerySet[Provider]:
    """Certified providers with their occupancy and vacancies by kind (``occupancy.py``),
    the monthly fee and the childcare places, as of ``day``.

    Everything is computed in the one query (subqueries), so a page costs the same
    whatever its size.
    """
    return page_providers(day).filter(status=ProviderStatus.CERTIFIED)


def page_providers(day: datetime.date | None = None) -> QuerySet[Provider]:
    """Every provider with a public page (``PAGE_STATUSES``), annotated as the directory's.
    Only a certified provider's figures are published (``UNLISTED_NULLS``)."""
    day = day or timezone.localdate()
    monthly_fee = Subquery(
        monthly_fees(day).filter(provider=OuterRef("pk")).values("fee"),
        output_field=MONTHLY_FEE_FIELD,
    )
    return (
        Provider.objects.filter(status__in=PAGE_STATUSES)
        .select_related("division")
        .annotate(**occupancy_annotations(day))
        .annotate(monthly_fee=monthly_fee, occupancy_on=Value(day), **childcare_annotations())
    )


# Statuses with a public page: every provider that has ever been filed (DOMAIN §7 "Public
# disclosure"). A draft has never been filed and has none. Only certified ones are listed.
PAGE_STATUSES = frozenset(
    {
        ProviderStatus.FILED,
        ProviderStatus.CERTIFIED,
        ProviderStatus.SUSPENDED,
        ProviderStatus.CLOSED,
        ProviderStatus.REVOKED,
    }
)
REMOVED_STATUSES = frozenset({ProviderStatus.SUSPENDED, ProviderStatus.CLOSED, ProviderStatus.REVOKED})


def public_page_provider(uscc: str, day: datetime.date | None = None) -> Provider | None:
    """The provider whose public page ``uscc`` is, or None: a certified provider with the
    directory's figures; one filed but not (or no longer) certified as it stands, so its
    page says its status (the page and the API leave its occupancy and fees out)."""
    return page_providers(day).filter(uscc=uscc).first()


def status_notice(provider: Provider) -> ProviderStatusChange | None:
    """The lifecycle change that gave a provider its current status, when that status is
    not "certified": what its public page says at the top (date, reason category)."""
    if provider.status == ProviderStatus.CERTIFIED:
        return None
    return (
        provider.status_changes.filter(to_status=provider.status)
        .only("action", "to_status", "reason_category", "effective_on")
        .order_by("-effective_on", "-recorded_at", "-id")
        .first()
    )


def removals_after(since: datetime.datetime) -> list[ProviderStatusChange]:
    """Providers that left the directory after ``since``: the change feed's removals.

    A provider is removed when it has been certified and is now suspended, closed or
    revoked, and that change was recorded after ``since``; the latest such change of each
    provider, so a provider suspended then closed is one removal, as it now stands
    (removals are few: the newest per provider is picked here, not with DISTINCT ON)."""
    changes = (
        ProviderStatusChange.objects.filter(
            recorded_at__gt=since,
            to_status=F("provider__status"),
            provider__status__in=REMOVED_STATUSES,
            provider__certified_on__isnull=False,
        )
        .select_related("provider", "provider__division")
        .order_by("-recorded_at", "-id")
    )
    latest: dict[int, ProviderStatusChange] = {}
    for change in changes:
        latest.setdefault(change.provider_id, change)
    return sorted(latest.values(), key=lambda change: (change.recorded_at, change.pk))


def removal_row(change: ProviderStatusChange) -> dict[str, Any]:
    """One removal of the change feed: who, since when, in what status, and why (category)."""
    return {
        "uscc": change.provider.uscc,
        "name": change.provider.name,
        "status": change.to_status,
        "status_changed_on": change.effective_on.isoformat(),
        "reason_category": change.reason_category,
        "recorded_at": change.recorded_at.isoformat(),
    }


def childcare_annotations() -> dict[str, Any]:
    """A childcare provider's places per age band and whether it offers each service
    mode (for the list, the filters' neighbours and the open data). Elderly providers
    skip the subqueries (CASE evaluates only the branch it takes)."""
    childcare = Q(kind__in=ProviderKind.childcare())
    offers = ChildcarePlaces.objects.filter(provider=OuterRef("pk"), places__gt=0).order_by()
    annotations: dict[str, Any] = {}
    for band in AgeBand:
        places = offers.filter(age_band=band).values("provider").annotate(n=Sum("places")).values("n")
        annotations[f"places_{band.value}"] = Case(
            When(childcare, then=Coalesce(Subquery(places, output_field=IntegerField()), Value(0))),
            default=Value(None),
            output_field=IntegerField(),
        )
    for mode in CareMode:
        annotations[f"offers_{mode.value}"] = Case(
            When(childcare, then=Exists(offers.filter(mode=mode))), default=Value(False), output_field=BooleanField()
        )
    return annotations


def care_modes_offered(provider: Any) -> list[str]:
    """The service modes an annotated childcare provider offers, in the order of CareMode."""
    return [mode.value for mode in CareMode if getattr(provider, f"offers_{mode.value}", False)]


def division_names() -> dict[str, str]:
    """Names of the region, leagues/cities and counties by code, in Chinese as stored: the
    machine-readable files' (one small query)."""
    return dict(Division.objects.filter(level__lte=Division.Level.COUNTY).values_list("code", "name"))


def local_division_names(language: str | None = None) -> dict[str, str]:
    """The same names as a page in ``language`` (the active one) shows them: in Mongolian
    under /mn/, in English under /en/, from the glossary's columns (``glossary.py``), the
    Chinese name where a division has none. Still one small query."""
    rows = Division.objects.filter(level__lte=Division.Level.COUNTY).values_list("code", "name", "name_mn", "name_en")
    return {code: name_in_language(name, mn=mn, en=en, language=language) for code, name, mn, en in rows}


def area_of(provider: Provider, names: dict[str, str]) -> tuple[str, str]:
    """(league/city, county) names of a provider, from its division path: no query per row."""
    codes = [c for c in provider.division.path.split("/") if c]
    league = names.get(codes[1], "") if len(codes) > 1 else ""
    county = names.get(codes[2], "") if len(codes) > 2 else ""
    return league, county


# The open-data allowlist: field name → how to read it from an annotated provider.
OPEN_DATA_FIELDS: dict[str, Callable[[Any, dict[str, str]], Any]] = {
    "uscc": lambda p, n: p.uscc,
    "name": lambda p, n: p.name,
    "name_mn": lambda p, n: p.name_mn,
    "kind": lambda p, n: p.kind,
    "legal_form": lambda p, n: p.legal_form,
    "operation_mode": lambda p, n: p.operation_mode,
    "division_code": lambda p, n: p.division.code,
    "league_city": lambda p, n: area_of(p, n)[0],
    "county": lambda p, n: area_of(p, n)[1],
    "address": lambda p, n: p.address,
    "phone": lambda p, n: p.contact_phone,
    "latitude": lambda p, n: p.latitude,
    "longitude": lambda p, n: p.longitude,
    "grade": lambda p, n: p.grade,
    "beds": lambda p, n: p.beds,
    "nursing_beds": lambda p, n: p.nursing_beds,
    "childcare_places": lambda p, n: p.childcare_places,
    "day_capacity": lambda p, n: p.day_capacity,
    "vacancy_basis": lambda p, n: vacancy_basis(p.kind),
    "vacancies": lambda p, n: p.vacancies,
    "attendance": lambda p, n: p.attendance,
    "occupancy_as_of": lambda p, n: (
        p.attendance_on if p.attendance_on else (p.occupancy_on if p.vacancies is not None else None)
    ),
    "places_under_1": lambda p, n: p.places_under_1,
    "places_1_2": lambda p, n: p.places_1_2,
    "places_2_3": lambda p, n: p.places_2_3,
    "care_modes": lambda p, n: ";".join(care_modes_offered(p)),
    "inclusive_places": lambda p, n: p.inclusive_places if p.kind in ProviderKind.childcare() else None,
    "inclusive_price": lambda p, n: p.inclusive_price,
    "demonstration_level": lambda p, n: p.demonstration_level,
    "demonstration_year": lambda p, n: p.demonstration_year,
    "childcare_setting": lambda p, n: p.childcare_setting,
    "filing_authority": lambda p, n: p.filing_authority,
    "filing_number": lambda p, n: p.filing_number,
    "has_medical_unit": lambda p, n: p.has_medical_unit,
    "monthly_fee": lambda p, n: p.monthly_fee,
    "certified_on": lambda p, n: p.certified_on,
    "updated_at": lambda p, n: p.updated_at,
}


def open_data_row(provider: Provider, names: dict[str, str]) -> dict[str, Any]:
    return {name: read(provider, names) for name, read in OPEN_DATA_FIELDS.items()}


def json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def annual_report_overdue(provider: Provider, day: datetime.date | None = None) -> int | None:
    """The year whose annual financial report is overdue, if any.

    Government-run and non-profit elderly-care providers (养老机构; childcare providers are
    not asked, DOMAIN §7) report each year by the date in ANNUAL_REPORT_DUE (month, day) of
    the next year — 31 March (000:533-540).
    """
    day = day or timezone.localdate()
    if not asked_for_annual_report(provider):
        return None
    year = report_year_due(day)
    operating_since = provider.filed_on or provider.certified_on
    if operating_since is not None and operating_since.year > year:
        return None
    if provider.annual_reports.filter(year=year, submitted_on__isnull=False).exists():
        return None
    return year
