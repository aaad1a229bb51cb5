"""The public directory: certified providers, searchable, in Chinese, English and Mongolian
(traditional script, docs/mongolian.md), and the same data as open data (CSV and JSON). No
login, no personal data (see ``public.py``)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Any

from django.contrib.sitemaps.views import sitemap
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from safeguards.ratelimit import rate_limited

from .exports import ARCHIVE, export_record, export_response, plain_table
from .filters import ProviderFilter
from .hsds import hsds_zip
from .models import FeeItem, LegalForm, OperationMode, Provider, ProviderKind, ProviderStatus
from .open_data_api import provider_record
from .open_data_table import open_data_header, readable_open_data_row
from .openapi import openapi_document
from .public import (
    OPEN_DATA_FIELDS,
    annual_report_overdue,
    area_of,
    division_names,
    json_value,
    local_division_names,
    open_data_row,
    public_page_provider,
    public_providers,
    removal_row,
    removals_after,
    status_notice,
)
from .public_cache import cached_public_page, cached_public_value
from .public_detail import public_detail_context
from .public_sections import detail_sections
from .selectors import in_force_on
from .sitemaps import public_sitemaps

PAGE_SIZES = (20, 50, 100)
USCC_SHAPE = re.compile(r"[0-9A-Z]{18}")
API_PAGE_SIZE = 100
# Closed or revoked: no report is asked of them any more (a suspended provider still owes it).
REMOVED_FOR_GOOD = frozenset({ProviderStatus.CLOSED, ProviderStatus.REVOKED})


def _filtered(request: HttpRequest) -> ProviderFilter:
    queryset = public_providers().order_by("name", "pk")
    return ProviderFilter(request.GET or None, queryset=queryset)


def _page_size(request: HttpRequest) -> int:
    try:
        size = int(request.GET.get("size", PAGE_SIZES[0]))
    except ValueError:
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]


def _query_without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@require_GET
@cached_public_page
def home(request: HttpRequest) -> HttpResponse:
    filterset = ProviderFilter(None, queryset=Provider.objects.none())
    context = {"filter": filterset, "count": public_providers().count(), "kinds": ProviderKind.choices}
    return render(request, "public/home.html", context)


@require_GET
@cached_public_page
def provider_list(request: HttpRequest) -> HttpResponse:
    filterset = _filtered(request)
    # An invalid value is shown next to its field and skipped; the valid filters still apply.
    paginator = Paginator(filterset.qs, _page_size(request))
    page = paginator.get_page(request.GET.get("page"))
    names = local_division_names()
    rows = [(provider, *area_of(provider, names)) for provider in page.object_list]
    context = {
        "filter": filterset,
        "page": page,
        "rows": rows,
        "page_sizes": PAGE_SIZES,
        "page_query": _query_without(request, "page"),
        "csv_query": _query_without(request, "page", "size"),
        "advice": no_results_advice(request) if not page.object_list else "",
        "active_filters": len(active_filters(request)),
    }
    return render(request, "public/provider_list.html", context)


NOT_FILTERS = frozenset({"q", "sort", "page", "size"})


def active_filters(request: HttpRequest) -> list[str]:
    """The filters set (not the keyword, the order or the page): the phone's "Filter"
    button counts them."""
    return [
        name for name in ProviderFilter.base_filters if name not in NOT_FILTERS and request.GET.get(name, "").strip()
    ]


def no_results_advice(request: HttpRequest) -> str:
    """What to try when nothing is found, from what was asked: fewer filters only when a
    filter is set; another spelling of a keyword searched alone."""
    filters = active_filters(request)
    keyword = request.GET.get("q", "").strip()
    if filters:
        return str(_("No certified provider matches. Try fewer filters."))
    if keyword:
        return str(
            _(
                "No certified provider's name, address or area contains “%(keyword)s”. Check the spelling, "
                "or try part of the name in Chinese characters or in pinyin (kundulun, or its initials kdl)."
            )
            % {"keyword": keyword}
        )
    return str(_("No certified provider is listed yet."))


@require_GET
@cached_public_page
def provider_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    uscc = uscc.upper()
    if not USCC_SHAPE.fullmatch(uscc):  # not even shaped like a code: NUL, which PostgreSQL refuses, …
        raise Http404
    provider = public_page_provider(uscc)
    if provider is None:
        raise Http404
    today = timezone.localdate()
    listed = provider.status == ProviderStatus.CERTIFIED
    # A provider no longer listed charges nobody: its last fees are history, not shown as current.
    fees = provider.fee_items.filter(in_force_on(today)).order_by("kind", "name") if listed else []
    league, county = area_of(provider, local_division_names())
    context = {
        "provider": provider,
        "listed": listed,
        "notice": status_notice(provider),
        "league": league,
        "county": county,
        "fees": fees,
        "report_overdue": annual_report_overdue(provider) if provider.status not in REMOVED_FOR_GOOD else None,
        **public_detail_context(provider, today),
        "sections": detail_sections(provider),
        "fee_units": dict(FeeItem.Unit.choices),
    }
    return render(request, "public/provider_detail.html", context)


@require_GET
@rate_limited("open-data")
def providers_csv(request: HttpRequest) -> HttpResponseBase:
    filterset = _filtered(request)
    if filterset.is_bound and not filterset.is_valid():
        return JsonResponse({"errors": filterset.errors}, status=400)
    names = division_names()
    providers = filterset.qs
    table = plain_table(
        what="providers",
        header=list(OPEN_DATA_FIELDS),
        rows=(list(open_data_row(p, names).values()) for p in providers.iterator(chunk_size=500)),
        count=providers.count(),
    )
    # Streamed; recorded and audited with no user unless someone logged in downloads it.
    user = request.user if request.user.is_authenticated else None
    return export_response(user=user, table=table, file_format="csv")


@require_GET
@rate_limited("open-data")
def providers_table_csv(request: HttpRequest) -> HttpResponseBase:
    """The same download with named columns, labels and 是/否, and the division names, in
    the page's language (English under /en/, Mongolian under /mn/)."""
    filterset = _filtered(request)
    if filterset.is_bound and not filterset.is_valid():
        return JsonResponse({"errors": filterset.errors}, status=400)
    language = get_language()
    names = local_division_names(language)
    providers = filterset.qs

    def rows() -> Iterator[list[Any]]:
        with translation.override(language):  # the rows are written while the file streams
            for provider in providers.iterator(chunk_size=500):
                yield readable_open_data_row(open_data_row(provider, names))

    table = plain_table(
        what="providers", header=open_data_header(), rows=rows(), count=providers.count(), filename="providers-table"
    )
    user = request.user if request.user.is_authenticated else None
    return export_response(user=user, table=table, file_format="csv")


@require_GET
@rate_limited("open-data")
@cached_public_page
def providers_api(request: HttpRequest) -> HttpResponse:
    filterset = _filtered(request)
    if filterset.is_bound and not filterset.is_valid():
        return JsonResponse({"errors": filterset.errors}, status=400)
    paginator = Paginator(filterset.qs, API_PAGE_SIZE)
    try:
        page = paginator.page(int(request.GET.get("page", 1)))
    except (ValueError, InvalidPage):  # not any exception: a database error is no bad page
        return JsonResponse({"errors": {"page": ["invalid page"]}}, status=400)
    names = division_names()
    base = request.build_absolute_uri(reverse("providers_api"))
    query = _query_without(request, "page")

    def link(number: int) -> str:
        return f"{base}?{query}&page={number}" if query else f"{base}?page={number}"

    data: dict[str, Any] = {
        "count": paginator.count,
        "data_as_of": json_value(timezone.now()),
        "next": link(page.next_page_number()) if page.has_next() else None,
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
        "results": [{k: json_value(v) for k, v in open_data_row(p, names).items()} for p in page.object_list],
    }
    since = filterset.form.cleaned_data.get("modified_after") if filterset.is_bound else None
    if since is not None:
        # The change feed: who left the directory since, so a copy can drop them.
        data["removed"] = [removal_row(change) for change in removals_after(since)]
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@require_GET
@rate_limited("open-data")
@cached_public_page
def provider_api(request: HttpRequest, uscc: str) -> HttpResponse:
    """One provider's public record, whatever its status (``open_data_api``)."""
    uscc = uscc.upper()
    provider = public_page_provider(uscc) if USCC_SHAPE.fullmatch(uscc) else None
    if provider is None:
        return JsonResponse({"errors": {"uscc": ["no provider with a public record has this code"]}}, status=404)
    record = {**provider_record(provider, division_names()), "data_as_of": json_value(timezone.now())}
    return JsonResponse(record, json_dumps_params={"ensure_ascii": False})


@require_GET
@cached_public_page
def openapi_json(request: HttpRequest) -> HttpResponse:
    document = openapi_document(request.build_absolute_uri("/"))
    return JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 1})


@require_GET
@rate_limited("open-data")
def hsds_download(request: HttpRequest) -> HttpResponse:
    """Certified providers as HSDS tables (``hsds.py``), recorded and audited as any download:
    the package is kept in the cache until the data changes, each download is recorded."""

    def package() -> tuple[bytes, int, datetime.datetime]:
        # Beijing time, with its offset: "created" and the file name carry the citizens' date.
        taken_at = timezone.localtime()
        providers = public_providers().order_by("uscc")
        content, count = hsds_zip(
            providers.iterator(chunk_size=500),
            division_names(),
            lambda uscc: request.build_absolute_uri(reverse("provider_detail", args=[uscc])),
            taken_at,
        )
        return content, count, taken_at

    content, count, taken_at = cached_public_value(request, package)
    user = request.user if request.user.is_authenticated else None
    export_record(
        user=user, table=plain_table(what="providers-hsds", header=[], rows=[], count=count), file_format=ARCHIVE
    )
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="providers-hsds-{taken_at:%Y%m%d}.zip"'
    return response


@require_GET
@cached_public_page
def api_docs(request: HttpRequest) -> HttpResponse:
    context = {
        "fields": list(OPEN_DATA_FIELDS),
        "filters": list(ProviderFilter.base_filters),
        "kinds": ProviderKind.choices,
        "legal_forms": LegalForm.choices,
        "operation_modes": OperationMode.choices,
        "page_size": API_PAGE_SIZE,
    }
    return render(request, "public/api.html", context)


@cached_public_page
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    """The sections are read per request: the ones the installed apps registered."""
    return sitemap(request, sitemaps=public_sitemaps())


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /en/admin/",
        "Disallow: /mn/admin/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
