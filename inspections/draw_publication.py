"""What a frozen draw publishes: its inputs and results as a file anyone can recompute
(``/inspections/draws/<id>/inputs.json``), and the same inputs in readable form for its
page.

A draw made since issue 19 names its inspector pool by public code (``inspector_codes``)
and is published as it is stored: ``random_draw.compute_results(file["inputs"])`` gives
``file["results"]``. A draw made before ranked its teams by login names, which are never
public (issue 21): its file names each inspector by the code of their user instead, so
the provider selection can still be checked from the file (it reads the USCCs only) but
the teams cannot; ``teams_recomputable`` says so, and the bureau recomputes the whole draw
from the stored inputs (``python manage.py verify_draw ID``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from registry.labels import choice_label
from registry.models import Division, Provider, ProviderKind, StaffDepartment, User, name_in_language

from .inspector_codes import entry_key, is_coded, public_keys
from .models import Department, Draw
from .public_names import public_inspector_name
from .random_draw import compute_results

FILE_FORMAT = 2  # 1: the pool by username (before issue 19); 2: by public inspector code
OLDER_DRAW_NOTE = (
    "This draw was made before inspector codes: its teams were ranked by the inspectors' login names, "
    "which are not published. The selection of providers can be recomputed from this file; the teams "
    "can be recomputed by the bureau only (python manage.py verify_draw {draw})."
)


def public_file(draw: Draw, members: dict[str, User]) -> dict[str, Any]:
    """The downloadable file of a frozen draw: its inputs and results, no login name."""
    keys = public_keys(draw, members)
    inputs = copy.deepcopy(draw.inputs)
    inputs["inspectors"] = [
        {"inspector": keys[entry_key(entry)], **{k: v for k, v in entry.items() if k not in ("inspector", "username")}}
        for entry in inputs.get("inspectors", [])
    ]
    results = [{**row, "team": [keys.get(key, key) for key in row["team"]]} for row in draw.results]
    coded = is_coded(draw)
    published: dict[str, Any] = {
        "format": FILE_FORMAT if coded else 1,
        "draw": draw.pk,
        "name": draw.name,
        "jurisdiction": draw.jurisdiction.code,
        "frozen_at": timezone.localtime(draw.frozen_at).isoformat() if draw.frozen_at else None,
        "teams_recomputable": coded,
        "inputs": inputs,
        "results": results,
    }
    if not coded:
        published["note"] = OLDER_DRAW_NOTE.format(draw=draw.pk)
    return published


def area_of_path(path: str, names: dict[str, str]) -> str:
    """A division path as its league/city and county names ("包头市 昆都仑区"); the
    region's name for the region itself; "-" for none."""
    codes = [code for code in path.split("/") if code]
    if not codes:
        return "-"
    shown = codes[1:3] or codes[:1]
    return " ".join(names.get(code, code) for code in shown)


@dataclass(frozen=True)
class ScopeRow:
    uscc: str
    name: str
    kind: str
    area: str
    status: str  # the provider's status now, for its link; "" if no longer on file


@dataclass(frozen=True)
class PoolRow:
    code: str
    name: str
    area: str
    department: str


def readable_scope(providers: list[dict[str, Any]], names: dict[str, str]) -> list[ScopeRow]:
    """Providers in scope (a page of the draw's inputs) as the page lists them: one query
    for their statuses now."""
    statuses = dict(Provider.objects.filter(uscc__in=[p["uscc"] for p in providers]).values_list("uscc", "status"))
    return [
        ScopeRow(
            uscc=p["uscc"],
            name=p["name"],
            kind=choice_label(p["kind"], ProviderKind) if p.get("kind") else "-",
            area=area_of_path(p["division_path"], names),
            status=statuses.get(p["uscc"], ""),
        )
        for p in providers
    ]


def readable_pool(draw: Draw, members: dict[str, User], names: dict[str, str]) -> list[PoolRow]:
    """The inspector pool by public code and name, the area they work in and their
    department (the bureau's own inspectors have none)."""
    keys = public_keys(draw, members)
    rows = []
    for entry in draw.inputs.get("inspectors", []):
        user = members.get(entry_key(entry))
        department = entry.get("department", "")
        rows.append(
            PoolRow(
                code=keys[entry_key(entry)],
                name=public_inspector_name(user) if user is not None else "",
                area=area_of_path(entry.get("jurisdiction_path", ""), names),
                department=choice_label(department, StaffDepartment) if department else "",
            )
        )
    return rows


def readable_departments(draw: Draw) -> list[str] | None:
    """The departments whose inspectors the draw could send (the regime's lead and joint
    ones); an empty list for a draw without a regime (any department); None for a draw
    published before departments."""
    if "departments" not in draw.inputs:
        return None
    return [choice_label(code, Department) for code in draw.inputs["departments"] or []]


def division_names_for(draw: Draw) -> dict[str, str]:
    """Names of every division the draw's paths mention, in the page's language (one query)."""
    codes: set[str] = set()
    for p in draw.inputs.get("providers", []):
        codes.update(c for c in p.get("division_path", "").split("/") if c)
    for i in draw.inputs.get("inspectors", []):
        codes.update(c for c in i.get("jurisdiction_path", "").split("/") if c)
    if not codes:
        return {}
    rows = Division.objects.filter(code__in=codes).values_list("code", "name", "name_mn", "name_en")
    return {code: name_in_language(name, mn=mn, en=en) for code, name, mn, en in rows}


def file_verify(published: dict[str, Any]) -> tuple[bool, bool | None]:
    """Recompute a downloaded file (``public_file``) from its inputs alone: (the selection
    of providers matches, the teams match — None when the file cannot tell: an older draw
    whose teams were ranked by login names)."""
    recomputed = compute_results(published["inputs"])
    selection = [(r["rank"], r["uscc"]) for r in recomputed] == [(r["rank"], r["uscc"]) for r in published["results"]]
    if not published.get("teams_recomputable", True):
        return selection, None
    return selection, selection and recomputed == published["results"]
