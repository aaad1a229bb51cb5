"""The audit trail: who did what, when, from where, to which object, before and after.

``audit_record`` is called by the services (lifecycle, approvals, payments, imports,
exports, rate changes) and by signal handlers for logins. The request of the current
thread (set by ``AuditMiddleware``) supplies the IP address.
"""

from __future__ import annotations

import contextvars
import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import connection, transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import AuditEntry, User
from .ratelimit import client_ip

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
                audit_record("permission.denied", actor=request.user, detail=f"{request.method} {request.path}")  # type: ignore[arg-type]
            return response
        finally:
            _current_request.reset(token)


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
    actor: User | None = None,
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
        actor = request.user  # type: ignore[assignment]
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        actor_name=actor_name or (actor.get_username() if actor else ""),
        ip=client_ip(request) or None if request is not None else None,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=_json(before),
        after=_json(after),
        detail=detail,
    )


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit_record("login.success", actor=user, detail="superuser" if user.is_superuser else "")


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    audit_record("logout", actor=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    audit_record("login.failure", actor_name=str(credentials.get("username", ""))[:150])


def prune_audit(*, older_than_days: int) -> int:
    """Delete entries older than ``older_than_days`` (never fewer than the legal minimum)."""
    days = max(older_than_days, settings.AUDIT_MIN_RETENTION_DAYS)
    cutoff = timezone.now() - datetime.timedelta(days=days)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL registry.audit_prune = 'on'")
        deleted, _ = AuditEntry.objects.filter(at__lt=cutoff).delete()
    return deleted
