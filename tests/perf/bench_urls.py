"""The project's URLs plus the benchmark's bare view of the public list (its limit)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, path

from config.urls import urlpatterns as project_urlpatterns
from registry.filters import ProviderFilter
from registry.public import public_providers

PAGE_FIELDS = ("uscc", "name", "kind", "grade", "beds", "vacancies", "monthly_fee", "division__code")


def bare_provider_list(request: HttpRequest) -> JsonResponse:
    """The same rows as /providers/ (same filters, order and page), with nothing else: the
    filtered count and the page's values, as JSON — no template, no paginator."""
    filterset = ProviderFilter(request.GET or None, queryset=public_providers().order_by("name", "pk"))
    queryset = filterset.qs
    size = int(request.GET.get("size", 20))
    page = int(request.GET.get("page", 1))
    count = queryset.count()
    rows = list(queryset.values_list(*PAGE_FIELDS)[(page - 1) * size : page * size])
    return JsonResponse({"count": count, "rows": rows})


urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/bare-providers/", bare_provider_list),
    *project_urlpatterns,
]
