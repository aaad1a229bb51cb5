"""The public directory in a real browser: Debian's Chromium, headless, driven by Playwright.

A citizen searches, filters by county and grade, opens a provider, checks what the page
says against the database, switches to English, uses the keyboard, and reads it all on a
360 px phone. Screenshots (desktop 1280 px and phone 360 px, list and detail) go to
``var/screenshots/``; the run's closing lines print the folder.

Order matters: Playwright's sync API runs an event loop in the test's thread, and while
it runs Django hands out a *different* database connection (asgiref's Local keys
connections by context in a thread with a running loop). So everything the tests need
from the database is read (``facts``) before the browser starts, and the browser is
closed before pytest-django flushes the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from demo_snapshot import seeded_demo
from django.db.models import Q
from django.utils import timezone, translation
from e2e_browser import BROWSER_TEST, chromium

from childcare.models import Child
from registry.models import AgeBand, CareMode, FeeItem, Provider, ProviderKind, ProviderStatus, Resident

KUNDULUN = "150203"
LONG_NAME = "达尔罕茂明安联合旗石宝镇乌兰嘎查互助幸福院"
MANY_FEES = "东河区仁爱养老院"
NURSERY = "东河区机关托儿所"
# Homes where people live: their page shows beds and vacant beds (registry/occupancy.py).
RESIDENTIAL = [
    ProviderKind.ELDERLY_INSTITUTION,
    ProviderKind.TOWNSHIP_HOME,
    ProviderKind.MEDICAL_ELDERLY,
    ProviderKind.HAPPINESS_HOME,
]  # certified, a demonstration provider, full-day and other modes

pytestmark = BROWSER_TEST


# --------------------------------------------------------------------------- the database's view


@dataclass(frozen=True)
class Shown:
    """A provider as its page must show it, read from the database."""

    uscc: str
    name: str
    beds: int
    nursing_beds: int
    vacancies: int
    occupied: int
    phone: str
    certified_on: str
    fees: list[tuple[str, str]]


@dataclass(frozen=True)
class NurseryShown:
    """A nursery's childcare block as its page must show it, read from the database."""

    uscc: str
    name: str
    vacant_places: int
    # Service mode (Chinese) → places under 1, 1-2, 2-3, total, vacant places.
    modes: dict[str, list[str]]
    children: list[str]  # their names and guardians' names: never on the page


@dataclass(frozen=True)
class Facts:
    keyword_yanglao: list[str]  # certified providers with 养老 in name or address
    kundulun_grade_2: list[str]  # certified, in 昆都仑区, grade ≥ 2
    keyword_tuoyu: int
    keyword_zone: int
    opened: Shown
    long_name: str
    many_fees: str
    nursery: NurseryShown


def in_care_today(provider: Provider) -> int:
    """Residents admitted by today and not discharged before today, counted from the rows."""
    today = timezone.localdate()
    return sum(
        1
        for admitted, discharged in Resident.objects.filter(provider=provider).values_list(
            "admitted_on", "discharged_on"
        )
        if admitted <= today and (discharged is None or discharged >= today)
    )


def fees_in_force(provider: Provider) -> list[tuple[str, str]]:
    today = timezone.localdate()
    return sorted(
        (fee.name, f"{fee.amount:.2f}")
        for fee in FeeItem.objects.filter(provider=provider)
        if fee.effective_from <= today and (fee.effective_to is None or fee.effective_to >= today)
    )


def matching(certified: Any, word: str) -> Any:
    return certified.filter(Q(name__contains=word) | Q(address__contains=word))


@pytest.fixture
def site(live_server: Any) -> str:
    """The live server's URL, with the reference data and the demo loaded (committed)."""
    seeded_demo()  # seeded once per test process, copied back in for later tests
    return str(live_server.url)


@pytest.fixture
def facts(site: str) -> Facts:
    certified = Provider.objects.filter(status=ProviderStatus.CERTIFIED)
    kundulun = certified.filter(division__code=KUNDULUN, grade__gte=2)
    # A home whose vacancies the page counts from its residents (not one whose own report
    # a clerk accepted in the portal: that figure is the provider's, tests/portal check it).
    homes = kundulun.filter(beds__gt=0, kind__in=RESIDENTIAL, vacancy_reports__isnull=True)
    provider = homes.order_by("-grade", "name").first()
    assert provider is not None and provider.certified_on is not None
    occupied = in_care_today(provider)
    return Facts(
        keyword_yanglao=sorted(matching(certified, "养老").values_list("name", flat=True)),
        kundulun_grade_2=sorted(kundulun.values_list("name", flat=True)),
        keyword_tuoyu=matching(certified, "托育").count(),
        keyword_zone=matching(certified, "稀土高新区").count(),
        opened=Shown(
            uscc=provider.uscc,
            name=provider.name,
            beds=provider.beds,
            nursing_beds=provider.nursing_beds,
            vacancies=max(provider.beds - occupied, 0),
            occupied=occupied,
            phone=provider.contact_phone,
            certified_on=f"{provider.certified_on:%Y-%m-%d}",
            fees=fees_in_force(provider),
        ),
        long_name=certified.get(name=LONG_NAME).uscc,
        many_fees=certified.get(name=MANY_FEES).uscc,
        nursery=nursery_shown(certified.get(name=NURSERY)),
    )


def nursery_shown(provider: Provider) -> NurseryShown:
    today = timezone.localdate()
    enrolled: dict[str, int] = {}
    children = []
    for child in Child.objects.filter(provider=provider):
        children += [child.name, child.guardian_name]
        if child.enrolled_on <= today and (child.left_on is None or child.left_on >= today):
            enrolled[child.mode] = enrolled.get(child.mode, 0) + 1
    modes: dict[str, list[str]] = {}
    with translation.override("zh-hans"):
        for mode in CareMode:
            by_band = [
                sum(p.places for p in provider.childcare_place_offers.filter(mode=mode, age_band=band))
                for band in AgeBand
            ]
            if sum(by_band):
                vacant = max(sum(by_band) - enrolled.get(mode, 0), 0)
                modes[str(mode.label)] = [str(n) for n in [*by_band, sum(by_band), vacant]]
    places = sum(p.places for p in provider.childcare_place_offers.all())
    return NurseryShown(
        uscc=provider.uscc,
        name=provider.name,
        vacant_places=max(places - sum(enrolled.values()), 0),
        modes=modes,
        children=children,
    )


@pytest.fixture
def browser(facts: Facts) -> Iterator[Any]:
    """Headless Debian Chromium (never a downloaded browser), started after the database work."""
    with chromium() as browser:
        yield browser


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


# --------------------------------------------------------------------------- reading the page


def status_count(page: Any) -> int:
    text = page.locator('p[role="status"]').inner_text()
    match = re.search(r"\d+", text)
    assert match, text
    return int(match.group())


def result_names(page: Any) -> list[str]:
    return sorted(name.strip() for name in page.locator("ol.results li.card h2 a").all_inner_texts())


def definitions(page: Any, heading_id: str) -> dict[str, str]:
    """The <dt>/<dd> pairs of the section labelled by ``heading_id``."""
    section = page.locator(f'section[aria-labelledby="{heading_id}"]')
    terms = section.locator("dt").all_inner_texts()
    values = section.locator("dd").all_inner_texts()
    return {t.strip(): v.strip() for t, v in zip(terms, values, strict=True)}


def no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url}: the page is {width} px wide on a 360 px phone"


# --------------------------------------------------------------------------- scenarios


def test_citizen_searches_filters_opens_a_provider_and_switches_to_english(
    site: str, facts: Facts, desktop: Any, save_screenshot: Callable[[Any, str], Path]
) -> None:
    page = desktop

    # Search a keyword from the home page.
    page.goto(site + "/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.get_by_role("searchbox").fill("养老")
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url(re.compile(r"/providers/\?q="))
    assert status_count(page) == len(facts.keyword_yanglao)
    assert set(result_names(page)) <= set(facts.keyword_yanglao)
    assert len(result_names(page)) == min(20, len(facts.keyword_yanglao))

    # Filter by county (昆都仑区) and minimum grade, without the keyword.
    page.locator("#id_q").fill("")
    page.locator("#id_county").select_option(label="昆都仑区")
    page.locator("#id_min_grade").select_option("2")
    page.locator("form.filters").get_by_role("button", name="显示结果").click()
    page.wait_for_url(re.compile(r"county=150203"))
    assert "min_grade=2" in page.url
    assert status_count(page) == len(facts.kundulun_grade_2) >= 3
    assert result_names(page) == facts.kundulun_grade_2
    assert page.locator("#id_county").input_value() == KUNDULUN  # kept in the form
    save_screenshot(page, "list-desktop-1280")

    # Open a provider with beds and check the page against the database.
    shown = facts.opened
    page.get_by_role("link", name=shown.name, exact=True).click()
    page.wait_for_url(re.compile(rf"/providers/{shown.uscc}/$"))
    assert page.locator("h1").inner_text().strip() == shown.name
    capacity = definitions(page, "capacity")
    assert capacity["床位数"] == str(shown.beds)
    assert capacity["护理型床位"] == str(shown.nursing_beds)
    assert re.fullmatch(rf"空余床位：\s*{shown.vacancies}\s*（截至 \d{{4}}-\d\d-\d\d）", capacity["空余情况"])
    assert 0 < shown.occupied < shown.beds
    basic = definitions(page, "basic")
    assert basic["统一社会信用代码"] == shown.uscc
    assert basic["电话"] == shown.phone
    assert basic["认证日期"] == shown.certified_on
    fee_rows = page.locator('section[aria-labelledby="fees"] tbody tr').all()
    fees = sorted(
        (row.locator("td").nth(0).inner_text().strip(), row.locator("td").nth(1).inner_text().strip())
        for row in fee_rows
    )
    assert fees == shown.fees and fees
    save_screenshot(page, "detail-desktop-1280")

    # Switch to English through the header link.
    page.locator('header a[hreflang="en"]').click()
    page.wait_for_url(re.compile(rf"/en/providers/{shown.uscc}/$"))
    assert page.locator("html").get_attribute("lang") == "en"
    capacity = definitions(page, "capacity")
    assert capacity["Beds"] == str(shown.beds)
    assert capacity["Nursing-type beds"] == str(shown.nursing_beds)
    assert re.fullmatch(rf"Vacant beds:\s*{shown.vacancies}\s*\(as of \d{{4}}-\d\d-\d\d\)", capacity["Occupancy"])
    assert definitions(page, "basic")["Certified on"] == shown.certified_on
    headings = {h.strip() for h in page.locator("main h2").all_inner_texts()}
    assert {"Basic information", "Beds and places", "Fees", "Latest inspections", "Subsidies received"} <= headings
    assert page.locator('header a[hreflang="zh-hans"]').inner_text().strip() == "中文"
    save_screenshot(page, "detail-desktop-1280-en")

    # Back to the list in English: the switcher kept the filters from the URL.
    page.goto(site + f"/providers/?county={KUNDULUN}&min_grade=2")
    page.locator('header a[hreflang="en"]').click()
    page.wait_for_url(re.compile(r"/en/providers/\?"))
    assert "county=150203" in page.url and "min_grade=2" in page.url
    assert page.locator('p[role="status"]').inner_text().startswith(f"{len(facts.kundulun_grade_2)} providers found.")
    assert page.locator('label[for="id_min_grade"]').inner_text().strip().rstrip(":") == "Minimum grade"
    assert result_names(page) == facts.kundulun_grade_2
    save_screenshot(page, "list-desktop-1280-en")


def test_keyboard_reaches_the_search_box_and_enter_submits(site: str, facts: Facts, desktop: Any) -> None:
    page = desktop
    page.goto(site + "/")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"  # "skip to content" comes first
    box = page.locator("a.skip").bounding_box()
    assert box is not None and box["x"] >= 0  # and is visible when focused
    for _ in range(20):
        if page.evaluate("document.activeElement.id") == "home-q":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "home-q"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"  # focus visible

    page.keyboard.type("托育")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/providers/\?q="))
    assert status_count(page) == facts.keyword_tuoyu > 0
    assert page.locator("#id_q").input_value() == "托育"

    # On the list, Enter in the keyword field submits the filter form too.
    page.locator("#id_q").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("稀土高新区")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=%E7%A8%80"))
    assert status_count(page) == facts.keyword_zone > 0


def test_readable_on_a_360px_phone(
    site: str, facts: Facts, phone: Any, save_screenshot: Callable[[Any, str], Path]
) -> None:
    page = phone
    urls = [
        "/",
        "/providers/",
        "/providers/?vacancies=on&sort=-vacancies&size=50",
        f"/providers/{facts.long_name}/",
        f"/providers/{facts.many_fees}/",
        "/api/",
        "/inspections/",
        "/subsidies/",
    ]
    for url in [*urls, *("/en" + u for u in urls)]:
        page.goto(site + url)
        no_horizontal_scroll(page)
        assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16, url

    page.goto(site + "/providers/?vacancies=on&sort=-vacancies")
    save_screenshot(page, "list-phone-360")
    page.goto(site + f"/providers/{facts.many_fees}/")
    save_screenshot(page, "detail-phone-360")
    page.goto(site + f"/en/providers/{facts.many_fees}/")
    save_screenshot(page, "detail-phone-360-en")


def test_a_nursery_page_on_a_360px_phone(
    site: str, facts: Facts, phone: Any, save_screenshot: Callable[[Any, str], Path]
) -> None:
    """Places and vacant places per service mode, fees, inclusive places and the health
    filing, readable on a phone, and no child or guardian named."""
    page = phone
    nursery = facts.nursery
    page.goto(site + "/providers/?age_band=under_1&care_mode=full_day")
    assert nursery.name in result_names(page)
    page.goto(site + f"/providers/{nursery.uscc}/")
    no_horizontal_scroll(page)
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16

    capacity = definitions(page, "capacity")
    assert re.fullmatch(rf"空余托位：\s*{nursery.vacant_places}\s*（截至 \d{{4}}-\d\d-\d\d）", capacity["空余情况"])
    block = page.locator('section[aria-labelledby="childcare"]')
    assert block.is_visible()
    rows = {}
    for row in block.locator("tbody tr").all():
        cells = [cell.strip() for cell in row.locator("td").all_inner_texts()]
        rows[row.locator("th").inner_text().strip()] = cells[:5]
    assert rows == nursery.modes and "全日托" in rows
    facts_shown = definitions(page, "childcare")
    assert facts_shown["示范性托育机构"].startswith("自治区级")
    assert facts_shown["卫生健康部门备案"] != "无备案记录"
    table = block.locator(".table-wrap")
    assert table.evaluate("el => el.scrollWidth <= el.clientWidth || getComputedStyle(el).overflowX === 'auto'")
    text = page.locator("main").inner_text()
    assert [name for name in nursery.children if name in text] == []
    save_screenshot(page, "nursery-phone-360")
