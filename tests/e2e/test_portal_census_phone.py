"""The census forms on a 360 px phone (issue 18), in Debian's Chromium: a home's user signs
in at /portal/, opens "Admission, discharge or transfer" and sees only the fields of the
movement chosen (an admission's name and ID number; a discharge's list of residents, their
ID numbers masked), with nothing wider than the screen; the roster form offers "Check the
file" only; the fee and annual report forms fit too. Screenshots go to ``var/screenshots/``.

Everything the browser needs is in the database before it starts (see
``test_directory_browser.py`` on Playwright's event loop and Django's connections)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from e2e_browser import BROWSER_TEST, chromium
from factories import ProviderFactory, ResidentFactory

from portal.access import access_grant
from registry.models import LegalForm, ProviderStatus, User
from safeguards.identifiers import mask_id_number

PASSWORD = "Bt-portal-2026!x"

pytestmark = BROWSER_TEST


@pytest.fixture
def home(divisions: Any) -> Any:
    provider = ProviderFactory(
        name="达尔罕茂明安联合旗石宝镇乌兰嘎查互助幸福院",
        status=ProviderStatus.CERTIFIED,
        legal_form=LegalForm.NON_PROFIT,
    )
    user = User.objects.create_user(username="home_phone", password=PASSWORD)
    access_grant(user=user, provider=provider, actor=None)
    resident = ResidentFactory(provider=provider, name="张桂兰")
    provider.resident_numbers = (resident.id_number, mask_id_number(resident.id_number))
    return provider


@pytest.fixture
def phone(live_server: Any, home: Any) -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True
        )
        context.set_default_timeout(30_000)
        page = context.new_page()
        with translation.override("zh-hans"):
            page.goto(live_server.url + reverse("portal:login"))
        page.fill("#id_username", "home_phone")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert "login" not in page.url, page.url
        try:
            yield page
        finally:
            browser.close()


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width} px wide"


def shown(page: Any, field: str) -> bool:
    return bool(page.locator(f".field:has([name={field}])").first.is_visible())


def test_the_census_forms_fit_a_phone_and_show_the_movement_chosen(
    live_server: Any, home: Any, phone: Any, save_screenshot: Any
) -> None:
    full, masked = home.resident_numbers
    with translation.override("zh-hans"):
        urls = {
            kind: live_server.url + reverse("portal:submission_new", args=[home.pk, kind])
            for kind in ("residents_change", "residents_roster", "fee", "annual_report")
        }
    phone.goto(urls["residents_change"])
    fits(phone)
    assert shown(phone, "name") and shown(phone, "id_number") and not shown(phone, "resident")
    assert phone.input_value("input[name=day]") == timezone.localdate().isoformat()  # a date input's own format
    save_screenshot(phone, "portal-admission-phone-360")
    phone.check("input[name=movement][value=discharge]")
    assert not shown(phone, "name") and shown(phone, "resident") and shown(phone, "day")
    options = phone.locator("select[name=resident]").inner_text()
    assert "张桂兰" in options and masked in options and full not in options
    save_screenshot(phone, "portal-discharge-phone-360")

    phone.goto(urls["residents_roster"])
    fits(phone)
    assert phone.locator("button[name=draft]").is_visible() and phone.locator("button[name=submit]").count() == 0
    save_screenshot(phone, "portal-roster-phone-360")
    for kind in ("fee", "annual_report"):
        phone.goto(urls[kind])
        fits(phone)
        save_screenshot(phone, f"portal-{kind}-phone-360")
