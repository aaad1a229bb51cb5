"""Public pages: double-random draws and their results (双随机、一公开), each draw's
published inputs and how to recompute it, each inspection's page, and the section of the
provider page with its latest inspections."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from registry.labels import list_separator, plain_number
from registry.models import Provider, ProviderKind
from registry.public import PAGE_STATUSES
from registry.public_cache import cached_public_page
from safeguards.ratelimit import rate_limited

from .draw_publication import (
    division_names_for,
    public_file,
    readable_departments,
    readable_pool,
    readable_scope,
)
from .inspector_codes import draw_members, is_coded
from .models import Department, Draw, Finding, Inspection
from .public_names import draws_member_labels, member_labels, team_label
from .public_record import (
    checklist_summary,
    finding_rows,
    public_inspection,
    published_draw,
    regime_departments_shown,
)

SCOPE_PAGE_SIZE = 100  # providers in scope per page of a draw's inputs


@require_GET
@cached_public_page
def public_inspections(request: HttpRequest) -> HttpResponse:
    draws = Paginator(Draw.objects.filter(status=Draw.Status.FROZEN).select_related("jurisdiction"), 5).get_page(
        request.GET.get("page")
    )
    labels = draws_member_labels(draws.object_list)
    published = [(draw, draw_rows(draw, labels[draw.pk])) for draw in draws.object_list]
    return render(request, "inspections/public.html", {"page": draws, "draws": published})


def draw_rows(draw: Draw, labels: dict[str, str]) -> list[tuple[dict[str, Any], Inspection | None, str]]:
    """Each drawn provider: its row (team by public name and code), the inspection recorded for
    the draw if any (linked when public) and the provider's status now (for its link)."""
    usccs = [row["uscc"] for row in draw.results]
    outcomes = {
        inspection.provider.uscc: inspection
        for inspection in Inspection.objects.filter(draw=draw, provider__status__in=PAGE_STATUSES).select_related(
            "provider"
        )
    }
    statuses = dict(Provider.objects.filter(uscc__in=usccs).values_list("uscc", "status"))
    return [
        (
            {**row, "team": team_label(row["team"], labels)},
            outcomes.get(row["uscc"]),
            statuses.get(row["uscc"], ""),
        )
        for row in draw.results
    ]


def _frozen_draw(pk: int) -> Draw:
    draw = Draw.objects.filter(pk=pk, status=Draw.Status.FROZEN).select_related("jurisdiction", "regime").first()
    if draw is None:  # a draft is not published
        raise Http404
    return draw


@require_GET
@cached_public_page
def public_draw(request: HttpRequest, pk: int) -> HttpResponse:
    """A draw's published inputs in readable form, its results and how to recompute it."""
    draw = _frozen_draw(pk)
    members = draw_members([draw])[draw.pk]
    names = division_names_for(draw)
    scope = Paginator(draw.inputs.get("providers", []), SCOPE_PAGE_SIZE).get_page(request.GET.get("page"))
    ratio = draw.inputs.get("sample_ratio")
    departments = readable_departments(draw)
    context = {
        "draw": draw,
        "scope": scope,
        "scope_rows": readable_scope(list(scope.object_list), names),
        "pool": readable_pool(draw, members, names),
        "departments": None if departments is None else list_separator().join(departments),
        "sample_share": f"{plain_number(Decimal(ratio) * 100)} %" if ratio is not None else None,
        "rows": draw_rows(draw, member_labels(draw, members)),
        "recomputable": is_coded(draw),
    }
    return render(request, "inspections/draw.html", context)


@require_GET
@rate_limited("open-data")
@cached_public_page
def public_draw_inputs(request: HttpRequest, pk: int) -> HttpResponse:
    """The draw's inputs and results as a file (no login name: ``draw_publication``)."""
    draw = _frozen_draw(pk)
    body = json.dumps(public_file(draw, draw_members([draw])[draw.pk]), ensure_ascii=False, indent=2)
    response = HttpResponse(body + "\n", content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="draw-{draw.pk}-inputs.json"'
    return response


@require_GET
@cached_public_page
def public_inspection_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One inspection: provider, date, regime and departments, outcome, failed checklist
    items and the findings' dates (``public_record``); no text anyone wrote, no inspector."""
    inspection = public_inspection(pk)
    if inspection is None:
        raise Http404
    lead, joint = regime_departments_shown(inspection.regime)
    context = {
        "inspection": inspection,
        "provider": inspection.provider,
        "lead_department": lead,
        "joint_departments": list_separator().join(joint),
        "checklist": checklist_summary(inspection),
        "findings": finding_rows(inspection, timezone.localdate()),
        "draw": published_draw(inspection),
    }
    return render(request, "inspections/inspection.html", context)


SECTION_ROWS = 5  # the latest inspections of each list on the provider page


def provider_inspections_section(provider: Provider) -> dict[str, Any]:
    """The provider page's block: the last inspections with the department that led each
    (its regime's lead department), the outcome and open/closed findings.

    A childcare provider's page shows the supervision led by the health commission (health
    supervision, quality evaluation: 000:136-140, 179-184, 331-335) as a list of its own,
    so that a parent finds those results whatever the other inspections since; the other
    inspections (fire, ad hoc) follow. No inspector is named here (the draws page names
    them by department and name, ``public_inspector_name``)."""
    inspections = (
        Inspection.objects.filter(provider=provider)
        .select_related("regime")
        .annotate(
            open_findings=Count("findings", filter=~Q(findings__status=Finding.Status.VERIFIED)),
            closed_findings=Count("findings", filter=Q(findings__status=Finding.Status.VERIFIED)),
        )
        .order_by("-inspected_on", "-pk")
    )
    if provider.kind not in ProviderKind.childcare():
        return {"inspections": list(inspections[:SECTION_ROWS])}
    health = Q(regime__lead_department=Department.HEALTH_COMMISSION)
    return {
        "health_supervision": list(inspections.filter(health)[:SECTION_ROWS]),
        "inspections": list(inspections.exclude(health)[:SECTION_ROWS]),
    }
