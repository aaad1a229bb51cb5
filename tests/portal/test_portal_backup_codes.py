"""Provider users' backup codes (issue 20): the staff's pages and rules (safeguards.otp with
the portal's site), in the portal's look."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from factories import ProviderFactory
from two_factor_helpers import app_code, codes_on_page

from portal.access import access_grant
from registry.models import User
from safeguards import backup_codes
from safeguards.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("divisions")]


@pytest.fixture
def member(settings: Any) -> User:
    settings.PORTAL_OTP_REQUIRED = True
    user = User.objects.create_user(username="manager", password="Grassland-Horse-2026")
    access_grant(user=user, provider=ProviderFactory(), actor=None)
    return user


def test_a_provider_user_gets_codes_at_enrolment_and_signs_in_with_one(member: User) -> None:
    provider = member.provider_access.get().provider
    page = reverse("portal:provider", args=[provider.pk])
    client = Client()
    client.force_login(member)
    client.get(reverse("portal:otp_enrol"))
    device = TOTPDevice.objects.get(user=member, confirmed=False)

    shown = client.post(reverse("portal:otp_enrol"), {"token": app_code(device), "next": page})

    codes = codes_on_page(shown.content.decode())
    assert shown.status_code == 200 and len(codes) == 10
    assert f'href="{page}"' in shown.content.decode()  # on to the page asked for
    assert AuditEntry.objects.filter(action="otp.backup_codes_generate", actor=member).count() == 1

    other = Client()
    other.force_login(member)
    assert other.get(page)["Location"].startswith(reverse("portal:otp_verify"))
    choose = other.get(reverse("portal:otp_verify") + f"?next={page}")
    assert "method=backup" in choose.context["switch_url"]
    signed_in = other.post(reverse("portal:otp_verify"), {"method": "backup", "token": codes[0], "next": page})
    assert signed_in.status_code == 302 and signed_in["Location"] == page
    assert other.get(page).status_code == 200
    assert AuditEntry.objects.filter(action="otp.backup_code_use", actor=member).count() == 1

    again = Client()
    again.force_login(member)
    refused = again.post(reverse("portal:otp_verify"), {"method": "backup", "token": codes[0], "next": page})
    assert refused.status_code == 200 and refused.context["form"].errors["token"]


def test_the_portal_page_counts_warns_and_makes_a_new_set(member: User) -> None:
    TOTPDevice.objects.create(user=member, name="TOTP", confirmed=True)
    old = backup_codes.issue_backup_codes(user=member, actor=member)
    for code in old[: len(old) - backup_codes.FEW_LEFT]:
        backup_codes.use_backup_code(user=member, code=code)
    client = Client()
    client.force_login(member)
    session = client.session
    # Verified as the verify page would leave it (django-otp keeps the device in the session).
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=member).persistent_id
    session.save()
    provider = member.provider_access.get().provider

    home = client.get(reverse("portal:provider", args=[provider.pk])).content.decode()
    assert 'id="backup-codes-warning"' in home and reverse("portal:otp_backup_codes") in home
    listing = client.get(reverse("portal:otp_backup_codes"))
    assert listing.context["status"].left == backup_codes.FEW_LEFT and codes_on_page(listing.content.decode()) == []

    new = codes_on_page(client.post(reverse("portal:otp_backup_codes")).content.decode())

    assert len(new) == 10 and backup_codes.codes_left(member) == 10
    assert backup_codes.use_backup_code(user=member, code=old[-1]) is None
    assert AuditEntry.objects.filter(action="otp.backup_codes_regenerate", actor=member).count() == 1
    home = client.get(reverse("portal:provider", args=[provider.pk])).content.decode()
    assert 'id="backup-codes-warning"' not in home


def test_a_staff_account_gets_no_portal_codes_page(clerk: User) -> None:
    client = Client()
    client.force_login(clerk)
    assert client.get(reverse("portal:otp_backup_codes")).status_code == 302
