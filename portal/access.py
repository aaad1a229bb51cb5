"""Who may act for which provider in the portal: the one scoping rule of the portal.

A provider user sees only the providers of their live ``ProviderAccess`` rows; every
portal view resolves the provider through ``provider_of`` (404 otherwise, as the back
office does for an object out of scope), and every object under a provider is looked up
through that provider.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from registry.models import Provider, User
from safeguards.audit import audit_record

from .models import ProviderAccess


def providers_of(user: Any) -> QuerySet[Provider]:
    """The providers ``user`` may act for (none for staff, anonymous or inactive users)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.is_staff:
        return Provider.objects.none()
    return Provider.objects.filter(portal_access__user=user, portal_access__revoked_at__isnull=True).order_by("name")


def is_provider_user(user: Any) -> bool:
    return providers_of(user).exists()


def provider_of(user: Any, provider_id: int | str) -> Provider:
    """The provider ``provider_id`` if ``user`` may act for it; 404 otherwise."""
    try:
        return providers_of(user).get(pk=int(provider_id))
    except (Provider.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@transaction.atomic
def access_grant(*, user: User, provider: Provider, actor: User | None) -> ProviderAccess:
    """Let ``user`` act for ``provider`` (idempotent); audited."""
    access, created = ProviderAccess.objects.get_or_create(
        user=user, provider=provider, revoked_at=None, defaults={"granted_by": actor}
    )
    if created:
        audit_record("portal.access_grant", actor=actor, obj=provider, detail=user.username)
    return access


@transaction.atomic
def access_revoke(*, access: ProviderAccess, actor: User) -> None:
    locked = ProviderAccess.objects.select_for_update().get(pk=access.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record("portal.access_revoke", actor=actor, obj=locked.provider, detail=locked.user.username)
