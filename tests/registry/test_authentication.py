"""MLPS 2.0 level-3 authentication controls: password rules, expiry, lockout, session limits."""

from __future__ import annotations

import datetime
import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registry.staff import roles
from safeguards.sessions import LOGIN_TIME_KEY

pytestmark = pytest.mark.django_db

GOOD = "Grassland-Horse-2026"


@pytest.mark.parametrize(
    "password",
    [
        "Short1!",  # fewer than 10 characters
        "alllowercaseletters",  # one character class
        "lowercase123456",  # two classes
        "Password123",  # a common password (3 classes, 11 characters)
    ],
)
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_password_like_the_user_name_is_refused(make_staff, divisions):
    user = make_staff(roles.DISTRICT_CLERK, "150203")
    user.username = "wulan.tuya"
    with pytest.raises(ValidationError):
        validate_password("Wulan.Tuya2026", user=user)


def test_a_long_password_of_three_classes_is_accepted():
    validate_password(GOOD)


def staff_with_password(make_staff) -> object:
    user = make_staff(roles.DISTRICT_CLERK, "150203")
    user.set_password(GOOD)
    user.save()
    return user


def login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(reverse("admin:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/admin/", "/admin/registry/provider/"])
def test_signing_in_goes_to_next_only_when_it_is_safe_and_else_to_the_workbench(make_staff, divisions, client, target):
    user = staff_with_password(make_staff)

    response = client.post(
        f"{reverse('admin:login')}?next={target}", {"username": user.username, "password": GOOD, "next": target}
    )

    assert response.status_code == 302
    safe = target.startswith("/") and not target.startswith("//")
    assert response["Location"] == (target if safe else reverse("admin:index"))
    assert client.get(response["Location"]).status_code == 200  # the workbench, or the list asked for


def test_an_expired_password_must_be_changed_before_anything_else(make_staff, divisions, client):
    user = staff_with_password(make_staff)
    type(user).objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=91))
    client.force_login(user)

    response = client.get(reverse("admin:registry_provider_changelist"))

    assert response.status_code == 302 and response["Location"] == reverse("admin:password_change")
    assert client.get(reverse("admin:password_change")).status_code == 200


def test_a_password_changed_within_90_days_is_not_expired(make_staff, divisions, client):
    user = staff_with_password(make_staff)
    type(user).objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=89))
    client.force_login(user)

    assert client.get(reverse("admin:registry_provider_changelist")).status_code == 200


def test_five_failures_lock_the_account_for_every_address(make_staff, divisions, client):
    user = staff_with_password(make_staff)
    for attempt in range(5):
        login(client, user.username, "wrong", ip=f"10.0.0.{attempt + 1}")

    response = login(client, user.username, GOOD, ip="10.9.9.9")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_address_for_every_account(make_staff, divisions, client):
    user = staff_with_password(make_staff)
    for attempt in range(5):
        login(client, f"nobody{attempt}", "wrong", ip="10.7.7.7")

    assert login(client, user.username, GOOD, ip="10.7.7.7").status_code == 429
    assert login(Client(), user.username, GOOD, ip="10.8.8.8").status_code == 302  # another address is fine


def test_sessions_expire_after_15_idle_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_a_session_ends_8_hours_after_login_however_active(make_staff, divisions, client):
    user = staff_with_password(make_staff)
    login(client, user.username, GOOD)
    assert client.get(reverse("admin:index")).status_code == 200

    session = client.session
    session[LOGIN_TIME_KEY] = int(time.time()) - 8 * 60 * 60 - 1
    session.save()

    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_behind_a_proxy_each_client_address_is_locked_separately(make_staff, divisions, client, settings):
    """Behind nginx every request comes from 127.0.0.1: the lockout must count the address
    the proxy appended to X-Forwarded-For, or five failures would lock out everyone."""
    settings.NUM_PROXIES = 1
    user = staff_with_password(make_staff)
    for attempt in range(5):
        client.post(
            reverse("admin:login"),
            {"username": f"nobody{attempt}", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )

    blocked = client.post(
        reverse("admin:login"),
        {"username": user.username, "password": GOOD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    other = Client().post(
        reverse("admin:login"),
        {"username": user.username, "password": GOOD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    assert blocked.status_code == 429
    assert other.status_code == 302


def test_every_password_message_is_in_chinese_in_the_chinese_interface(make_staff):
    """Django 5.2's own "too short" message has no Chinese translation (issue 23, finding 7)."""
    user = make_staff(roles.DISTRICT_CLERK, "150203")
    for weak in ("aB1", "12345678901234", "password1234", "abcdefghijkl"):
        with pytest.raises(ValidationError) as refused:
            validate_password(weak, user=user)
        for message in refused.value.messages:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


def test_the_last_passwords_cannot_be_used_again(make_staff, client_for):
    user = make_staff(roles.DISTRICT_CLERK, "150203")
    user.set_password(GOOD)
    user.save()
    client = client_for(user)
    url = reverse("admin:password_change")

    def change(old: str, new: str) -> object:
        return client.post(url, {"old_password": old, "new_password1": new, "new_password2": new})

    assert change(GOOD, "Second-Pass-2026").status_code == 302
    user.refresh_from_db()
    client = client_for(user)  # sign in with the new password's session
    again = change("Second-Pass-2026", GOOD)

    assert again.status_code == 200 and "new_password2" in again.context["form"].errors
    user.refresh_from_db()
    assert user.check_password("Second-Pass-2026")
    assert change("Second-Pass-2026", "Third-Pass-2026x").status_code == 302
