"""Double-random, one-public draws (双随机、一公开; 003:343, 004:92).

Selection and assignment are computed only from published inputs — the draw id, the
public random value (e.g. a lottery number announced after the draw was defined), the
USCCs of the providers in scope and the public codes of the inspector pool — so anyone can
recompute them:

- providers are ranked by SHA-256("{draw id}|{random value}|{USCC}") and the first
  ``count`` are selected (count = the sample count, or ceil(ratio × providers));
- for each selected provider, the pool's inspectors whose jurisdiction does not contain
  the provider (never an inspector's own county) and whose department may inspect it
  (``eligibility``: their department supervises the provider's kind and leads or joins the
  draw's regime; no department: any) are ranked by
  SHA-256("{draw id}|{random value}|{USCC}|{inspector code}") and the first ``team size``
  form its team.

The inputs therefore publish each provider's kind, each inspector's department and the
regime's departments. A draw published before departments has none of them: it is
recomputed as it was made (every inspector eligible by department).

The inspector code is ``"I"`` and the staff number (``inspector_codes.inspector_code``). A
draw made before codes (issue 19) published login names instead and ranked its teams by
them: it is recomputed as it was made, by the bureau, which holds those inputs; its public
file names the pool by code (``draw_publication``), so from that file alone only its
selection of providers can be checked.
"""

from __future__ import annotations

import hashlib
import math
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Provider, User
from safeguards.audit import audit_record

from .eligibility import department_may_inspect, regime_departments
from .inspector_codes import entry_key, inspector_code
from .models import Draw
from .planning import PLANNED_STATUSES
from .workbench import draw_assign_tasks


def rank_key(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def draw_inputs(draw: Draw) -> dict[str, Any]:
    """The inputs to publish: everything the computation reads, and nothing else."""
    providers = Provider.objects.filter(
        status__in=PLANNED_STATUSES, division__path__startswith=draw.jurisdiction.path
    ).select_related("division")
    if draw.provider_kinds:
        providers = providers.filter(kind__in=draw.provider_kinds)
    pool = sorted(draw.inspector_pool.select_related("jurisdiction"), key=inspector_code)
    return {
        "draw": draw.pk,
        "random_value": draw.random_value,
        "sample_ratio": str(draw.sample_ratio) if draw.sample_ratio is not None else None,
        "sample_count": draw.sample_count,
        "team_size": draw.team_size,
        "departments": regime_departments(draw.regime),
        "providers": sorted(
            ({"uscc": p.uscc, "name": p.name, "division_path": p.division.path, "kind": p.kind} for p in providers),
            key=lambda p: p["uscc"],
        ),
        "inspectors": [
            {
                "inspector": inspector_code(u),
                "jurisdiction_path": u.jurisdiction.path if u.jurisdiction else "",
                "department": u.department,
            }
            for u in pool
        ],
    }


def compute_results(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """Selection and teams from the published inputs alone (pure, reproducible)."""
    providers = inputs["providers"]
    if inputs["sample_count"] is not None:
        count = min(int(inputs["sample_count"]), len(providers))
    else:
        count = min(math.ceil(Decimal(inputs["sample_ratio"]) * len(providers)), len(providers))
    ranked = sorted(providers, key=lambda p: rank_key(inputs["draw"], inputs["random_value"], p["uscc"]))
    departments = inputs.get("departments")  # absent from a draw published before departments
    results = []
    for position, provider in enumerate(ranked[:count], start=1):
        eligible = [
            i
            for i in inputs["inspectors"]
            if not (i["jurisdiction_path"] and provider["division_path"].startswith(i["jurisdiction_path"]))
            and department_may_inspect(i.get("department", ""), provider.get("kind", ""), departments)
        ]
        team = sorted(
            eligible,
            key=lambda i: rank_key(inputs["draw"], inputs["random_value"], provider["uscc"], entry_key(i)),
        )[: inputs["team_size"]]
        results.append(
            {
                "rank": position,
                "uscc": provider["uscc"],
                "name": provider["name"],
                "team": [entry_key(i) for i in team],
            }
        )
    return results


@transaction.atomic
def draw_freeze(*, draw: Draw, user: User) -> Draw:
    """Compute and publish a draw once; a frozen draw never changes. Each drawn team is
    put on its provider's task (``workbench.draw_assign_tasks``). Writes one
    ``draw.freeze`` audit entry."""
    locked = Draw.objects.select_for_update().get(pk=draw.pk)
    if locked.status == Draw.Status.FROZEN:
        raise ValidationError(_("This draw has already been made."))
    if not locked.random_value.strip():
        raise ValidationError({"random_value": _("Enter the public random value first.")})
    inputs = draw_inputs(locked)
    if not inputs["inspectors"]:
        raise ValidationError(_("The inspector pool is empty."))
    results = compute_results(inputs)
    short = [r["uscc"] for r in results if len(r["team"]) < locked.team_size]
    if short:
        raise ValidationError(
            _("Not enough inspectors from other counties whose department inspects these providers: %(providers)s.")
            % {"providers": ", ".join(short)}
        )
    locked.inputs, locked.results = inputs, results
    locked.status = Draw.Status.FROZEN
    locked.frozen_at = timezone.now()
    locked.save(update_fields=["inputs", "results", "status", "frozen_at"])
    tasks = draw_assign_tasks(draw=locked, on=timezone.localdate())
    audit_record(
        "draw.freeze",
        actor=user,
        obj=locked,
        after={
            "random_value": locked.random_value,
            "selected": [r["uscc"] for r in results],
            "tasks_assigned": len(tasks),
        },
    )
    return locked


def draw_verify(draw: Draw) -> bool:
    """Recompute a frozen draw from its published inputs; True when the results match."""
    return draw.status == Draw.Status.FROZEN and compute_results(draw.inputs) == draw.results
