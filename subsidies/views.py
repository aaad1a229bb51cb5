"""Public disclosure of subsidies paid, and the provider page's section."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.db.models.functions import ExtractYear
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from registry.models import Provider, name_in_language
from registry.public_cache import cached_public_page

from .models import ConstructionGrant, GrantLine, GrantRun, PaymentItem, SubsidyScheme


def _paid() -> Any:
    return PaymentItem.objects.filter(state=PaymentItem.State.PAID)


def _named(rows: Any) -> list[dict[str, Any]]:
    """Rows of ``values()`` with their scheme's name in the page's language (``scheme_name``:
    Mongolian under /mn/, English under /en/, else Chinese), as ``SubsidyScheme.name`` gives it."""
    return [
        {
            **row,
            "scheme_name": name_in_language(
                row["scheme__name_zh"], mn=row["scheme__name_mn"], en=row["scheme__name_en"]
            ),
        }
        for row in rows
    ]


def _year(text: str) -> int | None:
    """The year asked for, if a date can have it; anything else ("²", which isdigit()
    but int() refuses, 0, 10000) shows every year, as a word does."""
    if text.isascii() and text.isdigit() and 1 <= int(text) <= 9999:
        return int(text)
    return None


@require_GET
@cached_public_page
def public_subsidies(request: HttpRequest) -> HttpResponse:
    """Subsidies paid, and approved but not yet paid, by month, scheme and provider;
    construction grants approved."""
    paid = _paid()
    year, scheme = request.GET.get("year", ""), request.GET.get("scheme", "")
    year_number = _year(year)
    # A code with NUL names no scheme (and PostgreSQL refuses to compare with it).
    same_scheme = Q(scheme__code=scheme) if "\x00" not in scheme else Q(pk__in=[])
    if year_number is not None:
        paid = paid.filter(period__year=year_number)
    if scheme:
        paid = paid.filter(same_scheme)
    fields = (
        "scheme__code",
        "scheme__name_zh",
        "scheme__name_en",
        "scheme__name_mn",
        "provider__uscc",
        "provider__name",
        "provider__status",
    )
    rows = (
        paid.values("period", *fields)
        .annotate(total=Sum("amount"))
        .order_by("-period", "scheme__code", "provider__name")
    )
    approved = GrantLine.objects.filter(run__status=GrantRun.Status.APPROVED, amount__gt=0, holds=[]).exclude(
        payment_items__state=PaymentItem.State.PAID
    )
    if year_number is not None:
        approved = approved.filter(period__year=year_number)
    if scheme:
        approved = approved.filter(same_scheme)
    awaiting = (
        approved.values("period", *fields)
        .annotate(total=Sum("amount"))
        .order_by("-period", "scheme__code", "provider__name")
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    grants = (
        ConstructionGrant.objects.filter(status=ConstructionGrant.Status.APPROVED)
        .select_related("provider", "scheme")
        .order_by("-approved_on")[:50]
    )
    context = {
        "page": page,
        "paid": _named(page.object_list),
        "grants": grants,
        "awaiting": _named(awaiting[:100]),
        "years": _paid().dates("period", "year", order="DESC"),
        "schemes": SubsidyScheme.objects.order_by("code"),
        "year": year,
        "scheme": scheme,
    }
    return render(request, "subsidies/public.html", context)


def provider_subsidies_section(provider: Provider) -> dict[str, Any]:
    """The provider page's block: subsidies received by year and scheme."""
    rows = (
        _paid()
        .filter(provider=provider)
        .annotate(year=ExtractYear("period"))
        .values("year", "scheme__code", "scheme__name_zh", "scheme__name_en", "scheme__name_mn")
        .annotate(total=Sum("amount"))
        .order_by("-year", "scheme__code")
    )
    return {"subsidies": _named(rows)}
