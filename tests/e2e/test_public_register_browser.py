"""The public register in a real browser (issue 19): a certified provider's page, a
suspended provider's status page and the phone's filter button, in Chinese, English and
Mongolian, at 1280 px and on a 360 px phone. Screenshots go to ``var/screenshots/``.

As in the other browser tests, everything from the database is written and read before
the browser starts (Playwright's loop makes Django hand out another connection).
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from e2e_browser import BROWSER_TEST, chromium
from factories import FeeItemFactory, ProviderFactory, division

from registry.lifecycle import provider_transition
from registry.models import ProviderStatusChange, StatusReason, User

KUNDULUN = "150203"
A = ProviderStatusChange.Action

pytestmark = BROWSER_TEST

# What each language's pages must say (a word of the interface, not data).
LANGUAGES = {
    "zh": {"prefix": "", "lang": "zh-hans", "suspended": "已暂停", "filter": "筛选"},
    "en": {"prefix": "/en", "lang": "en", "suspended": "Suspended", "filter": "Filter"},
    "mn": {"prefix": "/mn", "lang": "mn-Mong", "suspended": None, "filter": None},
}
WIDTHS = (360, 1280)  # a phone, a desktop


@dataclass(frozen=True)
class Site:
    url: str
    certified: str
    suspended: str
    suspended_on: str


@pytest.fixture
def site(live_server: Any) -> Site:
    call_command("load_reference_data", stdout=io.StringIO())
    actor = User.objects.create_superuser(username="root_public_e2e", password=None)
    day = timezone.localdate() - datetime.timedelta(days=12)

    def move(provider: Any, *actions: str, category: str = "") -> None:
        for action in actions:
            provider_transition(
                provider=provider,
                action=action,
                reason="检查组意见（内部）",
                reason_category=category,
                effective_on=day,
                actor=actor,
            )

    certified = ProviderFactory(
        name="昆都仑区浏览器颐养院", division=division(KUNDULUN), grade=3, contact_phone="0472-5551234"
    )
    move(certified, A.FILE, A.CERTIFY)
    FeeItemFactory(provider=certified, name="床位费", effective_from=day)
    for n in range(3):
        other = ProviderFactory(name=f"昆都仑区浏览器养老院{n}", division=division(KUNDULUN))
        move(other, A.FILE, A.CERTIFY)
    suspended = ProviderFactory(name="昆都仑区浏览器暂停养老院", division=division(KUNDULUN))
    move(suspended, A.FILE, A.CERTIFY)
    move(suspended, A.SUSPEND, category=StatusReason.SAFETY)
    return Site(str(live_server.url), certified.uscc, suspended.uscc, day.isoformat())


@pytest.fixture
def browser(site: Site) -> Iterator[Any]:
    with chromium() as browser:
        yield browser


def open_page(browser: Any, width: int) -> Any:
    phone = width < 400
    context = browser.new_context(
        viewport={"width": width, "height": 740 if phone else 900},
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
    )
    context.set_default_timeout(10_000)
    return context.new_page()


def no_horizontal_page_scroll(page: Any, width: int) -> None:
    """The page itself does not scroll sideways (a wide table may, inside its box; Mongolian's
    vertical lines scroll sideways inside the main block, not the page)."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url}: {scroll} px wide at {width} px"


def LANGUAGES_OF(page: Any) -> str:
    lang = page.locator("html").get_attribute("lang")
    return next(code for code, each in LANGUAGES.items() if each["lang"] == lang)


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_certified_and_suspended_pages_and_the_filter_button(
    site: Site, browser: Any, language: str, save_screenshot: Callable[[Any, str], Path]
) -> None:
    words = LANGUAGES[language]
    for width in WIDTHS:
        page = open_page(browser, width)

        # A certified provider: its page, no status notice.
        page.goto(f"{site.url}{words['prefix']}/providers/{site.certified}/")
        assert page.locator("html").get_attribute("lang") == words["lang"]
        assert page.locator("h1").inner_text().strip().startswith("昆都仑区浏览器颐养院")
        assert page.locator(".status-notice").count() == 0
        assert site.certified in page.locator("main").inner_text()
        no_horizontal_page_scroll(page, width)
        save_screenshot(page, f"register-certified-{language}-{width}")

        # A suspended provider: the notice at the top, with its date.
        page.goto(f"{site.url}{words['prefix']}/providers/{site.suspended}/")
        notice = page.locator(".status-notice")
        assert notice.is_visible()
        text = notice.inner_text()
        assert site.suspended_on in text
        if words["suspended"]:
            assert words["suspended"] in text
        no_horizontal_page_scroll(page, width)
        save_screenshot(page, f"register-suspended-{language}-{width}")

        # The list: on a phone the filters wait behind the button, which counts those set.
        page.goto(f"{site.url}{words['prefix']}/providers/?county={KUNDULUN}&min_grade=2")
        panel = page.locator("details.more-filters")
        button = panel.locator("summary")
        keyword = page.locator("#id_q")
        assert keyword.is_visible()
        if width < 400:
            assert panel.get_attribute("open") is None
            assert not page.locator("#id_county").is_visible()
            assert "2" in button.inner_text()
            if words["filter"]:
                assert words["filter"] in button.inner_text()
            first_result = page.locator("ol.results li.card").first.bounding_box()
            assert first_result is not None and first_result["y"] < 740  # a result on the first screen
            save_screenshot(page, f"register-filters-closed-{language}-{width}")
            button.click()
            assert page.locator("#id_county").is_visible()
            assert page.locator("#id_county").input_value() == KUNDULUN
        else:
            assert page.locator("#id_county").is_visible()  # a wide screen shows them, without the button
            assert not button.is_visible()
        save_screenshot(page, f"register-filters-{language}-{width}")
        page.context.close()
