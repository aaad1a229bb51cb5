"""The audit trail: who did what, when, from where, to which object, before and after.

``audit_record`` is called by the services (lifecycle, approvals, payments, imports,
exports, rate changes) and by signal handlers for logins. The request of the current
thread (set by ``AuditMiddleware``) supplies the IP address.

Entries are append-only (database privileges and triggers, safeguards/db_privileges.py) and
tamper-evident: each carries a hash chained to the entry before it (safeguards/integrity.py),
which ``verify_audit_log`` checks (``manage.py verify_audit``, nightly from beat, and in
the restore drill).
"""

from __future__ import annotations

import contextvars
import datetime
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import connection, transaction
from django.db.models import Model
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .integrity import (
    CHAIN_FIELDS,
    GENESIS,
    PRUNE_ACTION,
    ChainReport,
    chain_anchor,
    entry_hash,
    normalise_ip,
    verify_chain,
)
from .models import AuditEntry
from .ratelimit import client_ip

M = TypeVar("M", bound=Model)

# pg_advisory_xact_lock key of the chain: one writer at a time appends to it.
CHAIN_LOCK = 0x61756469745F6368  # "audit_ch"

logger = logging.getLogger(__name__)

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("request", default=None)


class AuditMiddleware:
    """Remembers the request for audit records; logs refused (403) staff requests."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            response: HttpResponse = self.get_response(request)
            if (
                response.status_code == 403
                and getattr(request, "user", None) is not None
                and request.user.is_authenticated
            ):
                audit_record("permission.denied", actor=request.user, detail=f"{request.method} {request.path}")
            return response
        finally:
            _current_request.reset(token)


def current_request() -> HttpRequest | None:
    """The request this thread is serving, if any (None in commands, tasks and the shell)."""
    return _current_request.get()


def _json(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return str(value)


def audit_record(
    action: str,
    *,
    actor: AbstractUser | None = None,
    obj: Any = None,
    before: Any = None,
    after: Any = None,
    detail: str = "",
    actor_name: str = "",
) -> AuditEntry:
    request = _current_request.get()
    if (
        actor is None
        and request is not None
        and getattr(request, "user", None) is not None
        and request.user.is_authenticated
    ):
        actor = request.user
    fields = {
        "action": action,
        "actor_id": actor.pk if actor else None,
        "actor_name": actor_name or (actor.get_username() if actor else ""),
        "ip": normalise_ip(client_ip(request) if request is not None else None),
        "object_type": obj._meta.label if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "",
        "object_repr": str(obj)[:200] if obj is not None else "",
        "before": _json(before),
        "after": _json(after),
        "detail": detail,
    }
    with transaction.atomic():
        _lock_chain()
        previous = AuditEntry.objects.order_by("-id").values_list("chain_hash", flat=True).first() or GENESIS
        fields["at"] = timezone.now()  # under the lock: times and ids rise together
        return AuditEntry.objects.create(**fields, chain_hash=entry_hash(previous, fields))


def _lock_chain() -> None:
    """Held until the surrounding transaction ends, so the entry before is always the
    committed last one (SQLite, the demo, has one writer at a time anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


def verify_audit_log() -> ChainReport:
    """Recompute the chain over every entry; the report names the first that does not verify."""
    latest_prune = AuditEntry.objects.filter(action=PRUNE_ACTION).order_by("-id").values_list("after", flat=True)
    rows = AuditEntry.objects.order_by("id").values_list(*CHAIN_FIELDS).iterator(chunk_size=2000)
    return verify_chain(rows, anchor=chain_anchor(latest_prune.first()))


def audit_verify() -> ChainReport:
    """Verify the chain and record the result in the log itself (``audit.verify``): the
    auditor sees every check, and the entry fixes the length of the log at that time."""
    report = verify_audit_log()
    if not report.intact:
        logger.error("audit chain broken at entry %s (%s)", report.first_break, report.reason)
    audit_record(
        "audit.verify",
        actor_name="verify_audit",
        after={"checked": report.checked, "intact": report.intact, "first_break": report.first_break},
        detail=report.reason,
    )
    return report


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest, user: AbstractUser, **kwargs: Any) -> None:
    audit_record("login.success", actor=user, detail="superuser" if user.is_superuser else "")


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest, user: AbstractUser | None, **kwargs: Any) -> None:
    audit_record("logout", actor=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    audit_record("login.failure", actor_name=str(credentials.get("username", ""))[:150])


def prune_audit(*, older_than_days: int) -> int:
    """Delete the oldest entries, up to the first one younger than ``older_than_days``
    (never fewer days than the legal minimum, which the database trigger enforces too).

    An ``audit.prune`` entry, written first, records the hash of the last entry removed:
    the first entry left was chained to it, so the chain still verifies from there."""
    days = max(older_than_days, settings.AUDIT_MIN_RETENTION_DAYS)
    cutoff = timezone.now() - datetime.timedelta(days=days)
    with transaction.atomic():
        _lock_chain()
        first_kept = AuditEntry.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
        doomed = AuditEntry.objects.filter(id__lt=first_kept) if first_kept else AuditEntry.objects.all()
        last = doomed.order_by("-id").values_list("id", "chain_hash").first()
        if last is None:
            return 0
        count = doomed.count()
        audit_record(
            PRUNE_ACTION,
            actor_name="prune_audit",
            after={"through_id": last[0], "resume_after": last[1], "deleted": count, "older_than_days": days},
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL registry.audit_prune = 'on'")
        deleted, _ = doomed.filter(id__lte=last[0]).delete()
    return deleted


def _as_is(values: dict[str, Any]) -> dict[str, Any]:
    return values


def audited_save(
    obj: M,
    *,
    action: str,
    actor: AbstractUser | None,
    values: Callable[[M], dict[str, Any]],
    shown: Callable[[dict[str, Any]], dict[str, Any]] = _as_is,
) -> M:
    """Save ``obj`` (a model instance, inside a transaction) and write one ``<action>.add``
    entry with every value of ``values(obj)``, or one ``<action>.change`` entry with the
    fields changed, before and after (none when nothing changed). The stored row is locked
    while it is compared and saved. ``shown`` turns values into what the log may hold (a
    personal number masked): the comparison is of the values themselves, so a changed ID
    number is named even when its masked form reads the same."""
    if obj.pk is None:
        obj.save()
        audit_record(f"{action}.add", actor=actor, obj=obj, after=shown(values(obj)))
        return obj
    before = values(type(obj)._default_manager.select_for_update().get(pk=obj.pk))
    after = values(obj)
    changed = [name for name, value in after.items() if before[name] != value]
    obj.save()
    if changed:
        audit_record(
            f"{action}.change",
            actor=actor,
            obj=obj,
            before=shown({name: before[name] for name in changed}),
            after=shown({name: after[name] for name in changed}),
        )
    return obj


def audited_delete(
    obj: M,
    *,
    action: str,
    actor: AbstractUser | None,
    values: Callable[[M], dict[str, Any]],
    shown: Callable[[dict[str, Any]], dict[str, Any]] = _as_is,
) -> None:
    """Delete ``obj`` (locked first, inside a transaction) and write one ``<action>.delete``
    entry with the values it had (through ``shown``, as ``audited_save``)."""
    locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    audit_record(f"{action}.delete", actor=actor, obj=locked, before=shown(values(locked)))
    locked.delete()
