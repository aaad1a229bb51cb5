"""One review flow for everything approved by maker-checker (grant runs, construction
grants, operating awards, payment batches): prepare → submit for review → approve, or
return to the preparer with a reason; a returned object is corrected (refreshed, edited,
collected again) and submitted again. A construction grant may also be rejected: a final
no, with a reason (docs/subsidies.md "Review").

Each step is a ``ReviewEvent`` row (the history the preparer reads on the object's page)
and an audit entry. The object's own status says whether it is approved; while it is a
draft, its latest review step says whether it waits for review or was returned. The
approval itself is the object's own service (``run_approve``, ``grant_approve``,
``award_approve``, ``batch_approve``), with its maker-checker and eligibility checks.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.holds import hold_reasons_now
from registry.models import User
from safeguards.audit import audit_record

from . import awards, instalments, payments, runs
from .maker_checker import Prepared, add_preparer, refuse_preparer
from .models import Award, ConstructionGrant, GrantLine, GrantRun, PaymentBatch
from .review_models import ReviewEvent
from .withholding import withheld_lines

Action = ReviewEvent.Action
PREPARING, SUBMITTED, RETURNED, APPROVED, REJECTED = "preparing", "submitted", "returned", "approved", "rejected"
STATE_LABELS = {
    PREPARING: gettext_lazy("Being prepared"),
    SUBMITTED: gettext_lazy("Waiting for review"),
    RETURNED: gettext_lazy("Returned to the preparer"),
    APPROVED: gettext_lazy("Approved"),
    REJECTED: gettext_lazy("Rejected"),
}
# Who may submit (a maker's permission) and who may approve, return or reject, per model.
SUBMIT_PERMISSION = {
    GrantRun: "subsidies.change_grantrun",
    ConstructionGrant: "subsidies.change_constructiongrant",
    Award: "subsidies.add_award",
    PaymentBatch: "subsidies.change_paymentbatch",
}
APPROVE_PERMISSION = {
    GrantRun: "subsidies.approve_grantrun",
    ConstructionGrant: "subsidies.approve_constructiongrant",
    Award: "subsidies.approve_award",
    PaymentBatch: "subsidies.approve_paymentbatch",
}


def _is_draft(obj: Prepared) -> bool:
    if isinstance(obj, PaymentBatch):
        return obj.state in {PaymentBatch.State.DRAFT, PaymentBatch.State.SUBMITTED}
    return obj.status == "draft"


def review_events(obj: Prepared) -> list[ReviewEvent]:
    """The review history of ``obj``, oldest first."""
    content_type = ContentType.objects.get_for_model(obj)
    return list(ReviewEvent.objects.filter(content_type=content_type, object_id=obj.pk).select_related("actor"))


def _last_event(obj: Prepared) -> ReviewEvent | None:
    content_type = ContentType.objects.get_for_model(obj)
    return ReviewEvent.objects.filter(content_type=content_type, object_id=obj.pk).order_by("-at", "-pk").first()


def with_last_review_step(objects: QuerySet[Any]) -> QuerySet[Any]:
    """``objects`` annotated with ``last_review_step`` (the action of each one's latest
    review step, or None), so a list shows every row's review state in one query."""
    steps = ReviewEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(objects.model), object_id=OuterRef("pk")
    ).order_by("-at", "-pk")
    return objects.annotate(last_review_step=Subquery(steps.values("action")[:1]))


def _last_action(obj: Prepared) -> str | None:
    """The latest review step's action: from the list's annotation when it has one."""
    if hasattr(obj, "last_review_step"):
        return obj.last_review_step
    last = _last_event(obj)
    return last.action if last is not None else None


def review_state(obj: Prepared) -> str:
    """Where ``obj`` stands: being prepared, waiting for review, returned, approved or
    rejected. A batch keeps its own ``submitted`` state; the others are drafts throughout
    review, their latest review step saying which."""
    if isinstance(obj, PaymentBatch):
        if obj.state == PaymentBatch.State.SUBMITTED:
            return SUBMITTED
        if obj.state != PaymentBatch.State.DRAFT:
            return APPROVED
    elif obj.status == "approved":
        return APPROVED
    elif obj.status in {"rejected", "cancelled"}:
        return REJECTED
    last = _last_action(obj)
    if isinstance(obj, PaymentBatch):
        return RETURNED if last == Action.RETURNED else PREPARING
    if last in {Action.SUBMITTED, Action.RETURNED}:
        return SUBMITTED if last == Action.SUBMITTED else RETURNED
    return PREPARING


def last_return_reason(obj: Prepared) -> str:
    """The reason of the latest return, while ``obj`` stands returned ("" otherwise)."""
    if review_state(obj) != RETURNED:
        return ""
    last = _last_event(obj)
    return last.reason if last is not None else ""


@dataclass(frozen=True)
class ReviewSummary:
    """What the reviewer confirms: the number of lines, the total, and of it what is
    payable and what is withheld by a hold."""

    lines: int
    total: Decimal
    payable: Decimal
    withheld: Decimal


def held_reasons(lines: Iterable[GrantLine]) -> dict[int, list[str]]:
    """Why each held line of a run waits: its own holds (e.g. not filed) and the holds in
    force today on its provider (a major hazard, a lapsed licence: DOMAIN §7, held lines
    are not approved into a batch). Absent: the line is not held. Two queries."""
    lines = list(lines)
    on_hold = hold_reasons_now({line.provider_id for line in lines})
    reasons = {line.pk: [hold["reason"] for hold in line.holds] + on_hold.get(line.provider_id, []) for line in lines}
    return {pk: found for pk, found in reasons.items() if found}


def review_summary(obj: Prepared) -> ReviewSummary:
    """Lines and money of ``obj`` as the confirmation page and the detail page show them."""
    zero = Decimal("0.00")
    if isinstance(obj, GrantRun):
        lines = list(obj.lines.only("pk", "provider_id", "amount", "holds"))
        held = held_reasons(lines)
        total = sum((line.amount for line in lines), zero)
        withheld = sum((line.amount for line in lines if line.pk in held), zero)
        return ReviewSummary(lines=len(lines), total=total, payable=total - withheld, withheld=withheld)
    if isinstance(obj, PaymentBatch):
        items = obj.items.aggregate(s=Sum("amount"))["s"] or zero
        waiting = withheld_lines().filter(payments.batch_scope(division=obj.division, payer_level=obj.payer_level))
        withheld = waiting.aggregate(s=Sum("amount"))["s"] or zero
        return ReviewSummary(lines=obj.items.count(), total=items + withheld, payable=items, withheld=withheld)
    if isinstance(obj, ConstructionGrant):
        ratios = obj.scheme.instalment_ratios or [1]
        return ReviewSummary(lines=len(ratios), total=obj.total, payable=obj.total, withheld=zero)
    return ReviewSummary(lines=1, total=obj.amount, payable=obj.amount, withheld=zero)


def _locked(obj: Prepared) -> Prepared:
    return type(obj).objects.select_for_update().get(pk=obj.pk)


def _record(obj: Prepared, action: str, user: User, reason: str = "") -> ReviewEvent:
    event = ReviewEvent.objects.create(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk, action=action, reason=reason, actor=user
    )
    audit_record(f"review.{action}", actor=user, obj=obj, after={"reason": reason} if reason else None)
    return event


def _require_reason(reason: object) -> str:
    text = str(reason or "").strip()
    if not text:
        raise ValidationError({"reason": _("Say why: the preparer reads the reason on the page.")})
    return text


def _refuse_checker(obj: Prepared, user: User) -> None:
    """Returning, approving and rejecting are a checker's acts: never a preparer's."""
    refuse_preparer(obj, user)
    if not user.has_perm(APPROVE_PERMISSION[type(obj)]):
        raise PermissionDenied(_("You do not have permission to review this."))


@transaction.atomic
def submit_for_review(*, obj: Prepared, user: User) -> Prepared:
    """The preparer hands ``obj`` (being prepared, or returned and corrected) to a
    reviewer; whoever submits becomes one of its preparers, so never its approver."""
    locked = _locked(obj)
    if not user.has_perm(SUBMIT_PERMISSION[type(locked)]):
        raise PermissionDenied(_("You do not have permission to submit this for review."))
    if review_state(locked) not in {PREPARING, RETURNED}:
        raise ValidationError(_("Only an item being prepared or returned can be submitted for review."))
    if isinstance(locked, PaymentBatch):
        locked = payments.batch_submit(batch=locked, user=user)
    else:
        add_preparer(locked, user)
    _record(locked, Action.SUBMITTED, user)
    return locked


@transaction.atomic
def approve(*, obj: Prepared, user: User, on: datetime.date | None = None) -> Prepared:
    """Approve a submitted ``obj`` through its own service (maker-checker, eligibility
    checked again); anything not waiting for review is refused. ``on``: a grant's
    approval day (the demo's past grants; default today)."""
    locked = _locked(obj)
    _refuse_checker(locked, user)
    if review_state(locked) != SUBMITTED:
        raise ValidationError(_("Only an item submitted for review can be approved."))
    approved: Prepared
    if isinstance(locked, GrantRun):
        approved = runs.run_approve(run=locked, approver=user)
    elif isinstance(locked, ConstructionGrant):
        approved = instalments.grant_approve(grant=locked, approver=user, on=on)
    elif isinstance(locked, Award):
        approved = awards.award_approve(award=locked, approver=user)
    else:
        approved = payments.batch_approve(batch=locked, approver=user)
    _record(approved, Action.APPROVED, user)
    return approved


@transaction.atomic
def return_to_preparer(*, obj: Prepared, user: User, reason: str) -> Prepared:
    """Send a submitted ``obj`` back to its preparer with ``reason`` (required): it can
    then be corrected and submitted again. A returned batch is a draft again."""
    text = _require_reason(reason)
    locked = _locked(obj)
    _refuse_checker(locked, user)
    if review_state(locked) != SUBMITTED:
        raise ValidationError(_("Only an item submitted for review can be returned."))
    if isinstance(locked, PaymentBatch):
        locked.state = PaymentBatch.State.DRAFT
        locked.submitted_at = None
        locked.save(update_fields=["state", "submitted_at"])
    _record(locked, Action.RETURNED, user, text)
    return locked


@transaction.atomic
def reject_grant(*, grant: ConstructionGrant, user: User, reason: str) -> ConstructionGrant:
    """Refuse a submitted construction grant for good (the application does not qualify,
    or is withdrawn by the bureau): status "rejected", with ``reason``. Unlike a return,
    it cannot be resubmitted; the provider may apply again in a new application."""
    text = _require_reason(reason)
    locked = ConstructionGrant.objects.select_for_update().get(pk=grant.pk)
    _refuse_checker(locked, user)
    if review_state(locked) != SUBMITTED:
        raise ValidationError(_("Only an item submitted for review can be rejected."))
    locked.status = ConstructionGrant.Status.REJECTED
    locked.save(update_fields=["status"])
    _record(locked, Action.REJECTED, user, text)
    return locked
