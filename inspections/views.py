"""Public page: double-random draws and their results (双随机、一公开), and the section of
the provider page with its latest inspections."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from registry.models import Provider, ProviderKind, User

from .models import Department, Draw, Finding, Inspection


@require_GET
def public_inspections(request: HttpRequest) -> HttpResponse:
    draws = Paginator(Draw.objects.filter(status=Draw.Status.FROZEN).select_related("jurisdiction"), 5).get_page(
        request.GET.get("page")
    )
    outcomes = {
        (inspection.draw_id, inspection.provider.uscc): inspection
        for inspection in Inspection.objects.filter(draw__in=list(draws.object_list)).select_related("provider")
    }
    usernames = {name for draw in draws.object_list for row in draw.results for name in row["team"]}
    names = public_inspector_names(usernames)
    published = [
        (
            draw,
            [
                (
                    {**row, "team": [names.get(u, _("Inspector")) for u in row["team"]]},
                    outcomes.get((draw.pk, row["uscc"])),
                )
                for row in draw.results
            ],
        )
        for draw in draws.object_list
    ]
    return render(request, "inspections/public.html", {"page": draws, "draws": published})


def public_inspector_names(usernames: set[str]) -> dict[str, str]:
    """How the public page names each inspector: their department (the jurisdiction they
    work in, and the department they work for if any) and their name, or their staff
    number when no name is recorded — never the login name, which is half of what signing
    in needs (issue 21)."""
    users = User.objects.filter(username__in=usernames).select_related("jurisdiction")
    return {user.username: public_inspector_name(user) for user in users}


def public_inspector_name(user: User) -> str:
    # A Chinese name is family name first, unspaced (李晓东); others as Django writes them.
    given, family = user.first_name.strip(), user.last_name.strip()
    full = user.get_full_name().strip() if (given + family).isascii() else f"{family}{given}"
    name = full or _("inspector no. %(number)04d") % {"number": user.pk}
    if user.jurisdiction is None:
        return name
    department = user.jurisdiction.local_name()
    if user.department:  # e.g. 包头市卫生健康委; the bureau's own inspectors by their area alone
        department = _("%(area)s %(department)s") % {
            "area": department,
            "department": user.get_department_display(),
        }
    return _("%(department)s · %(name)s") % {"department": department, "name": name}


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
