"""The names of audited actions as a reader of the audit log says them.

The code (``inspection.record``) stays in the entry, the export and the API; screens show
``action_label(code)``. An action without a name here is shown by its code.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, Model
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Promise] = {
    "login.success": _("Signed in"),
    "login.failure": _("Failed sign-in"),
    "logout": _("Signed out"),
    "otp.verify": _("Second factor verified"),
    "otp.failure": _("Second factor refused"),
    "otp.enrol": _("Second factor enrolled"),
    "permission.denied": _("Access refused"),
    "personal_data.reveal": _("ID or phone number revealed"),
    "audit.export": _("Audit log exported"),
    "roster.import": _("Roster imported"),
    "inspection.plan": _("Inspections planned"),
    "inspection.record": _("Inspection recorded"),
    "inspection.change": _("Inspection changed"),
    "draw.freeze": _("Draw made and published"),
    "finding.rectify": _("Rectification reported"),
    "finding.verify": _("Rectification verified"),
    "finding.escalate": _("Overdue rectification escalated"),
    "run.approve": _("Grant run approved"),
    "grant.approve": _("Construction grant approved"),
    "batch.approve": _("Payment batch approved"),
}


def action_label(action: str) -> str:
    """The readable name of an audited action (its code when it has none)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


# Keys of before/after that are not a field of the entry's object (statistics, summaries).
KEY_LABELS: dict[str, Promise] = {
    "kind": _("kind"),
    "new": _("new rows"),
    "changed": _("changed rows"),
    "unchanged": _("unchanged rows"),
    "findings": _("findings"),
    "selected": _("providers drawn"),
    "tasks_assigned": _("tasks assigned"),
    "random_value": _("public random value"),
    "effective_on": _("effective on"),
}


def object_type_label(object_type: str) -> str:
    """``registry.Resident`` as its model's name (居民), or as stored when unknown."""
    model = _model(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def _model(object_type: str) -> type[Model] | None:
    if not object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def readable_value(value: Any, field: Field[Any, Any] | None = None) -> str:
    """A stored value as a reader says it: a choice by its label, yes/no, lists joined,
    nested statistics as "name: value"; nothing at all as an em dash."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list | tuple):
        return ", ".join(readable_value(item, field) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key_label(str(k))}: {readable_value(v)}" for k, v in value.items())
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def key_label(key: str, model: type[Model] | None = None) -> str:
    field = _field(model, key)
    if field is not None:
        return str(field.verbose_name)
    label = KEY_LABELS.get(key)
    return str(label) if label is not None else key


def entry_changes(*, object_type: str, before: Any, after: Any) -> list[tuple[str, str, str]]:
    """An audit entry's before/after as rows (field label, old, new): the object's field
    names and choice labels where the key is one of its fields. A before or after that is
    not a mapping is one row under no name."""
    model = _model(object_type)
    if before is None and after is None:
        return []
    if not isinstance(before, dict | None) or not isinstance(after, dict | None):
        return [("", readable_value(before), readable_value(after))]
    before, after = before or {}, after or {}
    rows = []
    for key in dict.fromkeys([*before, *after]):
        field = _field(model, key)
        rows.append(
            (key_label(key, model), readable_value(before.get(key), field), readable_value(after.get(key), field))
        )
    return rows


def _field(model: type[Model] | None, key: str) -> Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, Field) else None
