"""The back-office at 1280 px in a real browser (Debian's Chromium, Playwright), as the demo
roles use it (README "Demo logins"; issue #21, "Forms and lists").

- Every list a role can open shows its whole table: the last column's right edge lies
  inside the list's box and inside the 1280 px window (no column scrolled out of sight).
- The add-provider form opens short: its optional sections and its seven lists are
  folded, open on a click, and every required label carries a red "*".

As in test_directory_browser.py, the demo is loaded before the browser starts, and the
tests read nothing from the database while it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_snapshot import seeded_demo
from e2e_browser import BROWSER_TEST, chromium

PASSWORD = "demo-Pass-2026"  # README "Demo logins"
# One demo user per role (README "Demo logins"): a city clerk, a district clerk, the
# reviewer, finance, an inspector and the three administrators.
ROLES = [
    "clerk_baotou",
    "clerk_kundulun",
    "reviewer_baotou",
    "finance_baotou",
    "inspector_qingshan",
    "sysadmin",
    "secadmin",
    "auditor",
]
WIDTH = 1280

pytestmark = BROWSER_TEST

# The table of a list, measured: its last heading's right edge, the right edge of the box
# that scrolls it, and the headings (for the failure message).
MEASURE = """() => {
  const table = document.querySelector('#result_list');
  if (!table) return null;
  const headings = [...table.querySelectorAll('thead th')];
  const box = table.closest('.results') || document.documentElement;
  return {
    last: headings[headings.length - 1].getBoundingClientRect().right,
    box: box.getBoundingClientRect().right,
    page: document.documentElement.scrollWidth,
    headings: headings.map(th => th.innerText.trim()).filter(Boolean),
  };
}"""


@pytest.fixture
def site(live_server: Any) -> str:
    """The live server's URL with the reference data and the demo loaded (committed)."""
    seeded_demo()  # seeded once per test process, copied back in for later tests
    return str(live_server.url)


@pytest.fixture
def browser(site: str) -> Iterator[Any]:
    with chromium() as browser:
        yield browser


def signed_in(browser: Any, site: str, username: str) -> Any:
    """A 1280 px page signed in as ``username`` (a new context: its own cookies)."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, locale="zh-CN")
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(site + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_url(lambda url: "/admin/login/" not in url)
    return page


def changelists(page: Any, site: str) -> list[str]:
    """Every list on the role's "All lists" page (the links of its models, not "add"); the
    home page is the workbench."""
    page.goto(site + "/admin/lists/")
    hrefs = page.eval_on_selector_all(
        "#content-main th[scope=row] a", "links => links.map(a => a.getAttribute('href'))"
    )
    return sorted({href for href in hrefs if href and href.count("/") == 4})


def test_every_list_of_every_demo_role_fits_1280_px(
    site: str, browser: Any, save_screenshot: Callable[[Any, str], Path]
) -> None:
    clipped: list[str] = []
    measured: dict[str, int] = {}
    for username in ROLES:
        page = signed_in(browser, site, username)
        lists = changelists(page, site)
        assert lists, f"{username} sees no list on All lists"
        save_screenshot(page, f"admin-home-{username}-1280")
        measured[username] = 0
        for href in lists:
            page.goto(site + href)
            shown = page.evaluate(MEASURE)
            if shown is None:
                continue  # an empty list has no table to clip
            measured[username] += 1
            limit = min(WIDTH, shown["box"]) + 1  # sub-pixel rounding
            if shown["last"] > limit or shown["page"] > WIDTH:
                clipped.append(
                    f"{username} {href}: last column ends at {shown['last']:.0f} px"
                    f" (box {shown['box']:.0f}, page {shown['page']}): {' | '.join(shown['headings'])}"
                )
                save_screenshot(page, f"clipped-{username}-{href.strip('/').replace('/', '-')}")
        page.context.close()
    assert not clipped, "\n".join(clipped)
    # The sweep saw real tables, not only empty pages.
    assert measured["clerk_kundulun"] >= 10 and measured["auditor"] >= 1, measured


def test_add_provider_form_is_folded_and_marks_required_fields(
    site: str, browser: Any, save_screenshot: Callable[[Any, str], Path]
) -> None:
    page = signed_in(browser, site, "clerk_kundulun")
    page.goto(site + "/admin/registry/provider/add/")
    save_screenshot(page, "admin-provider-add-1280")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 3000, f"the add-provider page is {height} px long"

    folded = page.locator("#provider_form details:not([open])")
    assert folded.count() >= 3 + 7  # optional sections + the seven lists
    # A click on a folded section's heading opens it and shows its fields.
    premises = page.locator("#provider_form details").filter(has=page.locator("#id_floor_area_m2")).first
    assert not page.locator("#id_floor_area_m2").is_visible()
    premises.locator("summary").click()
    assert page.locator("#id_floor_area_m2").is_visible()

    # Required labels carry a red "*", explained above the form; optional ones do not.
    mark = "el => getComputedStyle(el, '::before').content"
    assert page.locator('label[for="id_name"]').evaluate(mark) == '"* "'
    assert page.locator('label[for="id_division"]').evaluate(mark) == '"* "'
    assert page.locator('label[for="id_contact_person"]').evaluate(mark) in ("none", "normal")
    assert page.locator(".required-legend").is_visible()

    # The district clerk's only district is already chosen, with no "+" to add a division.
    assert page.locator("#id_division option:checked").inner_text().strip() == "昆都仑区"
    assert page.locator("#add_id_division").count() == 0
    page.context.close()
