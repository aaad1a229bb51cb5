"""Provider lifecycle: file → certify → suspend → reinstate → close / revoke.

Every transition needs a reason, an effective date and an actor; it is written as a
``ProviderStatusChange`` and as a history row of the provider, in one transaction.
A transition that takes the provider out of the directory (suspend, close, revoke) also
has a reason category, which its public page shows (issue 19); the free-text reason
stays in the back office.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguards.audit import audit_record

from .models import Provider, ProviderStatus, ProviderStatusChange, StatusReason, User
from .scoping import user_can_see_provider

Action = ProviderStatusChange.Action
S = ProviderStatus


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: back to the status before the suspension
    permission: str


TRANSITIONS: dict[str, Transition] = {
    Action.FILE: Transition(frozenset({S.DRAFT}), S.FILED, "registry.file_provider"),
    Action.CERTIFY: Transition(frozenset({S.FILED}), S.CERTIFIED, "registry.certify_provider"),
    Action.SUSPEND: Transition(frozenset({S.FILED, S.CERTIFIED}), S.SUSPENDED, "registry.suspend_provider"),
    Action.REINSTATE: Transition(frozenset({S.SUSPENDED}), None, "registry.reinstate_provider"),
    Action.CLOSE: Transition(frozenset({S.FILED, S.CERTIFIED, S.SUSPENDED}), S.CLOSED, "registry.close_provider"),
    Action.REVOKE: Transition(frozenset({S.FILED, S.CERTIFIED, S.SUSPENDED}), S.REVOKED, "registry.revoke_provider"),
}


# The actions after which the provider is no longer listed: their reason category is public.
REMOVALS = frozenset({Action.SUSPEND, Action.CLOSE, Action.REVOKE})


def allowed_actions(provider: Provider) -> list[str]:
    """The actions that the provider's current status allows, in lifecycle order."""
    return [action for action, t in TRANSITIONS.items() if provider.status in t.sources]


def user_may_transition(user: User, provider: Provider, action: str) -> tuple[bool, str]:
    """Whether ``user`` may apply ``action`` to ``provider``, and if not, why."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        return False, _("Unknown action.")
    if not user_can_see_provider(user, provider):
        return False, _("This provider is outside your jurisdiction.")
    if not user.has_perm(transition.permission):
        return False, _("You do not have permission to %(action)s providers.") % {
            "action": Action(action).label.lower()
        }
    return True, ""


def _status_before_suspension(provider: Provider) -> str:
    last = provider.status_changes.filter(action=Action.SUSPEND).order_by("-recorded_at", "-id").first()
    return last.from_status if last else S.CERTIFIED


def provider_transition(
    *,
    provider: Provider,
    action: str,
    reason: str,
    effective_on: datetime.date,
    actor: User,
    reason_category: str = "",
    check_permission: bool = True,
) -> ProviderStatusChange:
    """Apply a lifecycle action; refuse illegal transitions with a clear message.

    A removal without a reason category (a command, an older caller) is recorded as
    "other": the public page then says only that the provider is suspended, closed or
    revoked, and when. The clerk's form asks for it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for this change.")})
    if reason_category and reason_category not in StatusReason.values:
        raise ValidationError({"reason_category": _("Choose a reason category from the list.")})
    reason_category = (reason_category or StatusReason.OTHER) if action in REMOVALS else ""
    if effective_on > timezone.localdate():
        raise ValidationError({"effective_on": _("The effective date cannot be in the future.")})
    if check_permission:
        allowed, why = user_may_transition(actor, provider, action)
        if not allowed:
            raise PermissionDenied(why)
    transition = TRANSITIONS[action]

    with transaction.atomic():
        locked = Provider.objects.select_for_update().get(pk=provider.pk)
        if locked.status not in transition.sources:
            raise ValidationError(
                _("Cannot %(action)s a provider whose status is “%(status)s”.")
                % {"action": Action(action).label.lower(), "status": S(locked.status).label}
            )
        last = locked.status_changes.order_by("-effective_on").first()
        if last and effective_on < last.effective_on:
            raise ValidationError(
                {
                    "effective_on": _("The effective date cannot be before the previous change (%(date)s).")
                    % {"date": last.effective_on.isoformat()}
                }
            )
        target = transition.target or _status_before_suspension(locked)
        change = ProviderStatusChange.objects.create(
            provider=locked,
            action=action,
            from_status=locked.status,
            to_status=target,
            reason=reason,
            reason_category=reason_category,
            effective_on=effective_on,
            actor=actor,
        )
        locked.status = target
        locked.status_changed_on = effective_on
        if action == Action.FILE:
            locked.filed_on = effective_on
        elif action == Action.CERTIFY:
            locked.certified_on = effective_on
        locked._change_reason = f"{Action(action).label}: {reason}"
        locked._history_user = actor
        locked.save()
        audit_record(
            f"provider.{action}",
            actor=actor,
            obj=locked,
            before={"status": change.from_status},
            after={
                "status": change.to_status,
                "effective_on": effective_on.isoformat(),
                **({"reason_category": reason_category} if reason_category else {}),
            },
            detail=reason,
        )
    provider.refresh_from_db()
    return change
