"""Inspection results as a roster kind: one row per inspection, as districts report them.

A row carries the provider, the regime (code or name), the date, the outcome and the
summary; findings and their rectification are recorded on the inspection in the
back-office, where a major hazard holds the provider's payments. Importing a result
closes the open task it fulfils, as recording it in the back-office does.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from registry.models import User
from registry.rosters.cells import ReferenceCell, RosterField, choice_cell, date_cell, text_cell
from registry.rosters.kinds import RosterKind, RowContext
from registry.rosters.resources import RosterResource, provider_cell

from . import records
from .models import Inspection, Regime


class InspectionResource(RosterResource):
    """The inspection results roster's columns (the regime named by its code or either name
    on import, by its Chinese name on export)."""

    provider = RosterField("机构统一社会信用代码", "provider uscc", "provider", provider_cell(), required=True)
    regime = RosterField("检查类型", "regime", "regime", ReferenceCell(Regime, "name_zh"), required=True)
    inspected_on = RosterField("检查日期", "inspected on", "inspected_on", date_cell(), required=True)
    outcome = RosterField("检查结果", "outcome", "outcome", choice_cell(Inspection.Outcome), required=True)
    summary = RosterField("检查情况", "summary", "summary", text_cell(2000))

    class Meta:
        model = Inspection
        fields = ("provider", "regime", "inspected_on", "outcome", "summary")
        import_id_fields = ("provider", "regime", "inspected_on")


def _regimes(context: RowContext) -> dict[str, Regime]:
    """Active regimes by every accepted spelling (code, Chinese name, English name)."""
    if "regimes" not in context.lookups:
        spellings: dict[str, Regime] = {}
        for regime in Regime.objects.filter(active=True):
            for spelling in (regime.code, regime.name_zh, regime.name_en):
                spellings[spelling.strip().lower()] = regime
        context.lookups["regimes"] = spellings
    regimes: dict[str, Regime] = context.lookups["regimes"]
    return regimes


def resolve_regime(values: dict[str, Any], context: RowContext) -> dict[str, str]:
    if values.get("regime") is None:
        return {}
    regime = _regimes(context).get(values["regime"].strip().lower())
    if regime is None:
        return {"regime": _("No active inspection regime “%(value)s”.") % {"value": values["regime"]}}
    values["regime"] = regime
    return {}


def recorded_by_importer(inspection: Inspection, user: User | None) -> None:
    actor = user or User.objects.filter(is_superuser=True).order_by("pk").first()
    if actor is not None:
        inspection.recorded_by = actor


def imported_results_close_their_tasks(inspections: list[Inspection], user: User | None) -> None:
    """The roster's rows are saved by the engine; what follows a recording is the service's."""
    records.imported_inspections_finalise(inspections=inspections)


INSPECTIONS = RosterKind(
    name="inspections",
    label="检查结果",
    model=Inspection,
    resource=InspectionResource,
    key=("provider", "regime", "inspected_on"),
    related=("provider", "regime"),
    resolve=resolve_regime,
    prepare=recorded_by_importer,
    check=records.inspection_errors,  # a row meets the rules of every inspection record
    after_apply=imported_results_close_their_tasks,
    example=("52150203MJ0000001C", "旗县区安全检查", "2026-10-15", "合格", "消防设施完好，未发现隐患"),
)
