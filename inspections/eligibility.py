"""Which inspectors may inspect which provider under which regime: the draw's teams
(``random_draw``), the tasks planning assigns (``planning``), the assignees offered on a
task and the inspectors of a record (``records``) all ask this module.

An inspector may inspect a provider under a regime when

- their department supervises the provider's kind (``registry.scoping.DEPARTMENT_KINDS``):
  a health-commission inspector is never sent to an elderly home, a civil-affairs one
  never to a childcare provider; and
- their department leads or joins the regime (``Regime.lead_department``,
  ``joint_departments``): health supervision is the health commission's (000:331-335,
  000:136-140), the fire inspection of childcare venues emergency management's (000:337-339).

The bureau's own inspectors (no department) inspect every kind under every regime, as
every inspector did before departments. A draw without a regime checks the kind only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from registry.models import Provider, User
from registry.scoping import DEPARTMENT_KINDS, department_sees_kind

from .models import Regime


def regime_departments(regime: Regime | None) -> list[str] | None:
    """The departments that inspect under ``regime`` (its lead, then its joint ones); None
    for no regime (any department)."""
    if regime is None:
        return None
    return [regime.lead_department, *(regime.joint_departments or [])]


def department_may_inspect(department: str, kind: str, departments: Collection[str] | None) -> bool:
    """The rule on plain values (the draw computes it from its published inputs)."""
    if not department_sees_kind(department, kind):
        return False
    return not department or departments is None or department in departments


def inspector_may_inspect(user: User, provider: Provider, regime: Regime | None) -> bool:
    return department_may_inspect(user.department, provider.kind, regime_departments(regime))


def inspectors_eligible_for(users: QuerySet[User], provider: Provider, regime: Regime | None) -> QuerySet[User]:
    """``users`` narrowed to those who may inspect ``provider`` under ``regime``."""
    departments = regime_departments(regime)
    allowed = [d for d in DEPARTMENT_KINDS if department_may_inspect(d, provider.kind, departments)]
    return users.filter(department__in=allowed)


def ineligible_inspectors_error(provider: Provider, regime: Regime, inspectors: Iterable[User]) -> str | None:
    """What is wrong with the inspectors of a record, or None: those whose department does
    not inspect this provider under this regime."""
    refused = sorted(
        user.get_full_name() or user.get_username()
        for user in inspectors
        if not inspector_may_inspect(user, provider, regime)
    )
    if not refused:
        return None
    return _("%(inspectors)s: their department does not inspect this provider under this regime.") % {
        "inspectors": ", ".join(refused)
    }
