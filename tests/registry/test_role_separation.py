"""三员分立 that holds against the admins themselves (issue 22, findings 1 and 2).

The security admin cannot give any role (their own least of all) more permissions; the
system admin cannot give themselves a role, cannot type another person's password, and
grants a role only when the security admin confirms it.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from factories import BAOTOU, KUNDULUN

from registry.models import Division, RoleGrant, User
from registry.staff import accounts, roles
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db

STRONG = "Another-Pass-2026"


@pytest.fixture
def sysadmin(make_staff):
    return make_staff(roles.SYSTEM_ADMIN, BAOTOU)


@pytest.fixture
def secadmin(make_staff):
    return make_staff(roles.SECURITY_ADMIN, BAOTOU)


@pytest.fixture
def auditor(make_staff):
    return make_staff(roles.AUDIT_ADMIN, BAOTOU, email="auditor@example.gov.cn")


def role_names(user: User) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


# --- finding 1: the security admin and the roles' permissions --------------------------


def test_the_security_admin_cannot_edit_any_role_in_the_admin(secadmin, client_for):
    client = client_for(secadmin)
    own = Group.objects.get(name=roles.SECURITY_ADMIN)
    clerks = Group.objects.get(name=roles.DISTRICT_CLERK)
    personal = Permission.objects.get(codename="view_personal_data")
    delete_audit = Permission.objects.get(codename="delete_auditentry")

    for group in (own, clerks):
        url = reverse("admin:auth_group_change", args=[group.pk])
        assert client.get(url).status_code == 200  # they may read what each role can do
        response = client.post(url, {"name": group.name, "permissions": [personal.pk, delete_audit.pk]})
        assert response.status_code == 403
    assert client.post(reverse("admin:auth_group_add"), {"name": "mine"}).status_code == 403
    assert not own.permissions.filter(pk__in=[personal.pk, delete_audit.pk]).exists()
    assert not secadmin.has_perm("auth.change_group")
    # … and with the permission gone, the residents list and the audit log stay closed.
    assert client.get(reverse("admin:registry_resident_changelist")).status_code == 403
    assert client.get(reverse("admin:safeguards_auditentry_changelist")).status_code == 403


def test_no_one_edits_a_role_even_the_superuser(superuser, client_for):
    group = Group.objects.get(name=roles.CITY_REVIEWER)
    response = client_for(superuser).post(reverse("admin:auth_group_change", args=[group.pk]), {"name": "x"})

    assert response.status_code == 403
    assert Group.objects.filter(name=roles.CITY_REVIEWER).exists()


def test_no_page_changes_a_roles_permissions_and_the_shell_is_audited(db, rf):
    from safeguards.audit import _current_request

    group = Group.objects.get(name=roles.SECURITY_ADMIN)
    permission = Permission.objects.get(codename="view_personal_data")
    before = set(group.permissions.values_list("pk", flat=True))

    token = _current_request.set(rf.get("/admin/"))  # as if any back-office page did it
    try:
        with pytest.raises(ValidationError), transaction.atomic():
            group.permissions.add(permission)
        with pytest.raises(ValidationError), transaction.atomic():
            permission.group_set.add(group)
        with pytest.raises(ValidationError), transaction.atomic():
            group.permissions.clear()
    finally:
        _current_request.reset(token)
    assert set(group.permissions.values_list("pk", flat=True)) == before

    group.permissions.add(permission)  # at the server: done, and on the record
    entry = AuditEntry.objects.get(action="role.permissions", object_id=str(group.pk))
    assert "view_personal_data" in entry.after["permissions"]


# --- exclusive admin roles ---------------------------------------------------------------


@pytest.mark.parametrize("admin_role", roles.SEPARATED_ADMIN_ROLES)
@pytest.mark.parametrize("other", roles.ALL_ROLES)
def test_an_admin_role_goes_with_no_other_role(make_staff, admin_role, other):
    if other == admin_role:
        return
    user = make_staff(admin_role, BAOTOU)
    business = make_staff(other, BAOTOU)
    admin_group, other_group = Group.objects.get(name=admin_role), Group.objects.get(name=other)

    with pytest.raises(ValidationError), transaction.atomic():
        user.groups.add(other_group)
    with pytest.raises(ValidationError), transaction.atomic():
        other_group.user_set.add(user)
    with pytest.raises(ValidationError), transaction.atomic():
        business.groups.add(admin_group)
    assert role_names(user) == [admin_role] and role_names(business) == [other]


def test_business_roles_may_be_combined(make_staff):
    user = make_staff(roles.DISTRICT_CLERK, KUNDULUN)
    user.groups.add(Group.objects.get(name=roles.INSPECTOR))

    assert role_names(user) == sorted([roles.DISTRICT_CLERK, roles.INSPECTOR])


def test_the_grant_role_command_obeys_the_same_rule(make_staff, capsys):
    from django.core.management import CommandError, call_command

    clerk = make_staff(roles.DISTRICT_CLERK, KUNDULUN)
    newcomer = make_staff(None, None)

    with pytest.raises(CommandError, match=r"分立|separated"):
        call_command("grant_role", clerk.username, roles.AUDIT_ADMIN)
    call_command("grant_role", newcomer.username, roles.AUDIT_ADMIN, "--jurisdiction", BAOTOU)

    newcomer.refresh_from_db()
    assert role_names(newcomer) == [roles.AUDIT_ADMIN] and newcomer.jurisdiction.code == BAOTOU
    assert AuditEntry.objects.filter(action="role.grant_at_server", object_id=str(newcomer.pk)).exists()


# --- finding 2: the system admin and accounts --------------------------------------------


def test_the_system_admin_cannot_give_themselves_a_role(sysadmin, client_for):
    client = client_for(sysadmin)
    clerks = Group.objects.get(name=roles.DISTRICT_CLERK)
    url = reverse("admin:registry_user_change", args=[sysadmin.pk])

    # The roles on the account page are read-only: a posted list is ignored.
    page = client.get(url)
    assert page.status_code == 200 and 'name="groups"' not in page.content.decode()
    client.post(url, {"username": sysadmin.username, "is_active": "on", "is_staff": "on", "groups": [clerks.pk]})
    assert role_names(sysadmin) == [roles.SYSTEM_ADMIN]

    # Requesting one for their own account is refused too.
    response = client.post(
        reverse("admin:registry_rolegrant_add"), {"user": sysadmin.pk, "group": clerks.pk, "reason": "mine"}
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors
    with pytest.raises(ValidationError):
        accounts.request_role(actor=sysadmin, user=sysadmin, group=clerks, reason="mine")
    assert not RoleGrant.objects.exists()
    assert role_names(sysadmin) == [roles.SYSTEM_ADMIN]


def test_a_role_takes_effect_only_when_the_security_admin_confirms_it(sysadmin, secadmin, make_staff, client_for):
    newcomer = make_staff(None, KUNDULUN)
    clerks = Group.objects.get(name=roles.DISTRICT_CLERK)
    donghe = Division.objects.get(code="150202")

    response = client_for(sysadmin).post(
        reverse("admin:registry_rolegrant_add"),
        {"user": newcomer.pk, "group": clerks.pk, "jurisdiction": donghe.pk, "reason": "新入职经办人员"},
    )
    assert response.status_code == 302
    grant = RoleGrant.objects.get()
    assert grant.status == RoleGrant.Status.PENDING and grant.requested_by == sysadmin
    newcomer.refresh_from_db()
    assert role_names(newcomer) == [] and newcomer.jurisdiction.code == KUNDULUN

    # The requester sees no decision buttons (and has no permission to decide).
    page = client_for(sysadmin).get(reverse("admin:registry_rolegrant_change", args=[grant.pk]))
    assert 'name="confirm"' not in page.content.decode()
    decide = reverse("admin:registry_rolegrant_decide", args=[grant.pk])
    assert client_for(sysadmin).post(decide, {"confirm": "1"}).status_code == 403

    secadmin_client = client_for(secadmin)
    page = secadmin_client.get(reverse("admin:registry_rolegrant_change", args=[grant.pk]))
    assert 'id="role-decision"' in page.content.decode() and 'name="confirm"' in page.content.decode()
    assert secadmin_client.post(decide, {"confirm": "1", "note": "核对了任命文件"}).status_code == 302

    grant.refresh_from_db()
    newcomer.refresh_from_db()
    assert grant.status == RoleGrant.Status.CONFIRMED and grant.decided_by == secadmin
    assert role_names(newcomer) == [roles.DISTRICT_CLERK] and newcomer.jurisdiction == donghe
    actions = list(AuditEntry.objects.filter(object_id=str(newcomer.pk)).values_list("action", flat=True))
    assert "role.request" in actions and "role.confirm" in actions
    # A second click changes nothing twice.
    accounts.confirm_role_grant(actor=secadmin, grant=grant)
    assert AuditEntry.objects.filter(action="role.confirm").count() == 1


def test_a_refusal_needs_a_reason_and_changes_nothing(sysadmin, secadmin, make_staff, client_for):
    newcomer = make_staff(None, KUNDULUN)
    grant = accounts.request_role(
        actor=sysadmin, user=newcomer, group=Group.objects.get(name=roles.FINANCE), reason="财务"
    )
    decide = reverse("admin:registry_rolegrant_decide", args=[grant.pk])
    client = client_for(secadmin)

    client.post(decide, {"refuse": "1", "note": ""})
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.PENDING

    client.post(decide, {"refuse": "1", "note": "无任命文件"})
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.REFUSED and grant.decision_note == "无任命文件"
    assert role_names(newcomer) == []


def test_nobody_confirms_their_own_request_or_a_role_for_themselves(sysadmin, secadmin, superuser):
    clerks = Group.objects.get(name=roles.DISTRICT_CLERK)
    other_secadmin_request = RoleGrant.objects.create(
        user=secadmin, group=Group.objects.get(name=roles.INSPECTOR), reason="x", requested_by=sysadmin
    )
    with pytest.raises(ValidationError):
        accounts.confirm_role_grant(actor=secadmin, grant=other_secadmin_request)

    # Even the superuser (who holds every permission) cannot be maker and checker at once.
    newcomer = User.objects.create_user(username="newcomer", is_staff=True)
    own_request = accounts.request_role(actor=superuser, user=newcomer, group=clerks, reason="x")
    with pytest.raises(ValidationError):
        accounts.confirm_role_grant(actor=superuser, grant=own_request)
    assert role_names(newcomer) == [] and role_names(secadmin) == [roles.SECURITY_ADMIN]


def test_a_request_for_an_admin_role_on_a_business_account_is_refused_at_once(sysadmin, make_staff):
    clerk = make_staff(roles.DISTRICT_CLERK, KUNDULUN)
    with pytest.raises(ValidationError):
        accounts.request_role(actor=sysadmin, user=clerk, group=Group.objects.get(name=roles.AUDIT_ADMIN), reason="x")


def test_the_system_admin_cannot_set_another_users_password(sysadmin, auditor, client_for):
    client = client_for(sysadmin)
    url = reverse("admin:auth_user_password_change", args=[auditor.pk])
    old_hash = auditor.password

    assert client.get(url).status_code == 403
    assert client.post(url, {"password1": STRONG, "password2": STRONG}).status_code == 403
    auditor.refresh_from_db()
    assert auditor.password == old_hash


def test_a_reset_sends_a_one_time_link_and_removes_the_authenticator(sysadmin, auditor, client_for):
    auditor.set_password("Old-Pass-2026x")
    auditor.save()
    TOTPDevice.objects.create(user=auditor, name="TOTP", confirmed=True)
    old_session = Client()
    old_session.force_login(auditor)

    response = client_for(sysadmin).post(reverse("admin:registry_user_reset_password", args=[auditor.pk]))

    assert response.status_code == 302
    auditor.refresh_from_db()
    assert not auditor.has_usable_password()
    assert not TOTPDevice.objects.filter(user=auditor).exists()
    # The old session is over (it was signed with the old password).
    assert old_session.get(reverse("admin:index")).status_code == 302
    # The link goes to the owner, not to the admin who pressed the button.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["auditor@example.gov.cn"]
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    reset = AuditEntry.objects.filter(action="account.password_reset", object_id=str(auditor.pk), actor=sysadmin)
    assert reset.exists()

    owner = Client()
    page = owner.get(link, follow=True)
    assert page.status_code == 200 and 'name="new_password1"' in page.content.decode()
    done = owner.post(page.redirect_chain[-1][0], {"new_password1": STRONG, "new_password2": STRONG})
    assert done.status_code == 302
    auditor.refresh_from_db()
    assert auditor.check_password(STRONG) and auditor.password_changed_at is not None
    assert AuditEntry.objects.filter(action="account.password_set", object_id=str(auditor.pk)).exists()
    # The link works once.
    again = Client().get(link, follow=True)
    assert 'name="new_password1"' not in again.content.decode()


def test_only_a_superuser_resets_a_superusers_password(sysadmin, superuser):
    with pytest.raises(ValidationError):
        accounts.reset_password(actor=sysadmin, user=superuser, site_url="https://x/")
    with pytest.raises(ValidationError):
        accounts.reset_password(actor=sysadmin, user=sysadmin, site_url="https://x/")


def test_a_new_account_has_no_password_until_its_owner_sets_one(sysadmin, client_for):
    client = client_for(sysadmin)
    add = client.get(reverse("admin:registry_user_add"))
    assert add.status_code == 200 and 'name="password1"' not in add.content.decode()

    fields = {"username": "wang.fang", "first_name": "芳", "last_name": "王", "email": ""}
    refused = client.post(reverse("admin:registry_user_add"), {**fields, "jurisdiction": ""})
    assert refused.status_code == 200 and "jurisdiction" in refused.context["adminform"].form.errors

    kundulun = Division.objects.get(code=KUNDULUN)
    response = client.post(reverse("admin:registry_user_add"), {**fields, "jurisdiction": kundulun.pk}, follow=True)

    user = User.objects.get(username="wang.fang")
    assert user.is_staff and not user.has_usable_password() and role_names(user) == []
    # Without an e-mail address, the link is shown once, on the account's page, to hand over.
    body = response.content.decode()
    assert 'id="one-time-link"' in body and "/admin/account/set-password/" in body
    again = client.get(reverse("admin:registry_user_change", args=[user.pk])).content.decode()
    assert 'id="one-time-link"' not in again
    assert AuditEntry.objects.filter(action="account.create", object_id=str(user.pk), actor=sysadmin).exists()


def test_account_changes_are_audited_and_the_old_address_told_of_a_new_one(
    sysadmin, auditor, client_for, admin_form_data
):
    client = client_for(sysadmin)
    url = reverse("admin:registry_user_change", args=[auditor.pk])
    data = admin_form_data(client.get(url))
    data["email"] = "someone.else@example.gov.cn"

    assert client.post(url, data).status_code == 302

    entry = AuditEntry.objects.get(action="account.change", object_id=str(auditor.pk))
    assert entry.before == {"email": "auditor@example.gov.cn"}
    assert entry.after == {"email": "someone.else@example.gov.cn"}
    # The old address hears of it: a reset link would now go elsewhere.
    assert [m.to for m in mail.outbox] == [["auditor@example.gov.cn"]]
    assert "someone.else@example.gov.cn" in mail.outbox[0].body


@pytest.mark.parametrize(
    "preparer, approver",
    [(roles.DISTRICT_CLERK, roles.CITY_REVIEWER), (roles.FINANCE, roles.CITY_REVIEWER)],
)
def test_nobody_prepares_and_approves_the_same_money(make_staff, sysadmin, preparer, approver):
    user = make_staff(preparer, BAOTOU)
    approving = Group.objects.get(name=approver)

    with pytest.raises(ValidationError), transaction.atomic():
        user.groups.add(approving)
    with pytest.raises(ValidationError):
        accounts.request_role(actor=sysadmin, user=user, group=approving, reason="兼任")
    assert role_names(user) == [preparer]


# --- finding 6 of issue 23: every change of an account's power is on the record ----------


def test_role_membership_changes_are_audited_from_either_side(make_staff):
    user = make_staff(roles.DISTRICT_CLERK, KUNDULUN)
    inspectors = Group.objects.get(name=roles.INSPECTOR)

    inspectors.user_set.add(user)
    user.groups.remove(inspectors)

    entries = AuditEntry.objects.filter(action="account.roles", object_id=str(user.pk)).order_by("id")
    assert [(e.before["roles"], e.after["roles"]) for e in entries][-2:] == [
        ([roles.DISTRICT_CLERK], sorted([roles.DISTRICT_CLERK, roles.INSPECTOR])),
        (sorted([roles.DISTRICT_CLERK, roles.INSPECTOR]), [roles.DISTRICT_CLERK]),
    ]


def test_password_changes_and_deactivation_are_audited_without_the_hashes(auditor, sysadmin, client_for):
    auditor.set_password(STRONG)
    auditor.save()
    client = client_for(sysadmin)
    url = reverse("admin:registry_user_change", args=[auditor.pk])
    client.post(url, {"username": auditor.username, "email": auditor.email, "is_staff": "on"})  # not active

    changed = AuditEntry.objects.get(action="account.password_change", object_id=str(auditor.pk))
    assert changed.after == {"usable": True} and "pbkdf2" not in str(changed.before) + str(changed.after)
    status = AuditEntry.objects.get(action="account.status", object_id=str(auditor.pk))
    assert status.before == {"is_active": True} and status.after == {"is_active": False}
    assert status.actor == sysadmin


def test_the_auditor_reads_the_audit_log_and_djangos_admin_log(auditor, sysadmin, make_staff, client_for):
    clerk = make_staff(roles.DISTRICT_CLERK, BAOTOU)
    client_for(sysadmin).post(reverse("admin:registry_user_reset_password", args=[clerk.pk]))
    client = client_for(auditor)

    log = client.get(reverse("admin:safeguards_auditentry_changelist"))
    assert log.status_code == 200 and "account.password_reset" in log.content.decode()
    assert client.get(reverse("admin:admin_logentry_changelist")).status_code == 200
    assert client.get(reverse("admin:registry_rolegrant_changelist")).status_code == 200
