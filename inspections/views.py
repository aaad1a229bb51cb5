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

from registry.models import Provider, User

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
    work in) and their name, or their staff number when no name is recorded — never the
    login name, which is half of what signing in needs (issue 21)."""
    users = User.objects.filter(username__in=usernames).select_related("jurisdiction")
    return {user.username: public_inspector_name(user) for user in users}


def public_inspector_name(user: User) -> str:
    # A Chinese name is family name first, unspaced (李晓东); others as Django writes them.
    given, family = user.first_name.strip(), user.last_name.strip()
    full = user.get_full_name().strip() if (given + family).isascii() else f"{family}{given}"
    name = full or _("inspector no. %(number)04d") % {"number": user.pk}
    if user.jurisdiction is None:
        return name
    return _("%(department)s · %(name)s") % {"department": user.jurisdiction.name, "name": name}


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
