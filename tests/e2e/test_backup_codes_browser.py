"""Two-factor backup codes in Debian's Chromium (issue 20): a clerk signs in with the second
factor required, sets up the authenticator app from the key the page shows, is shown ten
backup codes once, and later, without the phone, signs in with one of them; the same code
is refused the next time. Screenshots of the codes page and of the backup-code sign-in.

The database is written before the browser starts and read after it closed (see
``test_directory_browser.py`` on Playwright's event loop and Django's connections)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.oath import totp
from e2e_browser import BROWSER_TEST, chromium

from registry.models import Division, User
from registry.staff import roles
from safeguards.models import AuditEntry

PASSWORD = "Bt-codes-2026!x"
KUNDULUN = "150203"

pytestmark = BROWSER_TEST


@pytest.fixture
def clerk(divisions: Any, settings: Any) -> User:
    settings.STAFF_OTP_REQUIRED = True
    user = User.objects.create_user(
        username="clerk_codes", password=PASSWORD, is_staff=True, jurisdiction=Division.objects.get(code=KUNDULUN)
    )
    user.groups.add(Group.objects.get(name=roles.DISTRICT_CLERK))
    return user


def signed_in(browser: Any, base: str) -> Any:
    """A fresh browser (no cookies) past the password."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.set_default_timeout(30_000)
    page.goto(base + reverse("admin:login"))
    page.fill("#id_username", "clerk_codes")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    return page


def app_code(secret: str) -> str:
    """What an authenticator app given ``secret`` (as the page shows it) shows now."""
    return f"{totp(base64.b32decode(secret.replace(' ', ''))):06d}"


def test_enrol_then_sign_in_with_a_backup_code_once(
    live_server: Any, clerk: User, save_screenshot: Callable[[Any, str], Path]
) -> None:
    base = live_server.url
    with chromium() as browser:
        # 1. First sign-in: the enrolment page; the app's first code confirms it.
        page = signed_in(browser, base)
        assert reverse("otp_enrol") in page.url, page.url
        page.fill("#id_token", app_code(page.inner_text("#otp-secret")))
        page.click("input[type=submit]")
        page.wait_for_load_state()

        # 2. The ten codes, this once, and the way on to the workbench.
        codes = [c.strip() for c in page.locator("#backup-codes code").all_inner_texts()]
        assert len(codes) == len(set(codes)) == 10, codes
        assert all(re.fullmatch(r"[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}", c) for c in codes), codes
        save_screenshot(page, "backup-codes-shown-once")
        page.click("#content-main a.button")
        page.wait_for_load_state()
        assert page.url.rstrip("/").endswith("/admin"), page.url
        assert "10" in page.inner_text("#backup-codes-left")
        # Never again: the backup-codes page counts them and shows none.
        page.goto(base + reverse("otp_backup_codes"))
        assert page.locator("#backup-codes").count() == 0 and not any(c in page.content() for c in codes)

        # 3. Another day, no phone: "use a backup code" instead.
        page = signed_in(browser, base)
        assert reverse("otp_verify") in page.url, page.url
        page.click("#otp-switch")
        page.wait_for_load_state()
        page.fill("#id_token", codes[4].lower())  # typed as it comes
        save_screenshot(page, "backup-code-sign-in")
        page.click("input[type=submit]")
        page.wait_for_load_state()
        assert page.url.rstrip("/").endswith("/admin"), page.url
        assert "9" in page.inner_text("#backup-codes-left")

        # 4. The same code the next time: refused, still on the verify page.
        page = signed_in(browser, base)
        page.click("#otp-switch")
        page.wait_for_load_state()
        page.fill("#id_token", codes[4])
        page.click("input[type=submit]")
        page.wait_for_load_state()
        assert reverse("otp_verify") in page.url and page.locator(".errorlist").count() == 1
        browser.close()

    actions = list(AuditEntry.objects.filter(actor=clerk, action__startswith="otp.").values_list("action", flat=True))
    assert {"otp.enrol", "otp.backup_codes_generate", "otp.backup_code_use", "otp.failure"} <= set(actions)
