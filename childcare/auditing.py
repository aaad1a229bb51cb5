"""How the childcare app's write services record what they changed in the audit log:
every value of a new record, or the fields a change changed (before and after), with ID
and phone numbers masked — the audit log is read by the audit admin, who may not see
personal data — and the keyed hashes left out."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from registry.models import User
from safeguards.audit import audited_delete, audited_save
from safeguards.fields import KeyedHashField
from safeguards.identifiers import mask_id_number, mask_phone

MASKS = {"id_number": mask_id_number, "phone": mask_phone}


def stored_values(obj: Model) -> dict[str, Any]:
    """The record's values by field name (a relation by its id), hashes left out."""
    return {
        field.name: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if not field.primary_key and not isinstance(field, KeyedHashField)
    }


def shown(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` as the audit log may hold them: personal numbers masked."""
    return {name: MASKS[name](str(value or "")) if name in MASKS else value for name, value in values.items()}


def save_audited(obj: Model, *, action: str, actor: User | None) -> None:
    """Save ``obj`` (inside the caller's transaction) and write ``<action>.add`` with every
    value, or ``<action>.change`` with the fields changed, personal numbers masked
    (``safeguards.audit.audited_save``)."""
    audited_save(obj, action=action, actor=actor, values=stored_values, shown=shown)


def delete_audited(obj: Model, *, action: str, actor: User | None) -> None:
    """Delete ``obj`` (locked first) and write ``<action>.delete`` with the values it had."""
    audited_delete(obj, action=action, actor=actor, values=stored_values, shown=shown)
