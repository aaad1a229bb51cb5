"""Signing in to the portal has the staff's rules (issue 18): five failures lock the account,
an expired password must be changed first, and with PORTAL_OTP_REQUIRED a provider user
enrols an authenticator app and proves a code before any page of their provider."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from factories import ProviderFactory

from portal.access import access_grant
from registry.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("divisions")]

GOOD = "Grassland-Horse-2026"


@pytest.fixture
def member() -> User:
    user = User.objects.create_user(username="manager", password=GOOD)
    access_grant(user=user, provider=ProviderFactory(), actor=None)
    return user


def sign_in(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(reverse("portal:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_a_provider_account(member: User) -> None:
    for attempt in range(5):
        sign_in(Client(), member.username, "wrong", ip=f"10.0.1.{attempt + 1}")
    client = Client()
    response = sign_in(client, member.username, GOOD, ip="10.9.9.9")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_expired_password_is_changed_before_anything_else(member: User) -> None:
    User.objects.filter(pk=member.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=91))
    client = Client()
    client.force_login(member)
    provider = member.provider_access.get().provider
    response = client.get(reverse("portal:provider", args=[provider.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("portal:password_change")
    changed = client.post(
        reverse("portal:password_change"),
        {"old_password": GOOD, "new_password1": "Steppe-Eagle-2027x", "new_password2": "Steppe-Eagle-2027x"},
    )
    assert changed.status_code == 302
    assert client.get(reverse("portal:provider", args=[provider.pk])).status_code == 200


def test_with_the_second_factor_required_a_code_comes_first(member: User, settings: Any) -> None:
    settings.PORTAL_OTP_REQUIRED = True
    client = Client()
    assert sign_in(client, member.username, GOOD).status_code == 302
    provider = member.provider_access.get().provider
    page = reverse("portal:provider", args=[provider.pk])
    first = client.get(page)
    assert first.status_code == 302 and first["Location"].startswith(reverse("portal:otp_enrol"))
    enrol = client.get(first["Location"])
    assert enrol.status_code == 200 and "<svg" in enrol.content.decode()  # the QR code
    device = TOTPDevice.objects.get(user=member, confirmed=False)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    done = client.post(reverse("portal:otp_enrol"), {"token": code, "next": page})
    # The answer is the backup codes, shown once, and the way on to the page asked for.
    assert done.status_code == 200 and len(done.context["codes"]) == 10 and done.context["next"] == page
    assert client.get(page).status_code == 200
    # A staff account gets no portal second-factor page.
    assert Client().get(reverse("portal:otp_verify")).status_code == 302
