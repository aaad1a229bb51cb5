"""Maker-checker for everything that is approved: grant runs, construction grants (and the
release of their instalments), operating awards and payment batches.

Whoever created, refreshed, edited, collected or submitted an object is one of its
``preparers``, kept on the object by the service that did it; no preparer approves it, and
no preparer of a grant releases its instalments. A monthly run is created or refreshed only
by a clerk whose jurisdiction contains its division: a district clerk sees the city-wide
run but may not recompute every district's lines.

The database holds what it can: a check constraint that the approver is not the creator
or first preparer, and in PostgreSQL triggers that refuse an approver (or releaser) among
the preparers, and a preparer added to what they approved (migration 0008). The role-level
rule — nobody holds both a preparing and an approving role — is registry/staff/separation.py's.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from registry.models import Division, User
from registry.scoping import user_can_see_division

from .models import Award, ConstructionGrant, GrantRun, PaymentBatch

Prepared = GrantRun | ConstructionGrant | PaymentBatch | Award


def add_preparer(obj: Prepared, user: User | None) -> None:
    """Record ``user`` among the preparers of ``obj`` (nothing for the scheduled tasks)."""
    if user is not None:
        obj.preparers.add(user)


def _first_preparer_id(obj: Prepared) -> int | None:
    return obj.created_by_id if isinstance(obj, GrantRun) else obj.prepared_by_id


def is_preparer(obj: Prepared, user: User) -> bool:
    """Whether ``user`` created, refreshed or edited ``obj``."""
    return _first_preparer_id(obj) == user.pk or obj.preparers.filter(pk=user.pk).exists()


def refuse_preparer(obj: Prepared, approver: User) -> None:
    """Refuse ``approver`` if they are among the preparers of ``obj``, saying what they did."""
    if not is_preparer(obj, approver):
        return
    if isinstance(obj, GrantRun):
        message = _("You created or refreshed this run: someone else must approve it.")
    elif isinstance(obj, ConstructionGrant):
        message = _("You prepared or edited this grant: someone else must approve it.")
    elif isinstance(obj, Award):
        message = _("You prepared this award: someone else must approve it.")
    else:
        message = _("You prepared, collected or submitted this batch: someone else must approve it.")
    raise PermissionDenied(message)


def grants_prepared_by(user: User, grant_ids: set[int]) -> set[int]:
    """The grants among ``grant_ids`` that ``user`` prepared or edited (one query)."""
    prepared = ConstructionGrant.objects.filter(Q(prepared_by=user) | Q(preparers=user), pk__in=grant_ids)
    return set(prepared.values_list("pk", flat=True).distinct())


def refuse_refresh(division: Division, user: User) -> None:
    """A run is created or refreshed only by a clerk (who may change runs) whose
    jurisdiction contains its division."""
    if not user.has_perm("subsidies.change_grantrun"):
        raise PermissionDenied(_("You do not have permission to create or refresh grant runs."))
    if not user_can_see_division(user, division):
        raise PermissionDenied(
            _(
                "%(division)s is outside your jurisdiction: only a clerk whose jurisdiction contains it"
                " may create or refresh this run."
            )
            % {"division": division}
        )
