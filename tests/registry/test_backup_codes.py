"""One-time backup codes for staff two-factor login (issue 20, safeguards/backup_codes.py):
shown once at enrolment, each usable once on the verify page, a new set replaces the old,
the security admin's reset removes them, every step audited, a wrong one throttled like a
wrong app code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from two_factor_helpers import app_code, codes_on_page, wrong_app_code

from registry.models import User
from registry.staff import roles
from safeguards import backup_codes
from safeguards.audit_labels import action_label
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def otp_on(settings: Any) -> None:
    settings.STAFF_OTP_REQUIRED = True


def enrolled(user: User) -> tuple[Client, list[str]]:
    """``user`` enrols an authenticator on the pages; the client (verified) and the codes shown."""
    client = Client()
    client.force_login(user)
    client.get(reverse("otp_enrol"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page = client.post(reverse("otp_enrol"), {"token": app_code(device), "next": reverse("admin:index")})
    assert page.status_code == 200
    return client, codes_on_page(page.content.decode())


def waited(user: User) -> None:
    """As if the user waited out the throttle's delay after a wrong code (the count stays)."""
    TOTPDevice.objects.filter(user=user).update(throttling_failure_timestamp=None)


def sign_in_with_backup_code(user: User, code: str) -> tuple[Client, Any]:
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("otp_verify"),
        {"method": "backup", "token": code, "next": reverse("admin:registry_provider_changelist")},
    )
    return client, response


def test_enrolment_shows_ten_readable_codes_once(otp_on, divisions, clerk):
    client, codes = enrolled(clerk)

    assert len(codes) == len(set(codes)) == 10
    assert not set("01ILO") & set("".join(codes))  # nothing to misread
    # Stored as keyed hashes only: no code (with or without its dash) is in the database.
    stored = set(StaticToken.objects.filter(device__user=clerk).values_list("token", flat=True))
    assert len(stored) == 10 and not stored & ({c.replace("-", "") for c in codes} | set(codes))
    entry = AuditEntry.objects.get(action="otp.backup_codes_generate")
    assert entry.actor == clerk and entry.after == {"codes_left": 10}
    assert not any(c.replace("-", "") in str(entry.detail) + str(entry.after) for c in codes)

    # Never shown again: enrolling again leads on, the codes page counts them.
    assert client.get(reverse("otp_enrol")).status_code == 302
    page = client.get(reverse("otp_backup_codes"))
    assert page.status_code == 200 and codes_on_page(page.content.decode()) == []
    assert page.context["status"].left == 10


def test_a_backup_code_signs_in_once(otp_on, divisions, clerk):
    _client, codes = enrolled(clerk)
    form = Client()
    form.force_login(clerk)
    page = form.get(reverse("otp_verify"))
    assert "method=backup" in page.context["switch_url"]
    assert form.get(page.context["switch_url"]).context["with_backup_code"] is True

    client, response = sign_in_with_backup_code(clerk, codes[3].lower().replace("-", " "))  # as typed

    assert response.status_code == 302 and response["Location"] == reverse("admin:registry_provider_changelist")
    assert client.get(reverse("admin:index")).status_code == 200
    used = AuditEntry.objects.get(action="otp.backup_code_use")
    static = StaticDevice.objects.get(user=clerk)
    assert used.actor == clerk and used.object_id == str(static.pk) and used.after == {"codes_left": 9}
    assert codes[3].replace("-", "") not in used.detail + used.object_repr
    assert AuditEntry.objects.filter(action="otp.verify", object_type="otp_static.StaticDevice").count() == 1
    assert str(action_label("otp.backup_code_use")) != "otp.backup_code_use"

    # The same code a second time: refused and recorded, the session stays unverified.
    replay, refused = sign_in_with_backup_code(clerk, codes[3])
    assert refused.status_code == 200 and refused.context["form"].errors["token"]
    assert DEVICE_ID_SESSION_KEY not in replay.session
    assert AuditEntry.objects.filter(action="otp.failure", detail__contains="wrong backup code").count() == 1
    assert backup_codes.codes_left(clerk) == 9


def test_a_new_set_replaces_the_old_one(otp_on, divisions, clerk):
    client, old = enrolled(clerk)

    page = client.post(reverse("otp_backup_codes"))

    new = codes_on_page(page.content.decode())
    assert page.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    entry = AuditEntry.objects.get(action="otp.backup_codes_regenerate")
    assert entry.actor == clerk and entry.before == {"codes_left": 10} and entry.after == {"codes_left": 10}
    assert sign_in_with_backup_code(clerk, old[0])[1].status_code == 200
    waited(clerk)
    assert sign_in_with_backup_code(clerk, new[0])[1].status_code == 302


def test_making_codes_needs_a_verified_session(settings, divisions, clerk):
    """Even with the second factor not required, a password alone makes no codes."""
    settings.STAFF_OTP_REQUIRED = False
    TOTPDevice.objects.create(user=clerk, name="TOTP", confirmed=True)
    client = Client()
    client.force_login(clerk)

    response = client.post(reverse("otp_backup_codes"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("otp_verify"))
    assert not StaticToken.objects.exists()


def test_without_an_authenticator_the_page_leads_to_enrolment(settings, divisions, clerk):
    settings.STAFF_OTP_REQUIRED = False
    client = Client()
    client.force_login(clerk)

    page = client.get(reverse("otp_backup_codes"))

    assert page.status_code == 200 and page.context["enrol_url"].startswith(reverse("otp_enrol"))
    assert client.post(reverse("otp_backup_codes")).context["enrol_url"]
    assert not StaticDevice.objects.exists()


def test_wrong_backup_codes_count_towards_the_throttle(otp_on, divisions, clerk):
    """A wrong backup code is a wrong code: alternating with the app gains no guesses."""
    _client, codes = enrolled(clerk)
    device = TOTPDevice.objects.get(user=clerk)
    for guess in ("AAAAA-AAAAA", "BBBBB-BBBBB", "CCCCC-CCCCC"):
        waited(clerk)
        sign_in_with_backup_code(clerk, guess)

    device.refresh_from_db()
    assert device.throttling_failure_count == 3
    # The right app code and a right backup code are both refused while throttled.
    client = Client()
    client.force_login(clerk)
    refused = client.post(reverse("otp_verify"), {"token": app_code(device)})
    assert refused.status_code == 200 and "之后再试" in str(refused.context["form"].errors["token"])
    assert sign_in_with_backup_code(clerk, codes[0])[1].status_code == 200
    assert backup_codes.codes_left(clerk) == 10  # the refused code was not spent
    # A wrong app code adds to the same count.
    waited(clerk)
    client.post(reverse("otp_verify"), {"token": wrong_app_code(device)})
    device.refresh_from_db()
    assert device.throttling_failure_count == 4


def test_a_success_with_a_backup_code_clears_the_count(otp_on, divisions, clerk):
    _client, codes = enrolled(clerk)
    sign_in_with_backup_code(clerk, "AAAAA-AAAAA")
    waited(clerk)

    assert sign_in_with_backup_code(clerk, codes[0])[1].status_code == 302
    assert TOTPDevice.objects.get(user=clerk).throttling_failure_count == 0


def test_a_malformed_code_is_explained_and_not_counted(otp_on, divisions, clerk):
    enrolled(clerk)
    _client, response = sign_in_with_backup_code(clerk, "123456")

    assert response.status_code == 200 and "7KQ2M-XH4PD" in str(response.context["form"].errors["token"])
    assert TOTPDevice.objects.get(user=clerk).throttling_failure_count == 0


def test_the_security_admins_reset_removes_the_codes(otp_on, divisions, clerk, make_staff: Callable[..., User]):
    enrolled(clerk)
    security_admin = make_staff(roles.SECURITY_ADMIN, "150200")
    admin_client, _codes = enrolled(security_admin)
    device = TOTPDevice.objects.get(user=clerk)

    response = admin_client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not StaticDevice.objects.filter(user=clerk).exists() and not StaticToken.objects.filter(device__user=clerk)
    removed = AuditEntry.objects.get(action="otp.backup_codes_remove")
    assert removed.actor == security_admin and removed.object_id == str(clerk.pk)
    assert removed.before == {"codes_left": 10}
    assert backup_codes.codes_left(security_admin) == 10  # the admin's own are untouched


def test_the_workbench_counts_the_codes_left_and_warns_when_few(otp_on, divisions, clerk):
    client, codes = enrolled(clerk)

    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="backup-codes-left"' in page and "10" in page.split('id="backup-codes-left"')[1][:400]
    assert "errornote" not in page.split('id="backup-codes-left"')[0][-80:]

    for code in codes[: 10 - backup_codes.FEW_LEFT]:
        assert backup_codes.use_backup_code(user=clerk, code=code) is not None
    page = client.get(reverse("admin:index")).content.decode()
    warning = page.split('id="backup-codes-left"')[0][-80:] + page.split('id="backup-codes-left"')[1][:400]
    assert "errornote" in warning and str(backup_codes.FEW_LEFT) in warning
    assert client.get(reverse("otp_backup_codes")).context["status"].few_left


def test_no_backup_code_line_for_a_user_without_an_authenticator(divisions, clerk, client_for):
    page = client_for(clerk).get(reverse("admin:index")).content.decode()
    assert 'id="backup-codes-left"' not in page


def test_codes_are_only_made_beside_an_authenticator(divisions, clerk):
    with pytest.raises(ValidationError) as refused:
        backup_codes.issue_backup_codes(user=clerk)
    assert refused.value.code == "no_device"
    assert not StaticDevice.objects.exists()


def test_django_otps_token_admin_is_not_offered(otp_on, divisions, superuser):
    client, _codes = enrolled(superuser)

    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_a_password_reset_removes_the_codes_with_the_authenticator(divisions, clerk, make_staff):
    from registry.staff import accounts

    TOTPDevice.objects.create(user=clerk, name="TOTP", confirmed=True)
    backup_codes.issue_backup_codes(user=clerk, actor=clerk)
    sysadmin = make_staff(roles.SYSTEM_ADMIN, "150200")

    accounts.reset_password(actor=sysadmin, user=clerk, site_url="https://x/")

    assert not StaticDevice.objects.filter(user=clerk).exists() and backup_codes.codes_left(clerk) == 0
    removed = AuditEntry.objects.get(action="otp.backup_codes_remove")
    assert removed.actor == sysadmin and removed.before == {"codes_left": 10}
    assert AuditEntry.objects.get(action="account.password_reset").after["devices_removed"] == 1
