"""Validate a whole roster, preview what would change, apply exactly that — or nothing.

Every row is checked (cells, references inside the user's jurisdiction, model rules,
duplicates inside the file) and *all* errors are reported as (row, column, message);
if any row is invalid nothing is saved. The preview's ``digest`` fingerprints the plan:
the confirmed import re-validates the file and refuses if the plan changed meanwhile.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..identifiers import normalise_uscc
from ..lifecycle import provider_transition
from ..models import Division, Provider, ProviderStatusChange, RegistrationAuthority, User
from ..scoping import divisions_visible_to, jurisdiction_path, providers_visible_to
from .formats import Table
from .kinds import PROVIDERS, Column, RosterKind, RowContext, resolve_references

NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"
FIRST_DATA_ROW = 2  # the header is row 1, as in a spreadsheet


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("row %(row)d, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class RowPlan:
    row: int
    action: str
    values: dict[str, Any]
    instance: Any = None
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class Plan:
    kind: RosterKind
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {action: self.count(action) for action in (NEW, CHANGED, UNCHANGED)}

    @property
    def digest(self) -> str:
        summary = [
            (r.row, r.action, sorted(r.changes.items()) if r.action == CHANGED else _key_text(r.values))
            for r in self.rows
        ]
        return hashlib.sha256(json.dumps(summary, default=str, ensure_ascii=False).encode()).hexdigest()


def _key_text(values: dict[str, Any]) -> str:
    return json.dumps({k: str(v) for k, v in sorted(values.items())}, ensure_ascii=False)


def _map_headers(kind: RosterKind, header: list[str]) -> tuple[dict[int, Column], list[RowError]]:
    by_name = {c.header: c for c in kind.columns} | {c.alias.lower(): c for c in kind.columns}
    mapping: dict[int, Column] = {}
    for index, name in enumerate(header):
        column = by_name.get(name) or by_name.get(name.lower())
        if column is not None and column not in mapping.values():
            mapping[index] = column
    missing = [c.header for c in kind.columns if c.required and c not in mapping.values()]
    errors = [RowError(1, header_name, _("This required column is missing.")) for header_name in missing]
    return mapping, errors


def _context(kind: RosterKind, user: User | None) -> RowContext:
    if user is None:  # the command line without --user: the whole database
        providers = Provider.objects.all()
        divisions = Division.objects.all()
    else:
        providers = providers_visible_to(user)
        divisions = divisions_visible_to(user)
    context = RowContext()
    if kind is PROVIDERS:
        context.divisions = list(divisions)
    else:
        context.providers_by_uscc = {p.uscc: p for p in providers.only("pk", "uscc", "name", "kind", "division_id")}
    return context


def _parse_row(number: int, cells: list[str], mapping: dict[int, Column]) -> tuple[dict[str, Any], list[RowError]]:
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for index, column in mapping.items():
        raw = cells[index].strip()
        if not raw:
            if column.required:
                errors.append(RowError(number, column.header, _("This cell is required.")))
            else:
                values[column.field] = None
            continue
        try:
            values[column.field] = column.parse(raw)
        except ValidationError as error:
            errors.append(RowError(number, column.header, " ".join(error.messages)))
        except ValueError as error:
            errors.append(RowError(number, column.header, str(error)))
    return values, errors


def _existing(kind: RosterKind, parsed: list[tuple[int, dict[str, Any]]]) -> dict[tuple[Any, ...], Any]:
    """Existing rows for every key in the file, in one query."""
    model = kind.model
    first = kind.key[0]
    keys = {values[first] for _n, values in parsed if values.get(first)}
    objects = model._default_manager.filter(**{f"{first}__in": keys})
    objects = objects.select_related(*kind.related)
    return {tuple(_key_part(getattr(o, k)) for k in kind.key): o for o in objects}


def _key_part(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return str(value)


def _diff(kind: RosterKind, instance: Any, values: dict[str, Any]) -> dict[str, tuple[str, str]]:
    changes = {}
    for name, new in values.items():
        if name in kind.create_only:
            continue
        old = getattr(instance, name)
        if new is None and name in {"beds", "nursing_beds", "childcare_places", "grade"}:
            new = 0
        if new is None and isinstance(old, str):
            new = ""
        if new is None and isinstance(old, list):
            new = []
        if isinstance(old, list) and isinstance(new, list):
            old, new = sorted(old), sorted(new)
        if _key_part(old) != _key_part(new):
            changes[name] = (_display(old), _display(new))
    return changes


@functools.cache
def _resolved_relations(kind: RosterKind) -> frozenset[str]:
    """Foreign keys the row checks already resolved to objects in the user's scope
    (provider, division, regime): ``full_clean`` need not query each one again."""
    return frozenset(column.field for column in kind.columns if kind.model._meta.get_field(column.field).is_relation)


def _model_errors(kind: RosterKind, number: int, instance: Any) -> list[RowError]:
    headers = {c.field: c.header for c in kind.columns}
    try:
        instance.full_clean(exclude=_resolved_relations(kind), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return [
            RowError(number, headers.get(name, name), " ".join(messages))
            for name, messages in error.message_dict.items()
        ]
    if kind.check is not None:
        return [RowError(number, headers.get(name, name), message) for name, message in kind.check(instance).items()]
    return []


def _prepare_instance(kind: RosterKind, existing: Any, values: dict[str, Any], user: User | None) -> Any:
    instance: Any = existing or kind.model()
    if existing is None and kind.prepare is not None:
        kind.prepare(instance, user)
    for name, value in values.items():
        if existing is not None and name in kind.create_only:
            continue
        if value is None and name in {"beds", "nursing_beds", "childcare_places", "grade"}:
            value = 0
        if value is None and name == "categories":
            value = []
        model_field: Any = kind.model._meta.get_field(name)
        if value is None and model_field.get_internal_type() in {"CharField", "TextField"} and not model_field.null:
            value = ""
        if name == "filed_on":
            continue  # set through the lifecycle when the provider is created
        setattr(instance, name, value)
    if kind is PROVIDERS and not instance.registration_authority:
        instance.registration_authority = (
            RegistrationAuthority.MARKET_REGULATION
            if instance.legal_form == "for_profit"
            else RegistrationAuthority.CIVIL_AFFAIRS
        )
    return instance


def _in_scope(kind: RosterKind, current: Any, user: User | None, context: RowContext) -> bool:
    if user is None:
        return True
    if kind is PROVIDERS:
        path = jurisdiction_path(user)
        return path is not None and current.division.path.startswith(path)
    return current.provider.uscc in context.providers_by_uscc


PROGRESS_EVERY = 500


def validate_roster(
    kind: RosterKind, table: Table, *, user: User | None, progress: Callable[[int], None] | None = None
) -> Plan:
    """Check every row and work out, for each, whether it is new, changed or unchanged.

    ``progress`` (if given) is called with the number of rows checked so far.
    """
    header, body = table
    plan = Plan(kind)
    mapping, header_errors = _map_headers(kind, header)
    if header_errors:
        plan.errors = header_errors
        return plan
    context = _context(kind, user)
    parsed: list[tuple[int, dict[str, Any]]] = []
    for offset, cells in enumerate(body):
        number = FIRST_DATA_ROW + offset
        values, errors = _parse_row(number, cells, mapping)
        for column_header, message in resolve_references(kind, values, context).items():
            errors.append(RowError(number, column_header, message))
        plan.errors += errors
        if not errors:
            parsed.append((number, values))
        if progress is not None and offset % PROGRESS_EVERY == PROGRESS_EVERY - 1:
            progress((offset + 1) // 2)  # parsing is the first half of the work
    existing = _existing(kind, parsed)
    seen: dict[tuple[Any, ...], int] = {}
    key_headers = "、".join(kind.column(k).header for k in kind.key)
    for index, (number, values) in enumerate(parsed):
        if progress is not None and index % PROGRESS_EVERY == PROGRESS_EVERY - 1:
            progress(len(body) // 2 + (index + 1) // 2)
        key = tuple(_key_part(values.get(k)) for k in kind.key)
        if key in seen:
            plan.errors.append(RowError(number, key_headers, _("Same as row %(row)d.") % {"row": seen[key]}))
            continue
        seen[key] = number
        current = existing.get(key)
        if current is not None and not _in_scope(kind, current, user, context):
            plan.errors.append(RowError(number, key_headers, _("This record belongs outside your jurisdiction.")))
            continue
        changes = _diff(kind, current, values) if current is not None else {}
        instance = _prepare_instance(kind, current, values, user)
        errors = _model_errors(kind, number, instance)
        if errors:
            plan.errors += errors
            continue
        action = NEW if current is None else (CHANGED if changes else UNCHANGED)
        plan.rows.append(RowPlan(number, action, values, instance, changes))
    plan.errors.sort(key=lambda e: (e.row, e.column))
    if progress is not None:
        progress(len(body))
    return plan


@transaction.atomic
def apply_roster(plan: Plan, *, user: User | None, expected_digest: str | None = None) -> dict[str, int]:
    """Save exactly the validated plan, all rows or none."""
    if not plan.valid:
        raise ValidationError(_("The roster has errors; nothing was saved."))
    if expected_digest is not None and expected_digest != plan.digest:
        raise ValidationError(_("The data changed since the preview; preview the file again."))
    kind = plan.kind
    new = [r.instance for r in plan.rows if r.action == NEW]
    changed = [r for r in plan.rows if r.action == CHANGED]
    history_user = user
    if new:
        bulk_create_with_history(
            new, kind.model, batch_size=1000, default_user=history_user, default_change_reason="名册导入"
        )
    if changed:
        # bulk_update skips auto_now: stamp it, so "changed after" feeds and sitemaps see the change.
        stamped = [f.name for f in kind.model._meta.concrete_fields if getattr(f, "auto_now", False)]
        now = timezone.now()
        for r in changed:
            for name in stamped:
                setattr(r.instance, name, now)
        fields = sorted({name for r in changed for name in r.changes} | set(stamped))
        bulk_update_with_history(
            [r.instance for r in changed],
            kind.model,
            fields,
            batch_size=1000,
            default_user=history_user,
            default_change_reason="名册导入",
        )
    if kind is PROVIDERS:
        _file_new_providers(plan, user)
    if kind.after_apply is not None:
        kind.after_apply(new, user)
    return plan.counts


def _file_new_providers(plan: Plan, user: User | None) -> None:
    """A new provider with a filing date is filed through the lifecycle, with that date."""
    actor = user or User.objects.filter(is_superuser=True).order_by("pk").first()
    for row in plan.rows:
        filed_on = row.values.get("filed_on")
        if row.action != NEW or not filed_on or actor is None:
            continue
        provider = Provider.objects.get(uscc=normalise_uscc(row.values["uscc"]))
        provider_transition(
            provider=provider,
            action=ProviderStatusChange.Action.FILE,
            reason=_("Filed before import (roster)"),
            effective_on=min(filed_on, timezone.localdate()),
            actor=actor,
            check_permission=False,
        )
