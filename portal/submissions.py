"""Submissions: everything a provider sends through the portal (issue 18).

A submission is one record with a status: draft → submitted → accepted, or returned with
a reason (then the provider corrects it and submits it again). What a kind of submission
holds, which providers may send it and what accepting it does are a ``SubmissionKind``,
registered by the module of that kind (``kinds.py`` and the modules it imports). The
services here are the only writers of a submission's status; each locks the row, checks,
and writes one audit entry:

- ``submission_save`` (the provider user: a new draft, or the draft/returned one edited),
- ``submission_submit`` (the provider user),
- ``submission_accept`` (a clerk who may review it: applies it through the back-office
  service of its kind, in the same transaction, so an accepted submission always did
  what it says),
- ``submission_return`` (a clerk, with a reason).

The form is validated again when the clerk accepts, against the data as it stands then.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from registry.models import Provider, User
from registry.scoping import user_can_see_provider
from safeguards.audit import audit_record

from .access import providers_of
from .models import Submission, Upload

S = Submission.Status


class SubmissionForm(forms.Form):
    """The form of a kind: it knows the provider it is for (choices, checks against its data)."""

    def __init__(self, *args: Any, provider: Provider, **kwargs: Any) -> None:
        self.provider = provider
        super().__init__(*args, **kwargs)


@dataclass(frozen=True)
class SubmissionKind:
    """One kind of thing a provider sends.

    ``form``: what the provider fills in (its cleaned data is stored as JSON);
    ``apply(submission, form, actor)``: what accepting does, through the back-office's
    services, returning a sentence that says what it did; ``applies_to(provider)``: which
    providers may send it; ``upload_types``: the file types it takes (none: no files);
    ``accepted_on_submit``: the provider's own logs (a shift handover) need no review and
    are recorded when submitted, the clerk may still return one.
    """

    code: str
    label: str | Promise
    form: type[SubmissionForm]
    apply: Callable[[Submission, SubmissionForm, User], str]
    applies_to: Callable[[Provider], bool] = lambda provider: True
    upload_types: frozenset[str] = field(default_factory=frozenset)
    accepted_on_submit: bool = False
    help_text: str | Promise = ""
    order: int = 100


KINDS: dict[str, SubmissionKind] = {}


def register_kind(kind: SubmissionKind) -> None:
    KINDS[kind.code] = kind


def kinds_for(provider: Provider) -> list[SubmissionKind]:
    return sorted((k for k in KINDS.values() if k.applies_to(provider)), key=lambda k: (k.order, k.code))


def kind_of(submission: Submission) -> SubmissionKind:
    return KINDS[submission.kind]


def json_data(cleaned: dict[str, Any]) -> dict[str, Any]:
    """A form's cleaned data as JSON: dates as ISO strings, amounts as strings, files left out."""

    def convert(value: Any) -> Any:
        if isinstance(value, datetime.datetime | datetime.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, list | tuple):
            return [convert(v) for v in value]
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if hasattr(value, "pk"):
            return value.pk
        return value

    return {k: convert(v) for k, v in cleaned.items() if not hasattr(v, "read")}


def bound_form(submission: Submission) -> SubmissionForm:
    """The kind's form bound to the stored data, to be validated again."""
    return kind_of(submission).form(data=submission.data, provider=submission.provider)


def _may_send(user: User, provider: Provider) -> None:
    if not providers_of(user).filter(pk=provider.pk).exists():
        raise PermissionDenied


@transaction.atomic
def submission_save(
    *,
    provider: Provider,
    kind: str,
    data: dict[str, Any],
    user: User,
    uploads: list[Upload] | None = None,
    submission: Submission | None = None,
) -> Submission:
    """A new draft, or the changes to a draft or returned submission; audited."""
    _may_send(user, provider)
    if kind not in KINDS or not KINDS[kind].applies_to(provider):
        raise ValidationError(_("%(provider)s cannot send this.") % {"provider": provider.name})
    if submission is None:
        submission = Submission(provider=provider, kind=kind, created_by=user)
    else:
        submission = Submission.objects.select_for_update().get(pk=submission.pk, provider=provider)
        if submission.status not in {S.DRAFT, S.RETURNED}:
            raise ValidationError(_("Only a draft or a returned submission can be changed."))
    submission.data = data
    submission.save()
    for upload in uploads or []:
        if upload.provider_id != provider.pk:
            raise PermissionDenied
        submission.uploads.add(upload)
        Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.ATTACHED)
    audit_record("portal.submission_save", actor=user, obj=submission, detail=kind)
    return submission


@transaction.atomic
def submission_submit(*, submission: Submission, user: User) -> Submission:
    """Send a draft (or a corrected returned one) for review; a log that needs no review
    is recorded at once (``accepted_on_submit``)."""
    locked = Submission.objects.select_for_update().select_related("provider").get(pk=submission.pk)
    _may_send(user, locked.provider)
    if locked.status not in {S.DRAFT, S.RETURNED}:
        raise ValidationError(_("This submission was already sent."))
    form = bound_form(locked)
    if not form.is_valid():
        raise ValidationError(form.errors.as_text())
    locked.status, locked.submitted_at, locked.return_reason = S.SUBMITTED, timezone.now(), ""
    locked.save(update_fields=["status", "submitted_at", "return_reason"])
    audit_record("portal.submission_submit", actor=user, obj=locked, detail=locked.kind)
    if kind_of(locked).accepted_on_submit:
        _accept(locked, form, user)
    return locked


def may_review(user: User, submission: Submission) -> bool:
    return (
        user.is_staff and user.has_perm("portal.review_submission") and user_can_see_provider(user, submission.provider)
    )


def _accept(locked: Submission, form: SubmissionForm, actor: User) -> None:
    locked.result = kind_of(locked).apply(locked, form, actor)
    locked.status, locked.reviewed_by, locked.reviewed_at = S.ACCEPTED, actor, timezone.now()
    locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "result"])
    audit_record("portal.submission_accept", actor=actor, obj=locked, detail=locked.result[:200])


@transaction.atomic
def submission_accept(*, submission: Submission, actor: User) -> Submission:
    """Apply a submitted submission through its kind's back-office service; audited. The
    data is validated again first: what was true when sent may no longer be."""
    locked = Submission.objects.select_for_update().select_related("provider").get(pk=submission.pk)
    if not may_review(actor, locked):
        raise PermissionDenied
    if locked.status != S.SUBMITTED:
        raise ValidationError(_("Only a submitted submission can be accepted."))
    form = bound_form(locked)
    if not form.is_valid():
        raise ValidationError(form.errors.as_text())
    _accept(locked, form, actor)
    return locked


@transaction.atomic
def submission_return(*, submission: Submission, actor: User, reason: str) -> Submission:
    """Send it back to the provider with the reason (required); audited. An accepted log
    may be returned too: what it recorded stays, with the return on record."""
    locked = Submission.objects.select_for_update().select_related("provider").get(pk=submission.pk)
    if not may_review(actor, locked):
        raise PermissionDenied
    if locked.status != S.SUBMITTED and not (locked.status == S.ACCEPTED and kind_of(locked).accepted_on_submit):
        raise ValidationError(_("Only a submitted submission can be returned."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say what the provider must correct.")})
    locked.status, locked.return_reason = S.RETURNED, reason.strip()
    locked.reviewed_by, locked.reviewed_at = actor, timezone.now()
    locked.save(update_fields=["status", "return_reason", "reviewed_by", "reviewed_at"])
    audit_record("portal.submission_return", actor=actor, obj=locked, detail=reason[:200])
    return locked
