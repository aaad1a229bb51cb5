"""The Mongolian pages in a real browser (Debian's Chromium, headless, Playwright): a
provider's page at 1280 px and on a 360 px phone is written in vertical lines from left to
right, in the vendored Noto Sans Mongolian, with its code horizontal, and the page itself
never scrolls sideways (its content does, inside). Screenshots go to ``var/screenshots/``
(mn-detail-desktop-1280.png, mn-detail-phone-360.png, mn-list-…).

As in test_directory_browser.py, what the tests need from the database is read before the
browser starts (``shown``), and the browser is closed before the database is flushed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from demo_snapshot import seeded_demo
from e2e_browser import BROWSER_TEST, chromium

from registry.glossary import DIVISION_NAMES
from registry.models import Provider

HOME = "昆都仑区阳光颐养院"  # a demo home that records its Mongolian name
KUNDULUN = "150203"

pytestmark = BROWSER_TEST

VIEWPORTS = {
    "desktop-1280": {"viewport": {"width": 1280, "height": 900}},
    "phone-360": {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True},
}


@dataclass(frozen=True)
class Shown:
    uscc: str
    name: str
    name_mn: str


@pytest.fixture
def shown(live_server: Any) -> Shown:
    seeded_demo()
    home = Provider.objects.get(name=HOME)
    assert home.name_mn
    return Shown(uscc=home.uscc, name=home.name, name_mn=home.name_mn)


@pytest.fixture
def browser(shown: Shown) -> Iterator[Any]:
    with chromium() as browser:
        yield browser


def writing_mode(page: Any, selector: str) -> str:
    return str(page.locator(selector).first.evaluate("e => getComputedStyle(e).writingMode"))


def no_sideways_page(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def mongolian_font_loaded(page: Any) -> bool:
    page.evaluate("document.fonts.ready")
    return bool(
        page.evaluate(
            """[...document.fonts].some(f => f.family.replace(/"/g, '') === 'Noto Sans Mongolian'
                                        && f.status === 'loaded')"""
        )
    )


@pytest.mark.parametrize("screen", list(VIEWPORTS))
def test_a_provider_page_in_mongolian_is_written_in_vertical_lines(
    live_server: Any, shown: Shown, browser: Any, save_screenshot: Any, screen: str
) -> None:
    context = browser.new_context(**VIEWPORTS[screen])
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        # From the Chinese page through the header's switcher.
        page.goto(f"{live_server.url}/providers/{shown.uscc}/")
        page.locator('header a[hreflang="mn-Mong"]').click()
        page.wait_for_url(re.compile(rf"/mn/providers/{shown.uscc}/$"))
        assert page.locator("html").get_attribute("lang") == "mn-Mong"
        assert page.locator("main h1").inner_text().strip() == shown.name_mn

        # Headings, paragraphs, the descriptive blocks and the navigation: vertical lines.
        for selector in (
            "main h1",
            "main h2",
            'section[aria-labelledby="services"] p',
            "main > p.muted",
            "header nav li",
        ):
            assert writing_mode(page, selector) == "vertical-lr", selector
        # The code, the lists of figures and the Chinese name stay horizontal.
        uscc = page.locator("main span.code")
        assert uscc.inner_text().strip() == shown.uscc
        assert writing_mode(page, "main span.code") == "horizontal-tb"
        assert writing_mode(page, "main dl.facts-list") == "horizontal-tb"
        assert writing_mode(page, 'main p.other-name[lang="zh-hans"]') == "horizontal-tb"
        assert DIVISION_NAMES[KUNDULUN][1] in page.locator("main > p.muted").inner_text()

        assert mongolian_font_loaded(page)
        # The page never scrolls sideways; its content does, inside the main block.
        assert no_sideways_page(page), screen
        assert page.locator("main").evaluate("e => getComputedStyle(e).overflowX") == "auto"
        if screen == "phone-360":
            assert page.locator("main").evaluate("e => e.scrollWidth > e.clientWidth")
        save_screenshot(page, f"mn-detail-{screen}")

        page.goto(f"{live_server.url}/mn/providers/?county={KUNDULUN}")
        assert writing_mode(page, "ol.results li.card h2") == "vertical-lr"
        assert writing_mode(page, "form.filters") == "horizontal-tb"
        assert page.locator(f'ol.results a[href="/mn/providers/{shown.uscc}/"]').inner_text().strip() == shown.name_mn
        assert no_sideways_page(page), screen
        save_screenshot(page, f"mn-list-{screen}")

        # And back to Chinese through the switcher.
        page.locator('header a[hreflang="zh-hans"]').click()
        page.wait_for_url(re.compile(rf"/providers/\?county={KUNDULUN}$"))
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        assert writing_mode(page, "main h1") == "horizontal-tb"
    finally:
        context.close()
