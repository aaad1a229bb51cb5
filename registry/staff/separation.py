"""三员分立 and maker-checker for accounts: who may hold, grant and confirm which role.

The rules are stated here once. The user and role-grant admin, the ``grant_role`` command
and the model-layer guard (``m2m_changed`` on ``User.groups``, below) all call them.

- **Exclusive admin roles.** The system, security and audit admins (MLPS 2.0 level 3,
  三员分立) each hold that one role and nothing else: not another admin role, not a
  business role. A break-glass superuser (``createsuperuser``) holds no role at all.
- **Preparers do not approve.** Nobody holds a role that prepares money (the clerk's runs
  and grants, finance's payment batches) together with the role that approves them (the
  reviewer). Within one role (finance prepares and approves batches) the objects keep
  their preparers, and none of them may approve (subsidies).
- **Roles are fixed in code.** A role's permissions come from the migrations; nobody
  edits them in the application: the group admin is read-only and a guard refuses the change.
- **Two people grant power.** The system admin *requests* a role for an account; the
  security admin *confirms* it, and only then does it take effect. Nobody requests or
  confirms a role for their own account, nor confirms their own request.
- **Nobody sets their own department** (what kinds of provider they see); the system
  admin sets it on another person's account, and every change is audited.
- **Nobody sets another person's password.** The system admin resets it to a one-time
  link; the owner sets their own password and enrols their own authenticator again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils.translation import gettext as _

from ..models import User
from . import roles

if TYPE_CHECKING:
    from ..models import RoleGrant

ADMIN_ROLES = frozenset(roles.SEPARATED_ADMIN_ROLES)
# (preparing role, approving role) over the same objects.
PREPARER_APPROVER_PAIRS = (
    (roles.DISTRICT_CLERK, roles.CITY_REVIEWER),  # operating runs, construction grants
    (roles.FINANCE, roles.CITY_REVIEWER),  # payment batches
)


def check_role_combination(group_names: Iterable[str]) -> None:
    """An account holding one of the three admin roles holds no other role, and nobody
    holds a preparing and an approving role over the same objects."""
    held = set(group_names)
    admin_held = sorted(held & ADMIN_ROLES)
    if admin_held and len(held) > 1:
        others = sorted(held - {admin_held[0]})
        raise ValidationError(
            _("%(role)s is a separated admin role and cannot be held together with %(others)s.")
            % {"role": admin_held[0], "others": "、".join(others)},
            code="separated_roles",
        )
    for preparer, approver in PREPARER_APPROVER_PAIRS:
        if {preparer, approver} <= held:
            raise ValidationError(
                _("%(preparer)s prepares what %(approver)s approves: one person cannot hold both.")
                % {"preparer": preparer, "approver": approver},
                code="maker_checker_roles",
            )


def check_may_request_role(*, actor: User, user: User, group: Group) -> None:
    """The system admin (``registry.add_rolegrant``) asks for a role on someone else's account."""
    if not actor.has_perm("registry.add_rolegrant"):
        raise PermissionDenied
    if actor.pk == user.pk:
        raise ValidationError(_("Nobody may request a role for their own account."), code="own_account")
    if user.is_superuser:
        raise ValidationError(_("A break-glass superuser holds no roles."), code="superuser")
    check_role_combination({*user.groups.values_list("name", flat=True), group.name})


def check_may_decide_role_grant(*, actor: User, grant: RoleGrant) -> None:
    """The security admin (``registry.confirm_rolegrant``) confirms or refuses another
    person's request, for another person's account."""
    if not actor.has_perm("registry.confirm_rolegrant"):
        raise PermissionDenied
    if actor.pk == grant.requested_by_id:
        raise ValidationError(_("The person who requested a role cannot also confirm it."), code="maker_checker")
    if actor.pk == grant.user_id:
        raise ValidationError(_("Nobody may confirm a role for their own account."), code="own_account")


def check_may_reset_password(*, actor: User, user: User) -> None:
    """The system admin (``registry.change_user``) resets someone else's password; only a
    superuser resets a superuser's."""
    if not actor.has_perm("registry.change_user"):
        raise PermissionDenied
    if actor.pk == user.pk:
        raise ValidationError(_("Change your own password on the password page."), code="own_account")
    if user.is_superuser and not actor.is_superuser:
        raise ValidationError(_("Only a superuser may reset a superuser's password."), code="superuser")


def may_change_department(actor: User, user: User) -> bool:
    """The department decides which kinds of provider an account sees: the system admin
    (``registry.change_user``) sets it on someone else's account, nobody on their own."""
    return actor.has_perm("registry.change_user") and actor.pk != user.pk


def may_set_password_directly(actor: Any) -> bool:
    """Typing a password for someone else is for the break-glass superuser only; everyone
    else resets it to a one-time link (``accounts.reset_password``)."""
    return bool(actor.is_superuser)


@receiver(m2m_changed, sender=User.groups.through)
def _refuse_combined_roles(sender: Any, instance: Any, action: str, pk_set: Any, **kwargs: Any) -> None:
    """The combination rule at the data layer, whatever path adds the group (the role-grant
    confirmation, commands, the shell, a group's member list)."""
    if action != "pre_add" or not pk_set:
        return
    if isinstance(instance, User):
        current = set(instance.groups.values_list("name", flat=True))
        added = set(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
        check_role_combination(current | added)
    else:  # users added to a group from the group's side
        for user in User.objects.filter(pk__in=pk_set).prefetch_related("groups"):
            check_role_combination({g.name for g in user.groups.all()} | {instance.name})


@receiver(m2m_changed, sender=Group.permissions.through)
def _guard_role_permissions(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    """A role's permissions never change through the web application (whatever the page);
    at the server (shell, fixtures) a change is audited with before and after. Migrations
    use historical models, so this does not fire there: they are reviewed code."""
    from safeguards.audit import audit_record, current_request

    if action not in {"pre_add", "pre_remove", "pre_clear", "post_add", "post_remove", "post_clear"}:
        return
    pk_set = kwargs.get("pk_set") or ()
    groups = [instance] if isinstance(instance, Group) else list(Group.objects.filter(pk__in=pk_set))
    roles_touched = [group for group in groups if group.name in roles.ALL_ROLES]
    if not roles_touched:
        return
    if action.startswith("pre_"):
        if current_request() is not None:
            raise ValidationError(
                _("A role's permissions are defined by the system and cannot be changed."), code="frozen"
            )
        return
    for group in roles_touched:
        audit_record(
            "role.permissions",
            obj=group,
            after={"permissions": sorted(group.permissions.values_list("codename", flat=True))},
            detail=action,
            actor_name="server",
        )
