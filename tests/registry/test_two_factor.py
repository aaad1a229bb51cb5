"""Two-factor login for staff (safeguards/otp.py): every back-office URL needs a TOTP code.

The sweep walks the URL resolver, so a page added later is covered without a change here.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern
from django.utils import timezone, translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from factories import ProviderFactory

from registry.models import Provider, User
from registry.staff import roles
from safeguards.models import AuditEntry
from safeguards.otp import check_two_factor

pytestmark = pytest.mark.django_db

BACK_OFFICE = ("/admin/", "/en/admin/")
LANGUAGES = ["zh-hans", "en"]
# Signed-in but unverified users may still open these (and are sent to them).
EXEMPT = {"admin:login", "admin:logout", "otp_verify", "otp_enrol"}


@pytest.fixture
def otp_on(settings: Any) -> None:
    settings.STAFF_OTP_REQUIRED = True


def code(device: TOTPDevice, steps: int = 0) -> str:
    """The code the user's app shows now (``steps`` time steps later or earlier)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps):0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    accepted = {code(device, steps) for steps in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(123456, 10**6)) if c not in accepted)


def device_for(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)


def verified_client(user: User) -> Client:
    """A client signed in as ``user`` who typed a valid code on the verify page."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or device_for(user)
    client = Client()
    client.force_login(user)
    response = client.post(reverse("otp_verify"), {"token": code(device)})
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    return client


# --- the URL sweep -----------------------------------------------------------------


def _regex_text(regex: str) -> str:
    """A regex pattern as a path, each group replaced by ``<re:name>`` (``<re:group0>``… if unnamed)."""
    out, i, unnamed = [], 0, 0
    while i < len(regex):
        if regex[i] == "\\":
            out.append(regex[i : i + 2])
            i += 2
        elif regex[i] == "(":
            if regex.startswith("(?P<", i):
                name = regex[i + 4 : regex.index(">", i)]
            else:
                name, unnamed = f"group{unnamed}", unnamed + 1
            depth, j = 0, i
            while True:
                if regex[j] == "\\":
                    j += 2
                    continue
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                if depth == 0:
                    break
                j += 1
            out.append(f"<re:{name}>")
            i = j + 1
        else:
            out.append(regex[i])
            i += 1
    text = "".join(out).removeprefix("^").removesuffix("\\Z").removesuffix("$")
    assert not re.search(r"[()\[\]*+?|\\]", text), f"cannot make a sample path of {regex!r}"
    return text


def _pattern_text(pattern: Any) -> str:
    if isinstance(pattern, LocalePrefixPattern):
        return pattern.language_prefix
    if isinstance(pattern, RoutePattern):
        return str(pattern)
    if isinstance(pattern, RegexPattern):
        return _regex_text(pattern.regex.pattern)
    raise AssertionError(f"unknown pattern type {pattern!r}")


def _raw_paths(patterns: list[Any], prefix: str) -> Iterator[str]:
    for entry in patterns:
        text = prefix + _pattern_text(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _raw_paths(entry.url_patterns, text)
        else:
            yield text


def _model_in(path: str) -> Any:
    """The model of an admin URL /admin/<app_label>/<model_name>/…, or None."""
    parts = path.split("admin/", 1)[1].split("/")
    try:
        return apps.get_model(parts[0], parts[1]) if len(parts) > 2 else None
    except (LookupError, ValueError):
        return None


def _fill(raw: str) -> str:
    """Sample values for converters: a real object's pk where there is one."""
    model = _model_in(raw)

    def sample(match: re.Match[str]) -> str:
        name = match.group(2)
        if name == "app_label":
            return "registry"
        if name == "url":  # the admin's catch-all
            return "no-such-page/"
        if name == "content_type_id":
            return str(ContentType.objects.get_for_model(Provider).pk)
        if name == "object_id" and "admin/r/" in raw:  # view_on_site: r/<ct>/<object_id>/
            return str(Provider.objects.first().pk)  # type: ignore[union-attr]
        if name in {"object_id", "pk", "id", "group0"} and model is not None:
            obj = model._default_manager.order_by("pk").first()
            return str(obj.pk) if obj is not None else "1"
        return "1"

    return re.sub(r"<(?:(\w+):)?(\w+)>", sample, raw)


def back_office_urls(language: str) -> list[str]:
    """Every back-office URL (in ``language``), with sample arguments."""
    with translation.override(language):
        raw = [p for p in _raw_paths(get_resolver().url_patterns, "/") if p.startswith(BACK_OFFICE)]
        urls = sorted({_fill(p) for p in raw})
        exempt = {u for u in urls if resolve(u).view_name in EXEMPT}
    return [u for u in urls if u not in exempt]


@pytest.fixture
def sample_objects(divisions: Any, superuser: User) -> None:
    """A provider, so that change pages have a real object to show."""
    ProviderFactory()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_back_office_url_needs_the_second_factor(otp_on, sample_objects, superuser, language):
    client = Client()
    client.force_login(superuser)
    device_for(superuser)
    urls = back_office_urls(language)
    prefix = "/en/admin/" if language == "en" else "/admin/"
    with translation.override(language):
        verify_url = reverse("otp_verify")
    assert len(urls) > 200 and all(u.startswith(prefix) for u in urls)
    assert f"{prefix}registry/provider/{Provider.objects.get().pk}/change/" in urls

    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{verify_url}?next="), url
    # Posting is refused too (with nothing changed).
    response = client.post(f"{prefix}registry/provider/add/", {"name": "x"})
    assert response.status_code == 302 and response["Location"].startswith(verify_url)


def test_without_a_device_every_url_leads_to_enrolment(otp_on, sample_objects, clerk):
    client = Client()
    client.force_login(clerk)
    for url in back_office_urls("zh-hans")[:40] + back_office_urls("en")[:40]:
        response = client.get(url)
        enrol_url = "/en/admin/otp/enrol/" if url.startswith("/en/") else "/admin/otp/enrol/"
        assert response.status_code == 302 and response["Location"].startswith(f"{enrol_url}?next="), url


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_verified_session_opens_the_back_office(otp_on, sample_objects, superuser, language):
    client = verified_client(superuser)
    client.raise_request_exception = False
    with translation.override(language):
        otp_pages = (reverse("otp_verify"), reverse("otp_enrol"))
        assert client.get(reverse("admin:index")).status_code == 200
        assert client.get(reverse("admin:registry_provider_changelist")).status_code == 200
        provider = Provider.objects.get()
        assert client.get(reverse("admin:registry_provider_change", args=[provider.pk])).status_code == 200
    for url in back_office_urls(language):
        response = client.get(url)
        assert not response.get("Location", "").startswith(otp_pages), url


def test_signed_out_users_still_go_to_the_login_page(otp_on, divisions, client):
    response = client.get(reverse("admin:registry_provider_changelist"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert client.get(reverse("admin:login")).status_code == 200


def test_the_verify_page_sends_back_to_the_page_asked_for(otp_on, divisions, clerk):
    device = device_for(clerk)
    client = Client()
    client.force_login(clerk)
    wanted = reverse("admin:registry_provider_changelist") + "?status=certified"

    response = client.get(wanted)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200 and b'name="token"' in page.content and b"<label" in page.content
    response = client.post(response["Location"], {"token": code(device), "next": wanted})

    assert response.status_code == 302 and response["Location"] == wanted
    assert client.get(wanted).status_code == 200
    entry = AuditEntry.objects.get(action="otp.verify")
    assert entry.actor == clerk and entry.object_id == str(device.pk)


def test_a_foreign_next_address_is_ignored(otp_on, divisions, clerk):
    device = device_for(clerk)
    client = Client()
    client.force_login(clerk)

    response = client.post(reverse("otp_verify"), {"token": code(device), "next": "https://evil.example/"})

    assert response["Location"] == reverse("admin:index")


def test_a_wrong_code_is_refused_and_recorded(otp_on, divisions, clerk):
    device = device_for(clerk)
    client = Client()
    client.force_login(clerk)

    response = client.post(reverse("otp_verify"), {"token": wrong_code(device)})

    assert response.status_code == 200 and response.context["form"].errors["token"]
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(reverse("admin:index")).status_code == 302
    entry = AuditEntry.objects.get(action="otp.failure")
    assert entry.actor == clerk and "wrong code" in entry.detail


def test_a_code_is_accepted_only_once(otp_on, divisions, clerk):
    device = device_for(clerk)
    token = code(device)
    verified_first = Client()
    verified_first.force_login(clerk)
    assert verified_first.post(reverse("otp_verify"), {"token": token}).status_code == 302

    replay = Client()
    replay.force_login(clerk)
    response = replay.post(reverse("otp_verify"), {"token": token})

    assert response.status_code == 200 and response.context["form"].errors["token"]


def test_wrong_codes_are_throttled(otp_on, divisions, clerk):
    device = device_for(clerk)
    client = Client()
    client.force_login(clerk)
    for _attempt in range(3):
        client.post(reverse("otp_verify"), {"token": wrong_code(device)})

    # Even the right code is refused while the device is throttled, and that is recorded.
    response = client.post(reverse("otp_verify"), {"token": code(device)})
    # "之后再试": "try again after" (the tests run in Chinese)
    assert response.status_code == 200 and "之后再试" in str(response.context["form"].errors["token"])
    assert AuditEntry.objects.filter(action="otp.failure", detail__contains="throttled").exists()
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1

    # The wait doubles with each failure: 5 failures need 16 seconds.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=5, throttling_failure_timestamp=timezone.now() - datetime.timedelta(seconds=10)
    )
    assert client.post(reverse("otp_verify"), {"token": code(device)}).status_code == 200
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(seconds=17)
    )
    assert client.post(reverse("otp_verify"), {"token": code(device)}).status_code == 302


def test_throttling_is_on(settings):
    assert settings.OTP_TOTP_THROTTLE_FACTOR >= 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_enrolment_shows_a_qr_code_and_confirms_with_a_code(otp_on, divisions, clerk, language):
    client = Client()
    client.force_login(clerk)
    with translation.override(language):
        admin_index, enrol_url = reverse("admin:index"), reverse("otp_enrol")
    assert client.get(admin_index)["Location"].startswith(enrol_url)

    page = client.get(enrol_url)

    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=clerk)
    assert not device.confirmed
    html = page.content.decode()
    assert "<svg" in html and "<title>" in html and "<script" not in html.split('<div id="content-main">')[1]
    secret = page.context["secret"].replace(" ", "")
    assert len(secret) == 32 and secret in device.config_url
    assert client.get(enrol_url).context["secret"] == page.context["secret"]  # a reload keeps the key

    refused = client.post(enrol_url, {"token": wrong_code(device)})
    assert refused.status_code == 200 and refused.context["form"].errors["token"]
    assert AuditEntry.objects.filter(action="otp.failure", detail__contains="enrol").exists()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None, throttling_failure_count=0)

    response = client.post(enrol_url, {"token": code(device), "next": admin_index})

    # The answer shows the backup codes once (tests/registry/test_backup_codes.py), then leads on.
    assert response.status_code == 200 and response.context["next"] == admin_index
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(admin_index).status_code == 200
    assert AuditEntry.objects.filter(action="otp.enrol", actor=clerk).count() == 1


def test_nobody_enrols_a_second_device_with_a_password_alone(otp_on, divisions, clerk):
    """Someone who knows the password cannot add their own phone next to the owner's."""
    device_for(clerk)
    client = Client()
    client.force_login(clerk)

    response = client.get(reverse("otp_enrol"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("otp_verify"))
    assert TOTPDevice.objects.filter(user=clerk).count() == 1


def test_the_otp_pages_are_not_for_signed_out_users(otp_on, divisions, client):
    for name in ("otp_verify", "otp_enrol"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert not TOTPDevice.objects.exists()


def test_an_expired_password_is_changed_after_the_second_factor(otp_on, divisions, clerk):
    clerk.set_password("Grassland-Horse-2026")
    clerk.save()
    User.objects.filter(pk=clerk.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=91))
    device = device_for(clerk)
    client = Client()
    client.force_login(clerk)

    assert client.get(reverse("admin:password_change"))["Location"].startswith(reverse("otp_verify"))
    assert client.get(reverse("otp_verify")).status_code == 200
    client.post(reverse("otp_verify"), {"token": code(device)})

    assert client.get(reverse("admin:index"))["Location"] == reverse("admin:password_change")


def test_with_the_setting_off_a_password_is_enough(settings, divisions, clerk, client_for):
    settings.STAFF_OTP_REQUIRED = False
    client = client_for(clerk)

    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:registry_provider_changelist")).status_code == 200


def test_production_settings_require_the_second_factor(settings):
    settings.STAFF_OTP_REQUIRED = True
    assert check_two_factor() == []
    settings.STAFF_OTP_REQUIRED = False
    assert [m.id for m in check_two_factor()] == ["registry.W201"]


# --- the security admin ------------------------------------------------------------


@pytest.fixture
def security_admin(make_staff: Callable[..., User]) -> User:
    return make_staff(roles.SECURITY_ADMIN, "150200")  # Baotou, which contains Kundulun


def test_the_security_admin_resets_a_device_without_seeing_its_key(otp_on, divisions, clerk, outsider, security_admin):
    device = device_for(clerk)
    clerk_client = verified_client(clerk)
    client = verified_client(security_admin)

    listing = client.get(reverse("admin:otp_totp_totpdevice_changelist"))
    assert listing.status_code == 200
    assert set(listing.context["cl"].queryset) == {device, TOTPDevice.objects.get(user=security_admin)}
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200
    assert device.key not in page.content.decode() and code(device) not in page.content.decode()
    assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403

    response = client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})

    assert response.status_code == 302 and not TOTPDevice.objects.filter(user=clerk).exists()
    reset = AuditEntry.objects.get(action="otp.reset")
    assert reset.actor == security_admin and reset.object_id == str(clerk.pk)  # the account is the target
    assert reset.before["confirmed"] is True and reset.after == {"device": None}
    # The clerk's session loses its verification: they enrol a new device.
    assert clerk_client.get(reverse("admin:index"))["Location"].startswith(reverse("otp_enrol"))


def test_devices_outside_the_jurisdiction_are_hidden(otp_on, divisions, make_staff, security_admin):
    hohhot_clerk = make_staff(roles.DISTRICT_CLERK, "150100")
    device = device_for(hohhot_clerk)
    client = verified_client(security_admin)

    assert client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).status_code == 404


def test_a_clerk_cannot_see_devices(otp_on, divisions, clerk):
    client = verified_client(clerk)

    assert client.get(reverse("admin:otp_totp_totpdevice_changelist")).status_code == 403


def test_the_security_admin_unlocks_a_locked_out_user(otp_on, divisions, clerk, security_admin):
    clerk.set_password("Grassland-Horse-2026")
    clerk.save()
    for attempt in range(5):
        Client().post(
            reverse("admin:login"),
            {"username": clerk.username, "password": "wrong"},
            REMOTE_ADDR=f"10.0.0.{attempt + 1}",
        )
    locked = Client().post(
        reverse("admin:login"), {"username": clerk.username, "password": "Grassland-Horse-2026"}, REMOTE_ADDR="10.1.1.1"
    )
    assert locked.status_code == 429
    client = verified_client(security_admin)

    listing = client.get(reverse("admin:axes_accessattempt_changelist") + "?locked_out=yes")
    assert listing.status_code == 200
    assert {a.username for a in listing.context["cl"].result_list} == {clerk.username}
    assert all(a.user_failures >= 5 for a in listing.context["cl"].result_list)  # summed over the addresses
    attempts = AccessAttempt.objects.filter(username=clerk.username)
    response = client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "unlock", "_selected_action": [a.pk for a in attempts]},
    )

    assert response.status_code == 302 and not AccessAttempt.objects.filter(username=clerk.username).exists()
    assert AuditEntry.objects.filter(action="lockout.unlock", actor=security_admin).count() == len(attempts)
    unlocked = Client().post(
        reverse("admin:login"), {"username": clerk.username, "password": "Grassland-Horse-2026"}, REMOTE_ADDR="10.1.1.1"
    )
    assert unlocked.status_code == 302
