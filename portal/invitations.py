"""Inviting a provider's staff to the portal (issue 18): a district clerk invites a person
by email or mobile phone from the provider's page; the link works once and expires after
``PORTAL_INVITATION_TTL``. Only the SHA-256 of the token is stored, so a database dump
holds no usable link. Opening an account from it makes a provider user (never staff),
with the same password rules as staff, and gives them access to that provider; a person
who already has an account signs in and the invitation adds the provider (a chain)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Provider, User
from registry.scoping import user_can_see_provider
from safeguards.audit import audit_record
from safeguards.identifiers import mask_phone, normalise_phone

from .access import access_grant
from .models import Invitation


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Invited:
    invitation: Invitation
    link: str  # shown once to the clerk, sent by email; never stored


def invitation_link(token: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("portal:invitation", args=[token])


@transaction.atomic
def invite(*, provider: Provider, name: str, email: str = "", phone: str = "", actor: User) -> Invited:
    """Create an invitation and email the link when there is an address; audited."""
    if not user_can_see_provider(actor, provider):
        raise ValidationError(_("You may not invite people to this provider."))
    phone = normalise_phone(phone) if phone else ""
    if not email and not phone:
        raise ValidationError(_("Give an email address or a mobile phone number."))
    if not name.strip():
        raise ValidationError({"name": _("Give the invitee's name.")})
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        provider=provider, name=name.strip(), email=email, phone=phone, token_hash=token_hash(token), invited_by=actor
    )
    link = invitation_link(token)
    audit_record(
        "portal.invite",
        actor=actor,
        obj=provider,
        detail=f"{invitation.name} {email or mask_phone(phone)}",
    )
    if email:
        subject = _("Invitation to the provider portal of %(provider)s") % {"provider": provider.name}
        body = _(
            "%(name)s, you are invited to send %(provider)s's reports to the bureau through the provider portal. "
            "Open this link within %(days)d days to choose your password (it works once):\n\n%(link)s"
        ) % {
            "name": invitation.name,
            "provider": provider.name,
            "days": settings.PORTAL_INVITATION_TTL.days,
            "link": link,
        }
        transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    return Invited(invitation=invitation, link=link)


def open_invitation(token: str) -> Invitation | None:
    """The invitation of ``token`` if it can still be used."""
    invitation = Invitation.objects.select_related("provider").filter(token_hash=token_hash(token)).first()
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= timezone.now():
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> None:
    """Use the invitation for ``user`` (a new account or one signed in): single use."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.used_at is not None or locked.expires_at <= timezone.now():
        raise ValidationError(_("This invitation has already been used or has expired."))
    if user.is_staff:
        raise ValidationError(_("Staff accounts cannot act for a provider."))
    locked.used_at, locked.used_by = timezone.now(), user
    locked.save(update_fields=["used_at", "used_by"])
    access_grant(user=user, provider=locked.provider, actor=locked.invited_by)
    audit_record("portal.invitation_accept", actor=user, obj=locked.provider, detail=user.username)
