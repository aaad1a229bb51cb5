"""Public page: double-random draws and their results (双随机、一公开), and the section of
the provider page with its latest inspections."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from registry.models import Provider

from .models import Draw, Finding, Inspection


@require_GET
def public_inspections(request: HttpRequest) -> HttpResponse:
    draws = Paginator(Draw.objects.filter(status=Draw.Status.FROZEN).select_related("jurisdiction"), 5).get_page(
        request.GET.get("page")
    )
    outcomes = {
        (inspection.draw_id, inspection.provider.uscc): inspection
        for inspection in Inspection.objects.filter(draw__in=list(draws.object_list)).select_related("provider")
    }
    published = [
        (draw, [(row, outcomes.get((draw.pk, row["uscc"]))) for row in draw.results]) for draw in draws.object_list
    ]
    return render(request, "inspections/public.html", {"page": draws, "draws": published})


def provider_inspections_section(provider: Provider) -> dict[str, Any]:
    """The provider page's block: the last inspections with outcome and open/closed findings."""
    inspections = (
        Inspection.objects.filter(provider=provider)
        .select_related("regime")
        .annotate(
            open_findings=Count("findings", filter=~Q(findings__status=Finding.Status.VERIFIED)),
            closed_findings=Count("findings", filter=Q(findings__status=Finding.Status.VERIFIED)),
        )
        .order_by("-inspected_on", "-pk")[:5]
    )
    return {"inspections": list(inspections)}
