"""The hierarchy of divisions is reference data: who may change it, and how (issue 23).

A division's place (code, level, parent) decides who sees its providers: every list,
payment batch and reminder collects "this division and everything under it" by path.
Moving a unit silently therefore moves its providers out of their supervisors' sight.

- Clerks (``registry.change_division``) may rename the local units in their jurisdiction
  and add new ones under a parent there; they never change a unit's place.
- The system admin (``registry.move_division``) may change a local unit's code, level or
  parent, but a move that takes it out from under the jurisdiction of any active staff
  member needs an explicit confirmation naming them (``lost_sight``).
- Only the region itself has no parent; GB/T 2260 units stay as the reference data has
  them. Every change is audited with before and after.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from safeguards.audit import audit_record

from .models import Division, User

PLACE_FIELDS = ("code", "level", "parent_id")


def ancestor_paths(path: str) -> set[str]:
    """The paths of the divisions above the one at ``path`` ("150000/150200/150271/" gives
    "150000/" and "150000/150200/")."""
    codes = [code for code in path.split("/") if code]
    return {"/".join(codes[:i]) + "/" for i in range(1, len(codes))}


def lost_sight(division: Division, new_parent: Division | None) -> list[User]:
    """Active staff whose jurisdiction contains ``division`` now but would not under
    ``new_parent`` (their lists, batches and reminders would lose its providers)."""
    old = ancestor_paths(division.path)
    new = {*ancestor_paths(new_parent.path), new_parent.path} if new_parent is not None else set()
    lost = old - new
    if not lost:
        return []
    return list(User.objects.filter(is_active=True, jurisdiction__path__in=lost).order_by("username"))


def check_division_change(
    *, actor: User, division: Division, before: dict[str, Any], confirmed_lost: bool = False
) -> list[User]:
    """Refuse what ``actor`` may not change; returns the staff who would lose sight of it."""
    if division.parent_id is None and not (division.is_standard and division.level == Division.Level.REGION):
        raise ValidationError({"parent": _("Every unit but the region sits under a parent division.")})
    creating = not before
    moved = not creating and any(before[name] != getattr(division, name) for name in PLACE_FIELDS)
    if moved and not actor.has_perm("registry.move_division"):
        raise PermissionDenied(_("Only the system administrator may change a division's code, level or parent."))
    losing = lost_sight(_as_before(division, before), division.parent) if moved else []
    if losing and not confirmed_lost:
        names = "、".join(user.get_username() for user in losing)
        raise ValidationError(
            {
                "parent": _(
                    "Moving it takes it out of the jurisdiction of %(users)s: they would no longer see its "
                    "providers. Move them first, or confirm the move."
                )
                % {"users": names}
            }
        )
    return losing


# What a division's audit entry records (its names in every language among them).
AUDITED_FIELDS = ("code", "name", "name_mn", "name_en", "level", "kind", "parent_id", "path")


def division_save(*, actor: User, division: Division, before: dict[str, Any], confirmed_lost: bool = False) -> None:
    """Save an added or changed division after ``check_division_change``, audited."""
    losing = check_division_change(actor=actor, division=division, before=before, confirmed_lost=confirmed_lost)
    with transaction.atomic():
        division.save()
        after = {name: getattr(division, name) for name in AUDITED_FIELDS}
        audit_record(
            "division.create" if not before else "division.change",
            actor=actor,
            obj=division,
            before=before or None,
            after={**after, "lost_sight": [user.get_username() for user in losing]} if losing else after,
        )


def division_state(division: Division) -> dict[str, Any]:
    """What ``division_save`` compares and records (empty for a new division)."""
    if division.pk is None:
        return {}
    stored = Division.objects.get(pk=division.pk)
    return {name: getattr(stored, name) for name in AUDITED_FIELDS}


def _as_before(division: Division, before: dict[str, Any]) -> Division:
    return Division(pk=division.pk, code=before["code"], path=before["path"], level=before["level"])
