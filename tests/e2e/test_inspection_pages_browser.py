"""An inspection's public page and a draw's published inputs in a real browser (issue 19):
Debian's Chromium, headless, driven by Playwright, at 1280 px and on a 360 px phone, in
Chinese and English. Screenshots go to ``var/screenshots/``.

A citizen opens a home's page, follows its latest inspection to the inspection's page,
reads the items not passed and the hazards with their dates, follows the draw that sent
the inspectors to its published inputs and downloads the file, which recomputes to the
published results and names no inspector by login name.

As in the other browser tests, everything from the database is written and read before
the browser starts (Playwright's loop makes Django hand out another connection).
"""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from e2e_browser import BROWSER_TEST, chromium
from factories import ProviderFactory, division

from inspections.inspector_codes import inspector_code
from inspections.models import Draw, Finding, Regime
from inspections.random_draw import compute_results, draw_freeze
from inspections.records import FindingInput, finding_report_rectification, finding_verify, record_inspection
from registry.models import Division, Provider, ProviderStatus, User

KUNDULUN, DONGHE, BAOTOU = "150203", "150202", "150200"
DESCRIPTION = "住户王桂兰房间门口堆放杂物（不公开）"

pytestmark = BROWSER_TEST


@dataclass(frozen=True)
class Site:
    url: str
    uscc: str
    name: str
    inspection: int
    draw: int
    draw_name: str
    visit: str
    usernames: list[str]


def _inspector(username: str, code: str, given: str) -> User:
    user = User.objects.create_user(
        username=username, is_staff=True, jurisdiction=Division.objects.get(code=code), first_name=given, last_name="赵"
    )
    return user


@pytest.fixture
def site(live_server: Any) -> Site:
    call_command("load_reference_data", stdout=io.StringIO())
    clerk = User.objects.create_user(
        username="clerk_baotou_e2e_insp", is_staff=True, jurisdiction=Division.objects.get(code=BAOTOU)
    )
    pool = [_inspector("inspector_kdl_e2e", KUNDULUN, "昆"), _inspector("inspector_dh_e2e", DONGHE, "东")]
    for code in (KUNDULUN, DONGHE):
        for n in range(2):
            ProviderFactory(
                name=f"{Division.objects.get(code=code).name}浏览器抽查养老院{n}",
                division=division(code),
                status=ProviderStatus.CERTIFIED,
            )
    regime = Regime.objects.get(code="BT-DISTRICT-SAFETY")
    draw = Draw.objects.create(
        name="双随机抽查（检查页浏览器测试）",
        jurisdiction=Division.objects.get(code=BAOTOU),
        regime=regime,
        sample_count=2,
        team_size=1,
        random_value="2026-11-30 福彩3D 081",
        created_by=clerk,
    )
    draw.inspector_pool.set(pool)
    draw = draw_freeze(draw=draw, user=clerk)
    first = draw.results[0]
    home = Provider.objects.get(uscc=first["uscc"])
    [inspector] = [user for user in pool if inspector_code(user) in first["team"]]
    visit = timezone.localdate() - datetime.timedelta(days=20)
    inspection = record_inspection(
        provider=home,
        regime=regime,
        draw=draw,
        inspected_on=visit,
        recorded_by=inspector,
        inspectors=[inspector],
        checklist_results={"fire-exits": "fail", "fire-detectors": "pass"},
        findings=[
            FindingInput(Finding.Category.FIRE, Finding.Severity.GENERAL, DESCRIPTION),
            FindingInput(Finding.Category.FOOD, Finding.Severity.GENERAL, DESCRIPTION),
        ],
        summary=DESCRIPTION,
    )
    fire = inspection.findings.get(category=Finding.Category.FIRE)
    fire = finding_report_rectification(finding=fire, report=DESCRIPTION, rectified_on=visit)
    superuser = User.objects.create_superuser(username="root_e2e_insp", password=None)
    finding_verify(finding=fire, inspector=superuser, on=visit + datetime.timedelta(days=2))
    return Site(
        url=str(live_server.url),
        uscc=home.uscc,
        name=home.name,
        inspection=inspection.pk,
        draw=draw.pk,
        draw_name=draw.name,
        visit=f"{visit:%Y-%m-%d}",
        usernames=list(User.objects.values_list("username", flat=True)),
    )


@pytest.fixture
def browser(site: Site) -> Iterator[Any]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def definitions(page: Any, heading_id: str) -> dict[str, str]:
    section = page.locator(f'section[aria-labelledby="{heading_id}"]')
    terms = section.locator("dl").first.locator("dt").all_inner_texts()
    values = section.locator("dl").first.locator("dd").all_inner_texts()
    return {t.strip(): v.strip() for t, v in zip(terms, values, strict=True)}


def test_a_citizen_follows_a_home_to_its_inspection_and_the_draw_and_downloads_the_inputs(
    site: Site, desktop: Any, save_screenshot: Any
) -> None:
    page = desktop
    page.goto(f"{site.url}/providers/{site.uscc}/")
    page.get_by_role("link", name=site.visit).click()
    page.wait_for_url(f"**/inspections/{site.inspection}/")

    basic = definitions(page, "basic")
    assert basic["机构"].startswith(site.name) and basic["日期"] == site.visit
    assert basic["牵头部门"] == "民政部门"
    failed = page.locator("#checklist-failed + ul li").all_inner_texts()
    assert failed == ["疏散通道、安全出口畅通"]
    rows = page.locator('section[aria-labelledby="findings"] tbody tr')
    assert rows.count() == 2
    assert "已核验整改" in rows.nth(0).inner_text() or "已核验整改" in rows.nth(1).inner_text()
    body = page.locator("main").inner_text()
    assert DESCRIPTION not in body and "赵" not in body
    save_screenshot(page, "inspection-desktop-1280")

    page.locator('header a[hreflang="en"]').click()
    page.wait_for_url(f"**/en/inspections/{site.inspection}/")
    assert page.locator("#checklist-failed + ul li").all_inner_texts() == ["Escape routes and exits clear"]
    save_screenshot(page, "inspection-desktop-1280-en")

    # In Mongolian: the same page, written in vertical lines, the same failed item as data.
    page.goto(f"{site.url}/mn/inspections/{site.inspection}/")
    assert page.locator("html").get_attribute("lang") == "mn-Mong"
    assert page.locator('section[aria-labelledby="findings"] tbody tr').count() == 2
    assert DESCRIPTION not in page.locator("main").inner_text()
    save_screenshot(page, "inspection-desktop-1280-mn")
    page.goto(f"{site.url}/en/inspections/{site.inspection}/")

    page.get_by_role("link", name=site.draw_name).click()
    page.wait_for_url(f"**/en/inspections/draws/{site.draw}/")
    main = page.locator("main").inner_text()
    assert f"python manage.py verify_draw {site.draw}" in main
    assert "2026-11-30 福彩3D 081" in main
    assert not any(username in page.content() for username in site.usernames)
    save_screenshot(page, "draw-desktop-1280-en")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the published inputs and results (JSON)").click()
    download = download_info.value
    assert download.suggested_filename == f"draw-{site.draw}-inputs.json"
    text = Path(download.path()).read_text(encoding="utf-8")
    published = json.loads(text)
    assert compute_results(published["inputs"]) == published["results"]
    assert not any(username in text for username in site.usernames)


def test_the_inspection_and_draw_pages_fit_a_360px_phone(site: Site, phone: Any, save_screenshot: Any) -> None:
    page = phone
    for prefix in ("", "/en", "/mn"):
        for url in (f"/inspections/{site.inspection}/", f"/inspections/draws/{site.draw}/"):
            page.goto(f"{site.url}{prefix}{url}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{page.url}: {width} px wide on a 360 px phone"
    page.goto(f"{site.url}/inspections/{site.inspection}/")
    save_screenshot(page, "inspection-phone-360")
    page.goto(f"{site.url}/en/inspections/{site.inspection}/")
    save_screenshot(page, "inspection-phone-360-en")
    page.goto(f"{site.url}/mn/inspections/{site.inspection}/")
    save_screenshot(page, "inspection-phone-360-mn")
    page.goto(f"{site.url}/inspections/draws/{site.draw}/")
    save_screenshot(page, "draw-phone-360")
