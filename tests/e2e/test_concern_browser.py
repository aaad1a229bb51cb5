"""A citizen raises a concern in a real browser and follows it (issue 19, item 6): from the
provider's page to the form, the reference number and its status, in Chinese, English and
Mongolian, on a 1280 px desktop and a 360 px phone. Screenshots of the form, the "sent" page and the
lookup go to ``var/screenshots/``.

The form refuses to store what is sent within ``CONCERN_MIN_FILL_SECONDS`` (3 s) of being
shown (a robot's speed): the browser waits that long, as a person typing would take longer.
As in ``test_directory_browser.py``, the database is read before the browser starts; what
was stored is checked through the lookup page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from e2e_browser import BROWSER_TEST, chromium
from factories import DONGHE, ProviderFactory, division

from registry.models import ProviderStatus

HOME = "东河区仁爱养老院"
DESCRIPTION = "夜班护理员对老人说话很凶，老人晚上不敢按呼叫铃，家属反映多次没有改进。"
PHONE = "13904729876"
FILL_TIME_MS = 3300  # just over CONCERN_MIN_FILL_SECONDS
REFERENCE = re.compile(r"TS-\d{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}")

pytestmark = BROWSER_TEST


@pytest.fixture
def home_uscc(live_server: Any, divisions: Any) -> str:
    """A certified home in Donghe: the form needs nothing more of the register (the whole
    demo, copied in before each of the six tests, would cost more than the browser)."""
    cache.clear()  # the form's rate limit counts in the cache
    return ProviderFactory(name=HOME, status=ProviderStatus.CERTIFIED, division=division(DONGHE)).uscc


@pytest.fixture
def browser(home_uscc: str) -> Iterator[Any]:
    with chromium() as browser:
        yield browser


def open_page(browser: Any, width: int) -> Any:
    if width <= 400:
        context = browser.new_context(
            viewport={"width": width, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True
        )
    else:
        context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    return context.new_page()


def no_horizontal_scroll(page: Any, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url}: {scroll} px wide on a {width} px screen"


@pytest.mark.parametrize(
    ("language", "width"), [(language, width) for language in ("zh", "en", "mn") for width in (1280, 360)]
)
def test_a_citizen_raises_a_concern_and_looks_up_its_status(
    live_server: Any,
    home_uscc: str,
    browser: Any,
    save_screenshot: Callable[[Any, str], Path],
    language: str,
    width: int,
) -> None:
    prefix = {"zh": "", "en": "/en", "mn": "/mn"}[language]
    page = open_page(browser, width)
    name = f"concern-{language}-{width}"

    # The provider's page has the block and its button.
    page.goto(f"{live_server.url}{prefix}/providers/{home_uscc}/")
    page.locator(f'section[aria-labelledby="concerns"] a[href="{prefix}/concerns/new/{home_uscc}/"]').click()
    page.wait_for_url(f"**{prefix}/concerns/new/{home_uscc}/")

    # The honeypot is off the screen and out of the keyboard's way.
    trap = page.locator("#id_website")
    box = trap.bounding_box()
    assert box is not None and box["x"] + box["width"] < 0
    page.locator("#id_contact_email").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") != "id_website"

    page.locator('input[name="category"][value="staff_conduct"]').check()
    page.locator("#id_description").fill(DESCRIPTION)
    page.locator("#id_contact_phone").fill(PHONE)
    no_horizontal_scroll(page, width)
    save_screenshot(page, f"{name}-form")
    page.wait_for_timeout(FILL_TIME_MS)
    page.locator("form.concern-form button[type=submit]").click()

    # The reference number and the due date.
    page.wait_for_url(f"**{prefix}/concerns/sent/")
    reference = page.locator("#reference").inner_text().strip()
    assert REFERENCE.fullmatch(reference), reference
    no_horizontal_scroll(page, width)
    save_screenshot(page, f"{name}-sent")

    # Its status, by the button …
    page.locator(f'form[action="{prefix}/concerns/lookup/"] button[type=submit]').click()
    page.wait_for_url(f"**{prefix}/concerns/lookup/")
    status = page.locator('section[aria-labelledby="status"]')
    assert reference in status.inner_text() and HOME in status.inner_text()
    body = page.content()
    assert DESCRIPTION not in body and PHONE not in body
    no_horizontal_scroll(page, width)
    save_screenshot(page, f"{name}-lookup")

    # … and typed by hand, in lower case and with spaces.
    page.goto(f"{live_server.url}{prefix}/concerns/lookup/")
    page.locator("#id_reference").fill(reference.lower().replace("-", " "))
    page.locator("form.search button[type=submit]").click()
    assert reference in page.locator('section[aria-labelledby="status"]').inner_text()
    page.context.close()
