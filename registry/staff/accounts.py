"""Account administration with two people where it grants power (issue 22).

- ``request_role``: the system admin asks for a role (and a jurisdiction) on an account;
- ``confirm_role_grant`` / ``refuse_role_grant``: the security admin decides; only a
  confirmation changes the account;
- ``withdraw_role``: taking a role away needs one person (it grants nothing);
- ``reset_password``: the password becomes unusable, the account's authenticator apps are
  removed, and its owner gets a one-time link to set their own password;
- ``grant_role_at_the_server``: the ``grant_role`` command, for the first admins.

Every step is in the audit log. The rules themselves are in ``registry.staff.separation``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp import devices_for_user

from safeguards.audit import audit_record
from safeguards.backup_codes import remove_backup_codes
from safeguards.passwords import password_history_record

from ..models import Division, RoleGrant, User
from . import separation


def request_role(
    *, actor: User, user: User, group: Group, reason: str, jurisdiction: Division | None = None
) -> RoleGrant:
    """A pending grant; the account does not change until it is confirmed."""
    separation.check_may_request_role(actor=actor, user=user, group=group)
    grant = RoleGrant.objects.create(
        user=user, group=group, jurisdiction=jurisdiction, reason=reason, requested_by=actor
    )
    audit_record(
        "role.request",
        actor=actor,
        obj=user,
        after={"role": group.name, "jurisdiction": str(jurisdiction or user.jurisdiction or "")},
        detail=reason,
    )
    return grant


def confirm_role_grant(*, actor: User, grant: RoleGrant, note: str = "") -> RoleGrant:
    """The second person's yes: the role (and jurisdiction) take effect now."""
    with transaction.atomic():
        grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.status != RoleGrant.Status.PENDING:
            return grant  # decided already (a double click): nothing happens twice
        separation.check_may_decide_role_grant(actor=actor, grant=grant)
        user = User.objects.select_for_update().get(pk=grant.user_id)
        before = {
            "roles": sorted(user.groups.values_list("name", flat=True)),
            "jurisdiction": str(user.jurisdiction or ""),
        }
        if grant.jurisdiction_id and grant.jurisdiction_id != user.jurisdiction_id:
            user.jurisdiction_id = grant.jurisdiction_id
            user.save(update_fields=["jurisdiction"])
        user.groups.add(grant.group)  # the combination rule is checked again here
        grant.status = RoleGrant.Status.CONFIRMED
        grant.decided_by = actor
        grant.decided_at = timezone.now()
        grant.decision_note = note
        grant.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        user.refresh_from_db(fields=["jurisdiction"])
        after = {
            "roles": sorted(user.groups.values_list("name", flat=True)),
            "jurisdiction": str(user.jurisdiction or ""),
        }
        audit_record("role.confirm", actor=actor, obj=user, before=before, after=after, detail=note)
    return grant


def refuse_role_grant(*, actor: User, grant: RoleGrant, note: str) -> RoleGrant:
    with transaction.atomic():
        grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.status != RoleGrant.Status.PENDING:
            return grant
        separation.check_may_decide_role_grant(actor=actor, grant=grant)
        grant.status = RoleGrant.Status.REFUSED
        grant.decided_by = actor
        grant.decided_at = timezone.now()
        grant.decision_note = note
        grant.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit_record("role.refuse", actor=actor, obj=grant.user, after={"role": grant.group.name}, detail=note)
    return grant


def withdraw_role(*, actor: User, user: User, group: Group) -> None:
    """Take a role away at once (it grants nothing, so one person suffices)."""
    if not actor.has_perm("registry.change_user"):
        raise PermissionDenied
    user.groups.remove(group)
    audit_record("role.withdraw", actor=actor, obj=user, before={"role": group.name})


def grant_role_at_the_server(*, user: User, group: Group, jurisdiction: Division | None) -> None:
    """The ``grant_role`` command: whoever runs it holds the server, so it is one step,
    but it obeys the combination rule and is audited like the others."""
    with transaction.atomic():
        separation.check_role_combination({*user.groups.values_list("name", flat=True), group.name})
        if jurisdiction is not None:
            user.jurisdiction = jurisdiction
            user.save(update_fields=["jurisdiction"])
        user.groups.add(group)
        audit_record(
            "role.grant_at_server",
            obj=user,
            after={"role": group.name, "jurisdiction": str(user.jurisdiction or "")},
            actor_name="manage.py grant_role",
        )


def record_account_change(*, actor: User, user: User, before: dict[str, str], after: dict[str, str]) -> None:
    """Audit a change to an account's details; when its e-mail address changes, tell the
    old address (where a one-time link would have gone), so its owner learns of it."""
    audit_record("account.change", actor=actor, obj=user, before=before, after=after)
    old_email = before.get("email", "")
    if old_email and old_email != after.get("email", old_email):
        send_mail(
            _("The e-mail address of your registry account was changed"),
            _(
                "%(admin)s changed the e-mail address of your account %(username)s from this address to "
                "%(new)s. If you did not ask for this, tell your security administrator."
            )
            % {"admin": actor.get_username(), "username": user.get_username(), "new": after.get("email") or "—"},
            None,
            [old_email],
        )


@dataclass(frozen=True)
class PasswordReset:
    link: str  # the one-time link, a path on this site
    emailed_to: str  # the address it was sent to, or "" when the admin hands it over


def password_reset_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("account_set_password", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})


def open_account(*, actor: User, user: User, site_url: str) -> PasswordReset:
    """A new staff account with no password: its owner sets one from a one-time link."""
    if not actor.has_perm("registry.add_user"):
        raise PermissionDenied
    with transaction.atomic():
        user.is_staff = True
        user.set_unusable_password()
        user.password_changed_at = None
        user.save()
        audit_record(
            "account.create",
            actor=actor,
            obj=user,
            after={"jurisdiction": str(user.jurisdiction or ""), "department": user.department, "email": user.email},
        )
    return _send_link(user, _("An account was opened for you in the care provider registry."), site_url=site_url)


def reset_password(*, actor: User, user: User, site_url: str) -> PasswordReset:
    """Nobody learns the old password or types the new one for someone else: the password
    becomes unusable (which also ends the user's sessions: Django signs them with the
    password hash), the user's authenticator apps and backup codes are removed (they enrol
    again after setting their password), and a link that works once, for ``PASSWORD_RESET_TIMEOUT``
    seconds, goes to the account's e-mail address (or, without one, to the system admin
    to hand over in person)."""
    separation.check_may_reset_password(actor=actor, user=user)
    with transaction.atomic():
        user.set_unusable_password()
        user.password_changed_at = None
        user.save(update_fields=["password", "password_changed_at"])
        remove_backup_codes(user=user, actor=actor)  # audited on its own (otp.backup_codes_remove)
        devices = list(devices_for_user(user, confirmed=None))
        for device in devices:
            device.delete()
        audit_record(
            "account.password_reset",
            actor=actor,
            obj=user,
            after={"devices_removed": len(devices), "link_to": "e-mail" if user.email else "system admin"},
        )
    return _send_link(user, _("An administrator reset your password."), site_url=site_url)


def _send_link(user: User, opening: str, *, site_url: str = "") -> PasswordReset:
    link = password_reset_link(user)
    if not user.email:
        return PasswordReset(link=link, emailed_to="")
    send_mail(
        _("Set your password for the care provider registry"),
        _(
            "%(opening)s Set your password within %(hours)d hours at:\n\n%(url)s\n\n"
            "Then sign in and set up your authenticator app. If you did not expect this, "
            "tell your security administrator."
        )
        % {"opening": opening, "hours": settings.PASSWORD_RESET_TIMEOUT // 3600, "url": site_url.rstrip("/") + link},
        None,
        [user.email],
    )
    return PasswordReset(link=link, emailed_to=user.email)


# --- every change to an account's power is on the record, whatever path made it ---------

# The password, then the flags and the department: each says what the account may do or see.
_WATCHED = ("password", "is_active", "is_staff", "is_superuser", "department")


@receiver(pre_save, sender=User)
def _remember_account_before(sender: Any, instance: User, raw: bool = False, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if raw or instance.pk is None or (update_fields is not None and not set(update_fields) & set(_WATCHED)):
        return
    instance._audit_before = User.objects.filter(pk=instance.pk).values(*_WATCHED).first()


@receiver(post_save, sender=User)
def _audit_account_changes(sender: Any, instance: User, created: bool, raw: bool = False, **kwargs: Any) -> None:
    before = getattr(instance, "_audit_before", None)
    instance._audit_before = None
    if raw or created or not before:
        return
    if before["password"] != instance.password:
        password_history_record(instance, before["password"], remember=settings.PASSWORD_HISTORY)
        # Never the hashes: only that it changed, and whether a password can be used now.
        audit_record(
            "account.password_change",
            obj=instance,
            after={"usable": instance.has_usable_password()},
        )
    flags = {name: (before[name], getattr(instance, name)) for name in _WATCHED[1:]}
    changed = {name: pair for name, pair in flags.items() if pair[0] != pair[1]}
    if changed:
        audit_record(
            "account.status",
            obj=instance,
            before={name: old for name, (old, _new) in changed.items()},
            after={name: new for name, (_old, new) in changed.items()},
        )


@receiver(m2m_changed, sender=User.groups.through)
def _audit_role_membership(sender: Any, instance: Any, action: str, pk_set: Any, **kwargs: Any) -> None:
    """Roles before and after, for each account whose roles changed (from either side)."""
    if action in {"pre_add", "pre_remove", "pre_clear"}:
        if isinstance(instance, User):
            users = [instance]
        elif action == "pre_clear":
            users = list(instance.user_set.all())
        else:
            users = list(User.objects.filter(pk__in=pk_set or ()))
        instance._audit_roles_before = [(user, sorted(user.groups.values_list("name", flat=True))) for user in users]
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    for user, before in getattr(instance, "_audit_roles_before", []):
        after = sorted(user.groups.values_list("name", flat=True))
        if before != after:
            audit_record("account.roles", obj=user, before={"roles": before}, after={"roles": after})
    instance._audit_roles_before = []
